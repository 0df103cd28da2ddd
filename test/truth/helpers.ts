// A hand-made ground-truth table (no GPU): architectures from the sample, proxy rows and training
// runs whose numbers a test chooses, so correlate and the file format can be checked exactly.
import { truthProtocol } from '../../src/truth/protocol.ts';
import { sampleArchitectures } from '../../src/truth/sample.ts';
import type { ProxyRun, TrainingRun, TruthTable } from '../../src/truth/table.ts';

export interface FakeTableOptions {
  count: number;
  seeds?: number;
  initSeeds?: number;
  /** Test AUC of architecture a, training seed s. */
  auc: (a: number, s: number) => number;
  /** Proxy values of architecture a at init seed s. */
  proxies: (a: number, s: number) => Record<string, number>;
  /** Validation AUC of architecture a, training seed s, after epoch e (0-2; default: the test AUC). */
  val?: (a: number, s: number, e: number) => number;
}

export function fakeTable(o: FakeTableOptions): TruthTable {
  const protocol = truthProtocol({ dataset: 'synthetic', count: o.count, seeds: o.seeds ?? 3, initSeeds: o.initSeeds ?? 2, train: { epochs: 3 } });
  const architectures = sampleArchitectures(o.count, 0, { inChannels: 1, numClasses: 4, initChannels: 8, inputSize: 28 });
  const runs: TrainingRun[] = [];
  const proxies: ProxyRun[] = [];
  architectures.forEach((a, arch) => {
    for (const initSeed of protocol.initSeeds) {
      const values = o.proxies(arch, initSeed);
      // synflow's proxy reports ln(synflow) too: here the value given is taken as that ln.
      const logValues: Record<string, number> = 'synflow' in values ? { synflow: values.synflow } : {};
      proxies.push({ arch, key: a.key, initSeed, values, logValues, reasons: {}, timesMs: {}, adapter: 'test', mednasVersion: '0' });
    }
    for (const seed of protocol.seeds) {
      const auc = o.auc(arch, seed);
      const m = { acc: auc - 0.1, auc };
      runs.push({
        arch, key: a.key, seed, bestEpoch: 2, val: m, test: m, failure: null, seconds: 1, adapter: 'test', mednasVersion: '0',
        epochs: [0, 1, 2].map((e) => ({
          trainLoss: 1 - e / 10, val: o.val ? { acc: m.acc, auc: o.val(arch, seed, e) } : m, test: { acc: m.acc, auc: auc - (2 - e) * 0.01 }, seconds: 1,
        })),
      });
    }
  });
  return {
    mednasVersion: '0', protocol, architectures, proxies, runs, elapsedSeconds: 1, sessions: 1, batchId: 'synthetic/n64/s0/00000000',
    dataset: { name: 'synthetic', task: 'multi-class', sizePx: 28, channels: 1, classes: 4, release: 'synthetic', counts: { train: 10, val: 10, test: 10 }, crc32: 1 },
  };
}
