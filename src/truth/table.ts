// The ground-truth table: a protocol, the architectures it samples, every proxy's value at
// initialisation and every training run, in the one mednas file envelope (format 'mednas-truth',
// version 1, CRC-32; src/util/envelope.ts) around a msgpack payload, rewritten atomically after
// each unit of work. Decoding checks every field, so a damaged or foreign table is a
// FileFormatError naming the field, never a TypeError later.
//
// Payload:
//   mednasVersion      the mednas that started the table (each run and proxy row has its own)
//   protocol           TruthProtocol (protocol.ts)
//   dataset            DatasetId of the data trained on (after any training subset)
//   batchId            the proxy batch's id (its content's checksum)
//   architectures[]    { key, genotype, origin, params, flops } in build order
//   proxies[]          one per (architecture, init seed): values, ln values, reasons, times per proxy
//   runs[]             one per (architecture, training seed): epochs, best epoch, metrics, seconds
//   elapsedSeconds     wall time of every unit over all sessions; sessions: builds that worked on it
import { readDatasetId, type DatasetId } from '../train/dataset-id.ts';
import type { Metrics } from '../train/metrics.ts';
import { readTrainConfig } from '../train/model-file.ts';
import { decodeEnvelope, encodeEnvelope } from '../util/envelope.ts';
import { FieldChecker } from '../util/fields.ts';
import { FileFormatError } from '../util/file-format-error.ts';
import { checkProtocol, type TruthProtocol } from './protocol.ts';
import { ARCHITECTURE_ORIGINS, type ArchitectureOrigin, type TruthArchitecture } from './sample.ts';

export const TRUTH_FORMAT = 'mednas-truth';
export const TRUTH_VERSION = 1;

export interface EpochTruth {
  readonly trainLoss: number;
  readonly val: Metrics;
  /** The test split after this epoch (the table records it so that targets other than "test at the best validation epoch" can be studied). */
  readonly test: Metrics;
  readonly seconds: number;
}

/** One architecture trained with one seed: a unit of work. */
export interface TrainingRun {
  /** Index into the table's architectures. */
  readonly arch: number;
  readonly key: string;
  readonly seed: number;
  readonly epochs: readonly EpochTruth[];
  /** 0-based epoch of the best validation AUC (the first that reached it); -1 when the run failed. */
  readonly bestEpoch: number;
  /** Validation and test metrics of the best-on-validation weights (null when the run failed). */
  readonly val: Metrics | null;
  readonly test: Metrics | null;
  /** Why the run has no result (a NaN loss), else null. */
  readonly failure: string | null;
  readonly seconds: number;
  readonly adapter: string;
  readonly mednasVersion: string;
}

/** Every proxy at one architecture's initialisation from one seed: a unit of work. */
export interface ProxyRun {
  readonly arch: number;
  readonly key: string;
  readonly initSeed: number;
  /** Raw values per proxy (NaN where undefined: see reasons). */
  readonly values: Readonly<Record<string, number>>;
  /** ln(value) where the proxy computes it (synflow). */
  readonly logValues: Readonly<Record<string, number>>;
  readonly reasons: Readonly<Record<string, string>>;
  readonly timesMs: Readonly<Record<string, number>>;
  readonly adapter: string;
  readonly mednasVersion: string;
}

export interface TruthTable {
  readonly mednasVersion: string;
  readonly protocol: TruthProtocol;
  readonly dataset: DatasetId;
  readonly batchId: string;
  readonly architectures: readonly TruthArchitecture[];
  readonly proxies: readonly ProxyRun[];
  readonly runs: readonly TrainingRun[];
  readonly elapsedSeconds: number;
  readonly sessions: number;
}

export function encodeTruthTable(t: TruthTable): Uint8Array {
  return encodeEnvelope(TRUTH_FORMAT, TRUTH_VERSION, t);
}

/** ACC and AUC at `where` (results files share this reader). */
export function readMetrics(f: FieldChecker, v: unknown, where: string): Metrics {
  const r = f.record(v, where);
  f.keys(r, where, ['acc', 'auc']);
  return { acc: f.anyNumber(r.acc, `${where}.acc`), auc: f.anyNumber(r.auc, `${where}.auc`) };
}

/** Distinct seeds at `where`. */
export function readSeeds(f: FieldChecker, v: unknown, where: string): number[] {
  const s = f.integers(v, where, 0, 2 ** 32 - 1);
  if (new Set(s).size !== s.length) f.fail(where, 'distinct seeds', v);
  return s;
}

function protocol(f: FieldChecker, v: unknown): TruthProtocol {
  const p = f.record(v, 'protocol');
  f.keys(p, 'protocol', ['dataset', 'train', 'seeds', 'count', 'sampleSeed', 'trainImages', 'proxyBatch', 'proxyBatchSeed', 'initSeeds']);
  const out: TruthProtocol = {
    dataset: f.string(p.dataset, 'protocol.dataset'),
    train: readTrainConfig(f, p.train, 'protocol.train'),
    seeds: readSeeds(f, p.seeds, 'protocol.seeds'),
    count: f.integer(p.count, 'protocol.count', 1),
    sampleSeed: f.integer(p.sampleSeed, 'protocol.sampleSeed', 0, 2 ** 32 - 1),
    trainImages: p.trainImages === null ? null : f.integer(p.trainImages, 'protocol.trainImages', 2),
    proxyBatch: f.integer(p.proxyBatch, 'protocol.proxyBatch', 1),
    proxyBatchSeed: f.integer(p.proxyBatchSeed, 'protocol.proxyBatchSeed', 0, 2 ** 32 - 1),
    initSeeds: readSeeds(f, p.initSeeds, 'protocol.initSeeds'),
  };
  try {
    checkProtocol(out);
  } catch (e) {
    throw new FileFormatError(f.source, `holds a protocol that is not valid (${(e as Error).message})`);
  }
  return out;
}

function architecture(f: FieldChecker, v: unknown, where: string): TruthArchitecture {
  const r = f.record(v, where);
  f.keys(r, where, ['key', 'genotype', 'origin', 'params', 'flops']);
  const genotype = f.integers(r.genotype, `${where}.genotype`, 0, 1000);
  const key = f.string(r.key, `${where}.key`);
  if (key !== genotype.join(',')) f.fail(`${where}.key`, `the genotype's key ${genotype.join(',')}`, key);
  const origin = f.string(r.origin, `${where}.origin`);
  if (!ARCHITECTURE_ORIGINS.includes(origin as ArchitectureOrigin)) f.fail(`${where}.origin`, `one of ${ARCHITECTURE_ORIGINS.join(', ')}`, origin);
  return { key, genotype, origin: origin as ArchitectureOrigin, params: f.integer(r.params, `${where}.params`), flops: f.integer(r.flops, `${where}.flops`) };
}

/** The architecture a row points at, checked: its index is in range and its key matches. */
function archIndex(f: FieldChecker, r: Record<string, unknown>, where: string, archs: readonly TruthArchitecture[]): { arch: number; key: string } {
  const arch = f.integer(r.arch, `${where}.arch`, 0, Math.max(0, archs.length - 1));
  const key = f.string(r.key, `${where}.key`);
  if (archs[arch]?.key !== key) f.fail(`${where}.key`, `architecture ${arch}'s key ${archs[arch]?.key}`, key);
  return { arch, key };
}

function proxyRun(f: FieldChecker, v: unknown, where: string, archs: readonly TruthArchitecture[]): ProxyRun {
  const r = f.record(v, where);
  f.keys(r, where, ['arch', 'key', 'initSeed', 'values', 'logValues', 'reasons', 'timesMs', 'adapter', 'mednasVersion']);
  return {
    ...archIndex(f, r, where, archs),
    initSeed: f.integer(r.initSeed, `${where}.initSeed`, 0, 2 ** 32 - 1),
    values: f.numberMap(r.values, `${where}.values`),
    logValues: f.numberMap(r.logValues, `${where}.logValues`),
    reasons: f.stringMap(r.reasons, `${where}.reasons`),
    timesMs: f.numberMap(r.timesMs, `${where}.timesMs`),
    adapter: f.string(r.adapter, `${where}.adapter`),
    mednasVersion: f.string(r.mednasVersion, `${where}.mednasVersion`),
  };
}

function trainingRun(f: FieldChecker, v: unknown, where: string, archs: readonly TruthArchitecture[]): TrainingRun {
  const r = f.record(v, where);
  f.keys(r, where, ['arch', 'key', 'seed', 'epochs', 'bestEpoch', 'val', 'test', 'failure', 'seconds', 'adapter', 'mednasVersion']);
  const epochs = f.array(r.epochs, `${where}.epochs`).map((e, i) => {
    const w = `${where}.epochs[${i}]`;
    const x = f.record(e, w);
    f.keys(x, w, ['trainLoss', 'val', 'test', 'seconds']);
    return { trainLoss: f.anyNumber(x.trainLoss, `${w}.trainLoss`), val: readMetrics(f, x.val, `${w}.val`), test: readMetrics(f, x.test, `${w}.test`), seconds: f.number(x.seconds, `${w}.seconds`) };
  });
  const failure = r.failure === null ? null : f.string(r.failure, `${where}.failure`);
  const bestEpoch = failure === null ? f.integer(r.bestEpoch, `${where}.bestEpoch`, 0, Math.max(0, epochs.length - 1)) : f.integer(r.bestEpoch, `${where}.bestEpoch`, -1, -1) ;
  return {
    ...archIndex(f, r, where, archs),
    seed: f.integer(r.seed, `${where}.seed`, 0, 2 ** 32 - 1),
    epochs,
    bestEpoch,
    val: r.val === null ? null : readMetrics(f, r.val, `${where}.val`),
    test: r.test === null ? null : readMetrics(f, r.test, `${where}.test`),
    failure,
    seconds: f.number(r.seconds, `${where}.seconds`),
    adapter: f.string(r.adapter, `${where}.adapter`),
    mednasVersion: f.string(r.mednasVersion, `${where}.mednasVersion`),
  };
}

/** Decodes and checks a table (FileFormatError naming `source` and the field on any fault). */
export function decodeTruthTable(bytes: Uint8Array, source: string): TruthTable {
  const env = decodeEnvelope(bytes, { format: TRUTH_FORMAT, versions: [TRUTH_VERSION], source });
  const f = new FieldChecker(source);
  if (env.encoding !== 'msgpack') throw new FileFormatError(source, 'holds raw bytes, not a msgpack table');
  const top = f.record(env.payload, 'the table');
  f.keys(top, 'the table', ['mednasVersion', 'protocol', 'dataset', 'batchId', 'architectures', 'proxies', 'runs', 'elapsedSeconds', 'sessions']);
  const architectures = f.array(top.architectures, 'architectures').map((a, i) => architecture(f, a, `architectures[${i}]`));
  const p = protocol(f, top.protocol);
  if (architectures.length !== p.count) f.fail('architectures', `${p.count} architectures (the protocol's count)`, top.architectures);
  const table: TruthTable = {
    mednasVersion: f.string(top.mednasVersion, 'mednasVersion'),
    protocol: p,
    dataset: readDatasetId(f, top.dataset),
    batchId: f.string(top.batchId, 'batchId'),
    architectures,
    proxies: f.array(top.proxies, 'proxies').map((r, i) => proxyRun(f, r, `proxies[${i}]`, architectures)),
    runs: f.array(top.runs, 'runs').map((r, i) => trainingRun(f, r, `runs[${i}]`, architectures)),
    elapsedSeconds: f.number(top.elapsedSeconds, 'elapsedSeconds'),
    sessions: f.integer(top.sessions, 'sessions', 1),
  };
  const seen = new Set<string>();
  for (const [i, r] of table.runs.entries()) {
    const id = `run ${r.arch}/${r.seed}`;
    if (seen.has(id)) f.fail(`runs[${i}]`, 'one run per architecture and seed', `a second ${id}`);
    if (!p.seeds.includes(r.seed)) f.fail(`runs[${i}].seed`, `one of the protocol's seeds ${p.seeds.join(', ')}`, r.seed);
    seen.add(id);
  }
  for (const [i, r] of table.proxies.entries()) {
    const id = `proxy ${r.arch}/${r.initSeed}`;
    if (seen.has(id)) f.fail(`proxies[${i}]`, 'one proxy row per architecture and init seed', `a second ${id}`);
    if (!p.initSeeds.includes(r.initSeed)) f.fail(`proxies[${i}].initSeed`, `one of the protocol's init seeds ${p.initSeeds.join(', ')}`, r.initSeed);
    seen.add(id);
  }
  return table;
}
