// Shared benchmark plumbing: the case shape every bench/*.ts exports, medians, a timing loop, and
// one timed SGD step.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Runtime } from '../src/gpu/runtime.ts';
import type { Module } from '../src/nn/module.ts';
import { randUniform } from '../src/tensor/create.ts';
import { Sgd, type SgdOptions } from '../src/train/sgd.ts';
import { sgdStep } from '../src/train/step.ts';
import { Rng } from '../src/util/rng.ts';
export interface BenchCase {
  /** Dotted name, e.g. 'engine.matmul.1024'; `npm run bench -- WORD` filters on it. */
  name: string;
  /** Returns the figures for one JSON line (median_ms plus gflops/gbps/etc.). */
  run(): Promise<Record<string, number | string>>;
}

export function median(values: readonly number[]): number {
  const s = values.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Times `once` (which must wait for its own completion) `repeats` times after `warmup` untimed
 * runs and returns the per-run milliseconds.
 */
export async function timeRuns(once: () => Promise<void>, repeats: number, warmup = 2): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await once();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    await once();
    times.push(performance.now() - start);
  }
  return times;
}

/**
 * Times one SGD step (forward, cross-entropy, backward, update) of `net` on N = 64 random 28 x 28
 * images `repeats` times after two warm-up steps, then frees the network. Returns the figures line.
 */
export async function timeSgdStep(
  rt: Runtime, net: Module, options: { inChannels?: number; classes: number; sgd: SgdOptions; repeats: number },
): Promise<Record<string, number>> {
  const x = randUniform([64, options.inChannels ?? 1, 28, 28], new Rng(1), 0, 1, rt);
  const labels = Int32Array.from({ length: 64 }, (_, i) => i % options.classes);
  const sgd = new Sgd(net.parameters(), options.sgd);
  const times = await timeRuns(async () => {
    sgdStep(net, sgd, x, labels).dispose();
    await rt.sync();
  }, options.repeats, 2);
  const parameters = net.parameterCount();
  x.dispose();
  sgd.dispose();
  net.dispose();
  return { median_ms: median(times), min_ms: Math.min(...times), parameters };
}

/**
 * Runs the cases whose name contains one of `words` (all when none), printing one JSON line per case
 * ({"case": name, ...figures}, or {"case", "error"}), and writes the lines to `outFile`. Returns the
 * exit status: 1 when a case failed or nothing matched.
 */
export async function runCases(cases: readonly BenchCase[], words: readonly string[], outFile: string): Promise<number> {
  const lines: string[] = [];
  let failures = 0;
  for (const c of cases) {
    if (words.length > 0 && !words.some((w) => c.name.includes(w))) continue;
    let line: string;
    try {
      line = JSON.stringify({ case: c.name, ...(await c.run()) });
    } catch (e) {
      failures++;
      line = JSON.stringify({ case: c.name, error: (e as Error).message });
    }
    console.log(line);
    lines.push(line);
  }
  if (lines.length === 0) {
    console.error(`no benchmark case matches ${words.join(' ')}`);
    return 1;
  }
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, lines.join('\n') + '\n');
  return failures > 0 ? 1 : 0;
}
