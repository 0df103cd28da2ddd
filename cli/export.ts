// `mednas export MODEL [--format onnx|npz|safetensors] [--out FILE] [--weights best|last] [--input normalized|pixels] [--force] [--json]`:
// a model file's network as ONNX (opset 13, run by ONNX Runtime and the like), or its weights under
// the PyTorch reference model's state_dict names as .npz or .safetensors. No GPU: the network is
// described from the architecture (genotype or ResNet-18) and the tensors come from the file. Every argument is checked, and an
// existing output refused without --force, before the model file is read.
import { existsSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import type { CAC } from 'cac';
import {
  architectureKey, architectureLabel, EXPORT_EXTENSIONS, EXPORT_FORMATS, exportModel, INPUT_NOTE, ONNX_INPUT_KINDS, ONNX_OPSET, OnnxInputError, PIXEL_INPUT_NOTE, statsText, type ExportFormat,
} from '../src/index.ts';
import { readModelFile, writeFileAtomic } from '../src/node/index.ts';
import { choiceValue, CliUsageError, optional, pathValue } from './options.ts';

interface ExportFlags {
  format?: unknown;
  out?: unknown;
  weights?: unknown;
  input?: unknown;
  force?: boolean;
  json?: boolean;
}

const FORMAT_NAMES: Record<ExportFormat, string> = {
  onnx: `ONNX (opset ${ONNX_OPSET})`,
  npz: 'npz (numpy; PyTorch state_dict names)',
  safetensors: 'safetensors (PyTorch state_dict names)',
};

function sizeText(bytes: number): string {
  return bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

async function run(modelArg: string, flags: ExportFlags): Promise<number> {
  const path = await pathValue(modelArg, 'MODEL', 'file');
  const format = choiceValue(flags.format ?? 'onnx', '--format', EXPORT_FORMATS);
  const weights = choiceValue(flags.weights ?? 'best', '--weights', ['best', 'last'] as const);
  const input = choiceValue(flags.input ?? 'normalized', '--input', ONNX_INPUT_KINDS);
  if (flags.input !== undefined && format !== 'onnx') throw new CliUsageError(`--input is for --format onnx (a graph); --format ${format} holds the weights alone`);
  const out =
    (await optional(flags.out, (v) => pathValue(v, '--out', 'file-or-missing'))) ??
    join(dirname(path), `${basename(path, extname(path))}${EXPORT_EXTENSIONS[format]}`);
  if (out === path) throw new CliUsageError(`--out: ${out} is the model file itself; choose another file`);
  if (existsSync(out) && !flags.force) {
    throw new CliUsageError(`--out: ${out} exists; give --force to overwrite it, or --out another file`);
  }
  const model = await readModelFile(path);
  let r: ReturnType<typeof exportModel>;
  try {
    r = exportModel(model, format, { weights, source: path, input });
  } catch (e) {
    if (e instanceof OnnxInputError) throw new CliUsageError(`--input pixels: ${path}: ${e.message}`);
    throw e;
  }
  await writeFileAtomic(out, r.bytes);
  const { inChannels: c, inputSize: s, numClasses: k } = model.network;
  if (flags.json) {
    console.log(JSON.stringify({
      event: 'export', model: path, out, format, bytes: r.bytes.length, weights: r.weights, epoch: r.epoch, tensors: r.tensors, values: r.values,
      architecture: architectureKey(model.architecture), genotype: model.architecture.kind === 'mstf' ? model.architecture.genotype : null, input: { name: 'images', shape: ['N', c, s, s], ...(format === 'onnx' ? { kind: input } : {}) }, output: { name: 'logits', shape: ['N', k] },
      normalization: model.normalization, classNames: model.classNames,
    }));
    return 0;
  }
  const which = r.epoch === null ? 'initial weights (the file has no finished epoch)' : `${r.weights === 'best' ? 'best-on-validation' : 'last'} weights of epoch ${r.epoch + 1}`;
  if (weights === 'best' && r.weights === 'last' && r.epoch !== null) console.error('mednas: note: the model file has no best weights yet; exported its last ones');
  console.log(`model ${path}: ${architectureLabel(model.architecture)}, C = ${model.network.initChannels}, trained on ${model.dataset.name}`);
  console.log(`wrote ${out}: ${FORMAT_NAMES[format]}, ${sizeText(r.bytes.length)}, ${r.tensors} tensors (${r.values} values), ${which}`);
  if (format === 'onnx') console.log(`input images: ${(input === 'pixels' ? PIXEL_INPUT_NOTE : INPUT_NOTE).replace('[N, C, H, W]', `[N, ${c}, ${s}, ${s}]`)}; output logits: float32 [N, ${k}]`);
  // Where a user of the exported file finds the numbers (or, for an older model file, that it has none); an npz holds no metadata.
  if (format !== 'npz' && model.normalization) {
    console.log(`normalisation mean/std ${statsText(model.normalization)}${model.classNames ? `, class names ${JSON.stringify(model.classNames)}` : ''}: in the file's metadata (mean, std${model.classNames ? ', class_names' : ''})`);
  } else if (format !== 'npz') {
    console.error('mednas: note: the model file (from before version 3) records no normalisation or class names, so the export carries none: take the mean and std from the training split (docs/export.md)');
  }
  return 0;
}

export function registerExport(cli: CAC): void {
  cli.command('export <model>', 'Export a model file (OUT/model.mednas): ONNX, or its weights under PyTorch names as npz / safetensors; no GPU')
    .option('--format <format>', `${EXPORT_FORMATS.join(', ')} (default onnx)`)
    .option('--out <file>', 'Where to write it (default: beside the model file, model.onnx / model.npz / model.safetensors)')
    .option('--weights <which>', 'best (best on validation, as `mednas eval` scores) or last (default best)')
    .option('--input <kind>', 'ONNX: what the graph takes, normalized (images normalised as mednas trains; default) or pixels (values 0-255: the normalisation is in the graph)')
    .option('--force', 'Overwrite an existing output file')
    .option('--json', 'Print one JSON object')
    .example('mednas export runs/train-breastmnist/model.mednas --format onnx')
    .example('mednas export runs/train-breastmnist/model.mednas --input pixels --out breast-pixels.onnx')
    .example('mednas export runs/train-breastmnist/model.mednas --format safetensors --out breast.safetensors')
    .action(async (model: string, flags: ExportFlags) => run(String(model), flags));
}
