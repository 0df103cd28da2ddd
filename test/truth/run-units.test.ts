// A table build with a unit runner (how the queue builds: every missing unit at once, results in any
// order) ends with the table a build one unit after another writes, row for row, and saves it after
// every unit.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { syntheticDataset } from '../../src/data/index.ts';
import { buildTruthTable, proxyUnit, trainUnit, truthProtocol, type TruthTable, type TruthUnitResult } from '../../src/truth/index.ts';
import { testRuntime } from '../gpu.ts';

const dataset = syntheticDataset({ sizes: { train: 64, val: 32, test: 32 } });
const protocol = truthProtocol({ dataset: 'synthetic', count: 2, seeds: 2, initSeeds: 1, proxyBatch: 8, train: { epochs: 1, initChannels: 4, maxImages: 32 } });
const proxies = ['synflow', 'flops'];

function withoutTimes(t: TruthTable): unknown {
  return JSON.parse(JSON.stringify({ ...t, elapsedSeconds: 0, sessions: 0 }, (k, v) => (k === 'seconds' || k === 'timesMs' ? undefined : typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)));
}

test('units run in reverse order through a runner: the same table as one by one, saved after every unit', async () => {
  const rt = await testRuntime();
  const local = await buildTruthTable({ rt, dataset, protocol, proxies });
  let saves = 0;
  const queued = await buildTruthTable({
    rt, dataset, protocol, proxies,
    saveTable: async () => void saves++,
    runUnits: async (units, { data, batch }, onResult) => {
      for (let i = units.length - 1; i >= 0; i--) {
        const u = units[i];
        const r: TruthUnitResult = u.kind === 'proxies'
          ? { kind: 'proxies', seconds: 0, result: await proxyUnit({ rt, batch, genotype: u.genotype, initSeed: u.initSeed, initChannels: protocol.train.initChannels, proxies: u.proxies }) }
          : { kind: 'train', seconds: 0, result: await trainUnit({ rt, dataset: data, genotype: u.genotype, config: { ...protocol.train, seed: u.seed } }) };
        await onResult(i, r);
      }
    },
  });
  assert.equal(withoutTimes(queued), withoutTimes(local));
  assert.is(saves, 6);
});

test.run();
