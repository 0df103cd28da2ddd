// Which network a training run trains, as plain data: an MSTF-NAS genotype, or ResNet-18 as MedMNIST
// trains it at 28 x 28 (src/nn/resnet-plan.ts). The trainer, the model file, evaluation, prediction
// and export take an Architecture and a ModelNetwork (channels, classes, C, image size) and build
// the network from them (build-architecture.ts), so any network made of the nn modules goes through
// the same trainer.
//   { kind: 'mstf', genotype }   the genotype's network (src/space/network.ts) at C = initChannels
//   { kind: 'resnet18' }         ResNet-18 with stem width initChannels (64 is ResNet-18; another C
//                                scales every stage, for quick checks)
// This file is plain data (no GPU modules are imported): model files and exporters read it; the
// builder is build-architecture.ts.
import { planResNet18, RESNET18_WIDTH, type ResNetPlan } from '../nn/resnet-plan.ts';
import { GenotypeError } from '../space/errors.ts';
import { resolveGenotype, validateGenotype, type GenotypeInput } from '../space/genotype.ts';
import { genotypeKey } from '../space/text.ts';
import type { FieldChecker } from '../util/fields.ts';
import { FileFormatError } from '../util/file-format-error.ts';
import type { TrainConfig } from './config.ts';

export type Architecture = { readonly kind: 'mstf'; readonly genotype: readonly number[] } | { readonly kind: 'resnet18' };
export type ArchitectureKind = Architecture['kind'];
export const ARCHITECTURE_KINDS: readonly ArchitectureKind[] = ['mstf', 'resnet18'];

/** An Architecture, or a genotype (which means { kind: 'mstf', genotype }). */
export type ArchitectureInput = Architecture | GenotypeInput;

/** ResNet-18 (MedMNIST's 28 x 28 form). */
export const RESNET18: Architecture = Object.freeze({ kind: 'resnet18' });

/** The names `--arch` takes besides genotypes, with what they build. */
export const NAMED_ARCHITECTURES: Readonly<Record<string, Architecture>> = Object.freeze({ resnet18: RESNET18 });

/**
 * The architecture a name stands for ('resnet18'; case, '-' and '_' ignored: ResNet-18 too), or null
 * when `text` is not such a name (then it is a genotype, a genotype file or a search run).
 */
export function namedArchitecture(text: string): Architecture | null {
  const name = text.trim().toLowerCase().replace(/[-_]/g, '');
  return Object.hasOwn(NAMED_ARCHITECTURES, name) ? NAMED_ARCHITECTURES[name] : null;
}

/** The stem width a run of this architecture uses unless told otherwise: ResNet-18's 64; null for MSTF (the preset's C). */
export function defaultInitChannels(a: Architecture): number | null {
  return a.kind === 'resnet18' ? RESNET18_WIDTH : null;
}

/** The genotype's architecture; the genotype is checked (GenotypeError). */
export function mstfArchitecture(genotype: GenotypeInput): Architecture {
  return { kind: 'mstf', genotype: Object.freeze([...resolveGenotype(genotype)]) };
}

/** An ArchitectureInput as an Architecture (a genotype checked and resolved). */
export function toArchitecture(input: ArchitectureInput): Architecture {
  return typeof input === 'string' || Array.isArray(input) ? mstfArchitecture(input as GenotypeInput) : (input as Architecture);
}

/** A short text that equals another architecture's only when they build the same network: the genotype key, or 'resnet18'. */
export function architectureKey(a: Architecture): string {
  return a.kind === 'mstf' ? genotypeKey(a.genotype) : a.kind;
}

/** For messages: 'genotype 2,0,4,...' or 'ResNet-18'. */
export function architectureLabel(a: Architecture): string {
  return a.kind === 'mstf' ? `genotype ${genotypeKey(a.genotype)}` : 'ResNet-18';
}

/** What a network is built for besides its architecture (ModelNetwork's fields). */
export interface ArchitectureShape {
  readonly inChannels: number;
  readonly numClasses: number;
  /** C: the MSTF stem's channels, or ResNet's stem width. */
  readonly initChannels: number;
  readonly inputSize: number;
}

/** ResNet-18's plan for a network shape (its stem width is the shape's initChannels). */
export function resnetPlanOf(shape: ArchitectureShape): ResNetPlan {
  return planResNet18({ inChannels: shape.inChannels, numClasses: shape.numClasses, width: shape.initChannels, inputSize: shape.inputSize });
}

/**
 * A preset's settings for an architecture: ResNet-18 trains at its own widths (stem 64), not at the
 * preset's C (which sizes MSTF networks); every other setting is the preset's.
 */
export function configForArchitecture(config: TrainConfig, a: Architecture): TrainConfig {
  const width = defaultInitChannels(a);
  return width === null ? config : { ...config, initChannels: width };
}

/** The architecture as a model file stores it. */
export function encodeArchitecture(a: Architecture): Record<string, unknown> {
  return a.kind === 'mstf' ? { kind: a.kind, genotype: [...a.genotype] } : { kind: a.kind };
}

/** A genotype read from a file, checked against the search space (a FileFormatError otherwise). */
export function readGenotypeField(f: FieldChecker, v: unknown, where: string): number[] {
  const genotype = f.integers(v, where, 0, 1000);
  try {
    validateGenotype(genotype);
  } catch (e) {
    if (e instanceof GenotypeError) throw new FileFormatError(f.source, `holds a genotype that is not in the search space (${e.message})`);
    throw e;
  }
  return genotype;
}

/** An architecture decoded from a file (encodeArchitecture's form), every field checked. */
export function readArchitecture(f: FieldChecker, v: unknown, where = 'architecture'): Architecture {
  const r = f.record(v, where);
  const kind = f.string(r.kind, `${where}.kind`);
  if (kind === 'mstf') {
    f.keys(r, where, ['kind', 'genotype']);
    return { kind, genotype: readGenotypeField(f, r.genotype, `${where}.genotype`) };
  }
  if (kind === 'resnet18') {
    f.keys(r, where, ['kind']);
    return RESNET18;
  }
  return f.fail(`${where}.kind`, `one of ${ARCHITECTURE_KINDS.join(', ')}`, kind);
}
