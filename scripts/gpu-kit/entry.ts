// The benchmark runner of the GPU kit (scripts/gpu-kit/build.sh bundles this file into one .mjs):
// bench/run.ts finds the cases by reading bench/, which a bundle cannot; this imports them by name.
// Usage (on the device, from scripts/gpu-kit/run.sh): node .gpu-kit/bench.mjs OUT_FILE [WORD...]
import * as conv from '../../bench/conv.ts';
import * as data from '../../bench/data.ts';
import * as engine from '../../bench/engine.ts';
import * as host from '../../bench/host.ts';
import * as kernels from '../../bench/kernels.ts';
import * as moo from '../../bench/moo.ts';
import * as proxies from '../../bench/proxies.ts';
import * as queue from '../../bench/queue.ts';
import * as search from '../../bench/search.ts';
import * as space from '../../bench/space.ts';
import * as train from '../../bench/train.ts';
import * as training from '../../bench/training.ts';
import { runCases, type BenchCase } from '../../bench/util.ts';

const modules: { cases?: BenchCase[] }[] = [engine, conv, kernels, train, space, proxies, host, search, training, data, moo, queue];
const [outFile, ...words] = process.argv.slice(2);
if (!outFile) {
  console.error('usage: node bench.mjs OUT_FILE [WORD...]');
  process.exit(2);
}
process.exit(await runCases(modules.flatMap((m) => m.cases ?? []), words, outFile));
