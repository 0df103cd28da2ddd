// Building a ground-truth table: sample the architectures, then for each in turn compute every
// proxy at initialisation (one unit per init seed) and train it once per seed (one unit per seed),
// handing the whole table to `saveTable` after every unit (the Node edge writes it atomically).
// Given a table it continues where that build stopped: finished units are kept, missing ones done,
// so a build killed at any moment loses at most the unit in progress, and its end result equals an
// uninterrupted build's in every number but the times. A table built before a proxy was
// registered gets that proxy's values when the build is resumed (or by `fillProxies` alone).
import type { ImageDataset } from '../data/dataset.ts';
import type { Runtime } from '../gpu/runtime.ts';
import { proxyBatch, type ProxyBatch } from '../proxies/batch.ts';
import { PROXY_NAMES, parseProxyNames } from '../proxies/registry.ts';
import { datasetId, type DatasetId } from '../train/dataset-id.ts';
import type { TrainEvent } from '../train/trainer.ts';
import { MEDNAS_VERSION } from '../version.ts';
import { TruthMismatchError } from './errors.ts';
import { checkProtocol, protocolField, truthResumeDifferences, type TruthProtocol } from './protocol.ts';
import { sampleArchitectures } from './sample.ts';
import { encodeTruthTable, type ProxyRun, type TrainingRun, type TruthTable } from './table.ts';
import { proxyUnit, trainSubset, trainUnit, type ProxyUnitResult, type TrainUnitResult } from './unit.ts';

export type TruthEvent =
  | { readonly type: 'start'; readonly architectures: number; readonly units: number; readonly done: number }
  | { readonly type: 'train-progress'; readonly arch: number; readonly seed: number; readonly event: TrainEvent }
  | {
      readonly type: 'unit';
      readonly kind: 'proxies' | 'train';
      readonly arch: number;
      /** The training seed, or the init seed for proxies. */
      readonly seed: number;
      readonly seconds: number;
      /** Units finished, of `units`. */
      readonly done: number;
      readonly units: number;
      /** Seconds to the end at the mean pace of this session's training units (null before one). */
      readonly etaSeconds: number | null;
      readonly run?: TrainingRun;
    };

/** One unit of a table's work as plain data (what a queue worker is given with the protocol's settings). */
export type TruthUnit =
  | {
      readonly kind: 'proxies'; readonly arch: number; readonly key: string; readonly genotype: readonly number[];
      readonly initSeed: number;
      /** The proxies the table lacks for this architecture and init seed. */
      readonly proxies: readonly string[];
    }
  | { readonly kind: 'train'; readonly arch: number; readonly key: string; readonly genotype: readonly number[]; readonly seed: number };

/** What a unit gave (proxyUnit's or trainUnit's result) and its seconds of work. */
export type TruthUnitResult =
  | { readonly kind: 'proxies'; readonly result: ProxyUnitResult; readonly seconds: number }
  | { readonly kind: 'train'; readonly result: TrainUnitResult; readonly seconds: number };

/** What every unit of a build shares: the protocol, the whole dataset, the data trained on and the proxy batch. */
export interface TruthUnitContext {
  readonly protocol: TruthProtocol;
  readonly dataset: ImageDataset;
  readonly data: ImageDataset;
  readonly batch: ProxyBatch;
}

/**
 * Runs many units at once (a queue of workers: src/node/queue), awaiting `onResult` for each as it
 * finishes, in any order. Throwing stops the build; what was stored stays stored.
 */
export type TruthUnitRunner = (
  units: readonly TruthUnit[],
  context: TruthUnitContext,
  onResult: (index: number, result: TruthUnitResult) => Promise<void>,
) => Promise<void>;

export interface BuildTruthOptions {
  readonly rt: Runtime;
  /** The whole dataset (the protocol's training subset is taken here). */
  readonly dataset: ImageDataset;
  readonly protocol: TruthProtocol;
  /** Continue this table (its protocol, dataset and proxy batch must be these). */
  readonly resumeFrom?: TruthTable | null;
  /** Proxies to compute at initialisation (default: every registered one). */
  readonly proxies?: readonly string[];
  /** Only compute proxies, train nothing (adds newly registered proxies to a finished table). */
  readonly proxiesOnly?: boolean;
  readonly onProgress?: (event: TruthEvent) => void;
  /** Called after every unit with the table and its bytes; awaited before the next unit. */
  readonly saveTable?: (table: TruthTable, bytes: Uint8Array) => Promise<void>;
  /**
   * Runs the missing units together instead of one after another here (no GPU work in this
   * process); each result goes into the table where this build would have put it.
   */
  readonly runUnits?: TruthUnitRunner;
}

/** The data a protocol trains on: the whole dataset, or its seeded training subset. */
export function protocolData(dataset: ImageDataset, protocol: TruthProtocol): ImageDataset {
  return protocol.trainImages === null ? dataset : trainSubset(dataset, protocol.trainImages, protocol.sampleSeed);
}

/** The proxy batch of a protocol (drawn from the data it trains on). */
export function protocolBatch(data: ImageDataset, protocol: TruthProtocol): ProxyBatch {
  return proxyBatch(data, { size: Math.min(protocol.proxyBatch, data.splits.train.count), seed: protocol.proxyBatchSeed });
}

/** A new, empty table: the protocol, the dataset, the proxy batch and the sampled architectures. */
export function newTruthTable(protocol: TruthProtocol, id: DatasetId, batch: ProxyBatch): TruthTable {
  checkProtocol(protocol);
  const architectures = sampleArchitectures(protocol.count, protocol.sampleSeed, {
    inChannels: id.channels, numClasses: id.classes, initChannels: protocol.train.initChannels, inputSize: id.sizePx,
  });
  return {
    mednasVersion: MEDNAS_VERSION, protocol, dataset: id, batchId: batch.id, architectures,
    proxies: [], runs: [], elapsedSeconds: 0, sessions: 1,
  };
}

/** Why `table` cannot be continued with this protocol, dataset and batch (null when it can). */
export function truthResumeProblem(table: TruthTable, protocol: TruthProtocol, id: DatasetId, batchId: string): string | null {
  if (protocol.count < table.protocol.count) {
    return `it holds ${table.protocol.count} architectures and a table never shrinks (asked: ${protocol.count}); correlate can look at a part of it`;
  }
  // K and the seeds may grow (truthResumeDifferences); nothing else may change.
  const fields = truthResumeDifferences(table.protocol, protocol);
  if (fields.length > 0) {
    return `its protocol differs in ${fields.map((k) => `${k} (${protocolField(table.protocol, k)} -> ${protocolField(protocol, k)})`).join(', ')}: a table continues with the protocol it started with`;
  }
  const d = table.dataset;
  if (d.name !== id.name || d.crc32 !== id.crc32 || d.counts.train !== id.counts.train || d.counts.val !== id.counts.val || d.counts.test !== id.counts.test) {
    return `it was built on ${d.name} (${d.counts.train}/${d.counts.val}/${d.counts.test} images, CRC-32 ${d.crc32.toString(16)}), not on this ${id.name} (${id.counts.train}/${id.counts.val}/${id.counts.test}, CRC-32 ${id.crc32.toString(16)})`;
  }
  if (table.batchId !== batchId) return `its proxy batch is ${table.batchId}, this data gives ${batchId}`;
  return null;
}

/**
 * The table grown to `to`'s architectures and training seeds: the sample's next architectures
 * appended, and the seeds' list extended (the runs they need are then missing units).
 */
export function extendTable(table: TruthTable, to: Pick<TruthProtocol, 'count' | 'seeds'>): TruthTable {
  const seeds = to.seeds.length > table.protocol.seeds.length ? to.seeds : table.protocol.seeds;
  const count = to.count;
  if (count <= table.protocol.count) return seeds === table.protocol.seeds ? table : { ...table, protocol: { ...table.protocol, seeds } };
  const id = table.dataset;
  const archs = sampleArchitectures(count, table.protocol.sampleSeed, {
    inChannels: id.channels, numClasses: id.classes, initChannels: table.protocol.train.initChannels, inputSize: id.sizePx,
  });
  const changed = table.architectures.findIndex((a, i) => archs[i].key !== a.key);
  if (changed >= 0) {
    throw new TruthMismatchError(`the table cannot grow: this mednas samples architecture ${changed + 1} as ${archs[changed].key}, the table holds ${table.architectures[changed].key} (it was sampled by mednas ${table.mednasVersion}); build a new table`);
  }
  return { ...table, protocol: { ...table.protocol, count, seeds }, architectures: [...table.architectures, ...archs.slice(table.architectures.length)] };
}

/** Units a table needs in all (proxy rows count one per init seed). */
export function truthUnits(p: TruthProtocol, proxiesOnly = false): number {
  return p.count * (p.initSeeds.length + (proxiesOnly ? 0 : p.seeds.length));
}

/** Units already finished for the given proxies. */
function doneUnits(t: TruthTable, proxies: readonly string[], proxiesOnly: boolean): number {
  const proxyRows = t.proxies.filter((r) => proxies.every((n) => n in r.values)).length;
  return proxyRows + (proxiesOnly ? 0 : t.runs.length);
}

/** Builds (or continues) a table to its last unit. */
export async function buildTruthTable(options: BuildTruthOptions): Promise<TruthTable> {
  const { rt, protocol } = options;
  checkProtocol(protocol);
  const names = parseProxyNames(options.proxies ?? PROXY_NAMES);
  const data = protocolData(options.dataset, protocol);
  const id = datasetId(data);
  const batch = protocolBatch(data, protocol);
  let table: TruthTable;
  if (options.resumeFrom) {
    const problem = truthResumeProblem(options.resumeFrom, protocol, id, batch.id);
    if (problem) throw new TruthMismatchError(`the table cannot be continued: ${problem}`);
    table = { ...extendTable(options.resumeFrom, protocol), sessions: options.resumeFrom.sessions + 1 };
  } else {
    table = newTruthTable(protocol, id, batch);
  }
  const proxiesOnly = options.proxiesOnly ?? false;
  const units = truthUnits(protocol, proxiesOnly);
  let done = doneUnits(table, names, proxiesOnly);
  const emit = options.onProgress ?? (() => undefined);
  emit({ type: 'start', architectures: protocol.count, units, done });
  let trainSeconds = 0;
  let trained = 0;
  let proxySeconds = 0;
  let proxyRows = 0;
  const save = async (next: TruthTable) => {
    table = next;
    if (options.saveTable) await options.saveTable(table, encodeTruthTable(table));
  };
  const eta = () => {
    const runsLeft = proxiesOnly ? 0 : protocol.count * protocol.seeds.length - table.runs.length;
    const rowsLeft = protocol.count * protocol.initSeeds.length - table.proxies.length;
    if ((runsLeft > 0 && trained === 0) || (rowsLeft > 0 && proxyRows === 0)) return null;
    return runsLeft * (trainSeconds / Math.max(1, trained)) + rowsLeft * (proxySeconds / Math.max(1, proxyRows));
  };

  if (options.runUnits) {
    const work = missingUnits(table, names, proxiesOnly);
    let stored = Promise.resolve();
    const store = async (unit: TruthUnit, r: TruthUnitResult): Promise<void> => {
      const { arch, key } = unit;
      if (unit.kind === 'proxies' && r.kind === 'proxies') {
        const row = table.proxies.find((x) => x.arch === arch && x.initSeed === unit.initSeed);
        const merged: ProxyRun = row ? mergeProxyRow(row, r.result) : { arch, key, initSeed: unit.initSeed, ...r.result };
        const proxies = row ? table.proxies.map((x) => (x === row ? merged : x)) : inOrder(table.proxies, merged, (x) => [x.arch, x.initSeed]);
        await save({ ...table, proxies, elapsedSeconds: table.elapsedSeconds + r.seconds });
        proxySeconds += r.seconds;
        proxyRows++;
        done++;
        emit({ type: 'unit', kind: 'proxies', arch, seed: unit.initSeed, seconds: r.seconds, done, units, etaSeconds: eta() });
      } else if (unit.kind === 'train' && r.kind === 'train') {
        const run: TrainingRun = { arch, key, seed: unit.seed, ...r.result };
        await save({ ...table, runs: inOrder(table.runs, run, (x) => [x.arch, x.seed]), elapsedSeconds: table.elapsedSeconds + r.seconds });
        trainSeconds += r.seconds;
        trained++;
        done++;
        emit({ type: 'unit', kind: 'train', arch, seed: unit.seed, seconds: r.seconds, done, units, etaSeconds: eta(), run });
      } else {
        throw new TypeError(`a ${unit.kind} unit came back with a ${r.kind} result`);
      }
    };
    // One save at a time, in the order the results come.
    await options.runUnits(work, { protocol, dataset: options.dataset, data, batch }, (i, r) => (stored = stored.then(() => store(work[i], r))));
    await stored;
    return table;
  }

  for (const [arch, a] of table.architectures.entries()) {
    for (const initSeed of protocol.initSeeds) {
      const row = table.proxies.find((r) => r.arch === arch && r.initSeed === initSeed);
      const missing = names.filter((n) => !row || !(n in row.values));
      if (missing.length === 0) continue;
      const started = performance.now();
      const r = await proxyUnit({ rt, batch, genotype: a.genotype, initSeed, initChannels: protocol.train.initChannels, proxies: missing });
      const merged: ProxyRun = row
        ? {
            ...row,
            values: { ...row.values, ...r.values }, logValues: { ...row.logValues, ...r.logValues },
            reasons: { ...row.reasons, ...r.reasons }, timesMs: { ...row.timesMs, ...r.timesMs },
          }
        : { arch, key: a.key, initSeed, ...r };
      const seconds = (performance.now() - started) / 1000;
      await save({
        ...table,
        proxies: row ? table.proxies.map((x) => (x === row ? merged : x)) : [...table.proxies, merged],
        elapsedSeconds: table.elapsedSeconds + seconds,
      });
      proxySeconds += seconds;
      proxyRows++;
      done++;
      emit({ type: 'unit', kind: 'proxies', arch, seed: initSeed, seconds, done, units, etaSeconds: eta() });
    }
    if (proxiesOnly) continue;
    for (const seed of protocol.seeds) {
      if (table.runs.some((r) => r.arch === arch && r.seed === seed)) continue;
      const result = await trainUnit({
        rt, dataset: data, genotype: a.genotype, config: { ...protocol.train, seed },
        onProgress: (event) => emit({ type: 'train-progress', arch, seed, event }),
      });
      const run: TrainingRun = { arch, key: a.key, seed, ...result };
      // In (architecture, seed) order, where a table built with these seeds from the start holds it.
      await save({ ...table, runs: inOrder(table.runs, run, (x) => [x.arch, x.seed]), elapsedSeconds: table.elapsedSeconds + result.seconds });
      trainSeconds += result.seconds;
      trained++;
      done++;
      emit({ type: 'unit', kind: 'train', arch, seed, seconds: result.seconds, done, units, etaSeconds: eta(), run });
    }
  }
  return table;
}

/** The units a table lacks, in the order a build does them (each architecture's proxy rows, then its runs). */
export function missingUnits(table: TruthTable, proxies: readonly string[], proxiesOnly = false): TruthUnit[] {
  const out: TruthUnit[] = [];
  for (const [arch, a] of table.architectures.entries()) {
    for (const initSeed of table.protocol.initSeeds) {
      const row = table.proxies.find((r) => r.arch === arch && r.initSeed === initSeed);
      const missing = proxies.filter((n) => !row || !(n in row.values));
      if (missing.length > 0) out.push({ kind: 'proxies', arch, key: a.key, genotype: a.genotype, initSeed, proxies: missing });
    }
    if (proxiesOnly) continue;
    for (const seed of table.protocol.seeds) {
      if (!table.runs.some((r) => r.arch === arch && r.seed === seed)) out.push({ kind: 'train', arch, key: a.key, genotype: a.genotype, seed });
    }
  }
  return out;
}

/** A proxy row with newly computed proxies added. */
function mergeProxyRow(row: ProxyRun, r: ProxyUnitResult): ProxyRun {
  return {
    ...row,
    values: { ...row.values, ...r.values }, logValues: { ...row.logValues, ...r.logValues },
    reasons: { ...row.reasons, ...r.reasons }, timesMs: { ...row.timesMs, ...r.timesMs },
  };
}

/** `rows` with `row` inserted before the first row of a larger (arch, seed): where a build in order appends it. */
function inOrder<T>(rows: readonly T[], row: T, at: (x: T) => readonly [number, number]): T[] {
  const [a, s] = at(row);
  const i = rows.findIndex((x) => {
    const [b, t] = at(x);
    return b > a || (b === a && t > s);
  });
  return i < 0 ? [...rows, row] : [...rows.slice(0, i), row, ...rows.slice(i)];
}

/** True when every unit of the protocol is in the table (a proxy row for each architecture and init seed, a run for each seed). */
export function truthTableFinished(t: TruthTable): boolean {
  return t.proxies.length + t.runs.length === truthUnits(t.protocol);
}
