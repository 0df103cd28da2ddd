// `mednas replay CKPT|RUN_DIR`: a search generation by generation from its checkpoint alone (no GPU):
// front, hypervolume, best values, timings, each generation recomputed from the stored raw values
// and checked against the record with the recorded objectives (paper or rank), then the refinement
// (its plan and choice checked too). `--verify N` re-scores N stored architectures on the device.
import type { CAC } from 'cac';
import { replayRefinement, replaySearch, verifySearch, type ReplayedGeneration, type ReplayedRefinement } from '../src/index.ts';
import { initNode, loadDataset, readSearchCheckpoint, searchCheckpointPath } from '../src/node/index.ts';
import { addDatasetOptions, datasetFlag, datasetLoadOptions, requireOwnDataPath } from './dataset-options.ts';
import { addGpuOptions, gpuInitOptions } from './gpu-options.ts';
import { intValue, optional, pathValue, stringValue } from './options.ts';
import { generationLine, jsonReplacer, seconds, short, shownValue } from './search-progress.ts';

interface ReplayFlags {
  gen?: unknown;
  verify?: unknown;
  dataset?: unknown;
  dataDir?: unknown;
  splitSeed?: unknown;
  skipBad?: boolean;
  json?: boolean;
  backend?: unknown;
  adapter?: unknown;
}

function generationDetail(g: ReplayedGeneration, proxies: readonly string[]): string[] {
  const lines = [`  front (${g.record.front.length}):`];
  for (const i of g.record.front) {
    const m = g.members[i];
    const f = g.record.objectives[i];
    const vals = proxies.map((p) => `${p === 'synflow' ? 'ln synflow' : p} ${short(shownValue(m, p))}`).join(', ');
    lines.push(`    f = (${f[0].toFixed(4)}, ${f[1].toFixed(4)})  ${vals}, ${m.params.toLocaleString('en-US')} params${m.failure ? ` [failed: ${m.failure}]` : ''}  ${m.key}`);
  }
  lines.push(`  scoring ${seconds(g.record.times.scoringMs)} of ${seconds(g.record.times.wallMs)}`);
  return lines;
}

function refinementDetail(r: ReplayedRefinement): string[] {
  const f = r.record;
  const metric = (v: number) => (Number.isFinite(v) ? v.toFixed(4) : 'n/a');
  const lines = [`refine: ${f.candidates.length} of ${f.planned.length} candidate(s) trained, ${f.train.epochs} epoch(s) each (C = ${f.train.initChannels}, batch ${f.train.batchSize}, lr ${f.train.lr}, seed ${f.train.seed}${f.train.maxImages !== null ? `, ${f.train.maxImages} images per split` : ''})`];
  f.planned.forEach((key, i) => {
    const c = f.candidates[i];
    const mark = f.chosen === key ? '*' : ' ';
    lines.push(c
      ? `  ${mark} ${i + 1}. val AUC ${metric(c.valAuc)}, ACC ${metric(c.valAcc)} (epoch ${c.bestEpoch + 1}); test AUC ${metric(c.testAuc)}, ACC ${metric(c.testAcc)}; ${seconds(c.seconds * 1000)}${c.failure ? ` [failed: ${c.failure}]` : ''}  ${key}`
      : `    ${i + 1}. not trained yet  ${key}`);
  });
  lines.push(f.chosen ? `  chosen: ${f.chosen} (the best validation AUC; * above)` : '  chosen: none yet (resume the search to train the rest)');
  for (const d of r.differences) lines.push(`  DIFFERS: ${d}`);
  return lines;
}

async function run(arg: string, flags: ReplayFlags): Promise<number> {
  const path = await searchCheckpointPath(stringValue(arg, 'CKPT'));
  const verify = optional(flags.verify, (v) => intValue(v, '--verify', { min: 1, max: 100_000 }));
  const c = await readSearchCheckpoint(path);
  const gen = optional(flags.gen, (v) => intValue(v, '--gen', { min: 1, max: Math.max(1, c.history.length) }));
  const dataDir = await optional(flags.dataDir, (v) => pathValue(v, '--data-dir', 'dir'));
  const replayed = replaySearch(c);
  const shown = gen === undefined ? replayed : [replayed[gen - 1]];
  const proxies = [...c.config.proxies, 'flops'];
  const mismatches = replayed.filter((g) => g.differences.length > 0);
  const refinement = replayRefinement(c);
  if (flags.json) {
    console.log(JSON.stringify({ event: 'checkpoint', path, config: c.config, dataset: c.dataset.name, adapter: c.adapter, generationsDone: c.history.length, finished: c.finished, architectures: c.archive.length, elapsedMs: c.elapsedMs, sessions: c.sessions }));
    for (const g of shown) console.log(JSON.stringify({ event: 'generation', ...g.record, differences: g.differences }, jsonReplacer));
    if (refinement && gen === undefined) console.log(JSON.stringify({ event: 'refine', ...refinement.record, plan: refinement.plan, differences: refinement.differences }, jsonReplacer));
  } else {
    const objectives = c.config.objectives === 'rank' ? `rank objectives over ${c.config.proxies.join(', ')} (f1 = -S_n, f2 = flops_n)` : `paper objectives, ${c.config.proxies.join(' + ')} + flops`;
    console.log(`${path}: ${c.config.dataset}, ${c.config.algorithm} population ${c.config.popSize}, ${objectives}, ${c.history.length} of ${c.config.generations} generations${c.finished ? ' (finished)' : ''}, ${c.archive.length} architectures, ${seconds(c.elapsedMs)} on ${c.adapter.description}`);
    for (const g of shown) {
      console.log(generationLine(g.record, c.config.generations, null));
      for (const l of generationDetail(g, proxies)) console.log(l);
      for (const d of g.differences) console.log(`  DIFFERS: ${d}`);
    }
    if (refinement && gen === undefined) for (const l of refinementDetail(refinement)) console.log(l);
    console.log(mismatches.length === 0 ? `replay: every generation's front, hypervolume and best values recomputed from the stored values equal the record` : `replay: ${mismatches.length} generation(s) differ from the record`);
  }
  let failed = mismatches.length > 0 || (refinement?.differences.length ?? 0) > 0;
  if (verify !== undefined) {
    const given = datasetFlag(flags);
    if (given === undefined) requireOwnDataPath(c.config.dataset, c.dataset.release, `the search ${path}`);
    const dataset = await loadDataset(given?.path ?? c.config.dataset, { ...(await datasetLoadOptions({ ...flags, dataDir: undefined }, { sizePx: c.dataset.sizePx, release: c.dataset.release })), dataDir });
    const rt = await initNode(gpuInitOptions(flags));
    const v = await verifySearch(c, { rt, dataset, count: verify });
    if (flags.json) console.log(JSON.stringify({ event: 'verify', ...v }, jsonReplacer));
    else {
      console.log(`verify: re-scored ${v.keys.length} architectures on ${v.adapter}${v.sameAdapter ? ' (the adapter that wrote the checkpoint)' : ` (the checkpoint is from ${c.adapter.description})`}: ${v.differences.length} value(s) differ`);
      for (const d of v.differences) console.log(`  ${d.key} ${d.proxy}: stored ${d.stored}, re-scored ${d.rescored} (relative ${d.relative.toExponential(2)})`);
    }
    if (v.differences.length > 0 && v.sameAdapter) failed = true;
  }
  return failed ? 2 : 0;
}

export function registerReplay(cli: CAC): void {
  addDatasetOptions(addGpuOptions(cli.command('replay <checkpoint>', 'Show a search generation by generation from its checkpoint (a file or a run directory); no GPU unless --verify'))
    .option('--gen <K>', 'Show only generation K')
    .option('--verify <N>', 'Re-score N stored architectures on this device and report every difference')
    .option('--data-dir <dir>', 'Data directory for --verify (default: MEDNAS_DATA, else a per-user folder)')
    .option('--dataset <path>', "--verify on your own data: its .npz or folder (a registered dataset is found by its name)")
    .option('--json', 'One JSON object per generation on stdout'), { prefix: '--verify: ', size: false, noVerify: false })
    .example('mednas replay runs/search-synthetic')
    .example('mednas replay runs/search-synthetic/checkpoint.mednas --gen 2 --verify 3')
    .action(async (arg: string, flags: ReplayFlags) => run(arg, flags));
}
