// The weight exports load into the PyTorch reference network (scripts/golden/mstf_torch.py) with
// load_state_dict(strict=True), and its float64 eval-mode logits equal mednas's within 1e-4: for the
// paper genotype and a random live genotype that uses every op of the space, through
// scripts/golden/load_export.py. Skipped, with a message, where /usr/bin/python3 has no torch
// (Debian: python3-torch).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeNpz } from '../../src/data/npz.ts';
import { exportModel } from '../../src/export/index.ts';
import { PAPER_GENOTYPE } from '../../src/space/genotype.ts';
import { randomGenotype } from '../../src/space/random.ts';
import type { ModelNetwork } from '../../src/train/model-file.ts';
import { Rng } from '../../src/util/rng.ts';
import { testRuntime } from '../gpu.ts';
import { calibratedModel, maxAbsDiff, mednasLogits, RANDOM_SEEDS, testImages } from './helpers.ts';

const root = resolve(import.meta.dirname, '..', '..');
const PYTHON = '/usr/bin/python3';
const probe = spawnSync(PYTHON, ['-c', 'import numpy, torch'], { encoding: 'utf8' });
const skip = probe.status !== 0 ? `${PYTHON} cannot import numpy and torch (${(probe.error?.message ?? probe.stderr).trim().split('\n').pop()})` : null;

const CASES: { label: string; genotype: readonly number[]; network: ModelNetwork; seed: number }[] = [
  { label: 'paper', genotype: PAPER_GENOTYPE, network: { inChannels: 1, numClasses: 2, initChannels: 8, inputSize: 28 }, seed: 21 },
  { label: `random live (seed ${RANDOM_SEEDS[0]})`, genotype: randomGenotype(new Rng(RANDOM_SEEDS[0]), { avoidDead: true }), network: { inChannels: 3, numClasses: 5, initChannels: 8, inputSize: 28 }, seed: 22 },
];

if (skip) {
  test('npz and safetensors exports load in PyTorch (skipped)', () => console.log(`  skipped: ${skip}`));
} else {
  const rt = await testRuntime();
  let worst = 0;
  for (const c of CASES) {
    test(`${c.label}: npz and safetensors load with strict=True; PyTorch's logits equal mednas's within 1e-4`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'mednas-export-'));
      try {
        const model = await calibratedModel(rt, c.genotype, c.network, c.seed);
        const { inChannels: ch, inputSize: s, numClasses: k } = c.network;
        const n = 3;
        const x = testImages(n, ch, s, c.seed + 500);
        writeFileSync(join(dir, 'images.npz'), writeNpz({ images: { dtype: 'f4', shape: [n, ch, s, s], data: x } }));
        const files = (['safetensors', 'npz'] as const).map((format) => {
          const file = join(dir, `model.${format}`);
          writeFileSync(file, exportModel(model, format).bytes);
          return file;
        });
        const run = spawnSync(PYTHON, ['scripts/golden/load_export.py', ...files, '--genotype', c.genotype.join(','), '--images', join(dir, 'images.npz')], {
          cwd: root, encoding: 'utf8', timeout: 120_000,
        });
        assert.is(run.status, 0, run.stderr);
        const results = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as { file: string; keys: number; genotype: number[]; metadata: Record<string, string>; logits: number[][] });
        assert.is(results.length, 2);
        const mine = await mednasLogits(rt, model, x, n);
        for (const r of results) {
          assert.equal(r.genotype, [...c.genotype]);
          assert.is(r.keys, model.best!.tensors.size);
          assert.equal(r.logits.map((row) => row.length), new Array(n).fill(k));
          const d = maxAbsDiff(r.logits.flat(), mine);
          worst = Math.max(worst, d);
          assert.ok(d <= 1e-4, `${c.label}, ${r.file}: max |PyTorch - mednas| = ${d}`);
        }
        assert.is(results[0].metadata.genotype, c.genotype.join(','), 'the safetensors metadata carries the genotype');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
  test.after(() => console.log(`  worst |PyTorch (float64) - mednas| over ${CASES.length} genotypes: ${worst.toExponential(2)}`));
}

test.run();
