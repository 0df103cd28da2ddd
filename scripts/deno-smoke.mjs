// Deno smoke test: the built core library (dist/index.js, no Node imports) on Deno's own WebGPU
// (wgpu). Runs the self-check (a matmul and a gradient against host computations) plus a batched
// matmul with backward, the search space (the paper network built and run at C = 4, its picture
// rendered by the WebAssembly Graphviz), a tiny search (scored, checkpointed, replayed) and its
// report page (src/report), and prints one JSON line. Run by test/gpu/deno.test.ts:
//   deno run --unstable-webgpu --allow-read --allow-env scripts/deno-smoke.mjs
import {
  architectureCost, buildNetwork, decodeSearchCheckpoint, encodeSearchCheckpoint, genotypeToSvg, initWithGpu, matmul, mean, noGrad,
  renderSearchReport, replaySearch, search, searchPreset, selfCheck, syntheticDataset, tensor,
} from '../dist/index.js';

const gpu = globalThis.navigator?.gpu;
if (!gpu) {
  console.log(JSON.stringify({ ok: false, error: 'navigator.gpu is missing in this Deno' }));
  Deno.exit(1);
}
const rt = await initWithGpu(gpu);
const check = await selfCheck(rt);
// d mean(A.B) / dA = 1/(M N) * row sums of B, for each row of A.
const a = tensor([1, 2, 3, 4, 5, 6], [2, 3], rt).setRequiresGrad();
const bValues = [1, 0, 2, 0, 1, 3, 1, 1, 1, 2, 2, 2];
const b = tensor(bValues, [3, 4], rt);
mean(matmul(a, b)).backward();
const grad = Array.from(await a.grad.data());
const rowSums = [0, 1, 2].map((k) => bValues.slice(k * 4, k * 4 + 4).reduce((s, v) => s + v, 0));
const gradOk = grad.every((g, i) => Math.abs(g - rowSums[i % 3] / 8) < 1e-6);
const config = { inChannels: 1, numClasses: 2, initChannels: 4 };
const net = buildNetwork('paper', config, { rt });
const images = tensor(new Float32Array(2 * 28 * 28).map((_, i) => (i % 29) / 29), [2, 1, 28, 28], rt);
const logits = Array.from(await noGrad(() => net.forward(images)).data());
const svg = await genotypeToSvg('paper', { config });
const space = {
  params: net.parameterCount(),
  analyticParams: architectureCost('paper', config).params,
  logitsFinite: logits.length === 4 && logits.every(Number.isFinite),
  svgBytes: svg.length,
  svgNamesOps: ['sep_conv_7x7', 'dual_conv_7x7', 'dil_sep_conv_3x3', 'max_pool_4x4'].every((op) => svg.includes(op)),
};
const spaceOk = space.params === space.analyticParams && space.logitsFinite && space.svgNamesOps;
// A tiny search (population 4, 2 generations, C = 4): scored, checkpointed, replayed.
const dataset = syntheticDataset({ sizes: { train: 64, val: 4, test: 4 } });
const searchConfig = { ...searchPreset('quick', 'synthetic', 0), popSize: 4, generations: 2, initChannels: 4, proxyBatch: 8 };
let checkpoints = 0;
const found = await search({ config: searchConfig, dataset, rt, saveCheckpoint: () => void checkpoints++ });
const back = decodeSearchCheckpoint(encodeSearchCheckpoint(found.checkpoint));
const searched = {
  generations: found.history.length,
  checkpoints,
  architectures: found.archive.length,
  chosen: found.chosen.record.key,
  replayExact: replaySearch(back).every((g) => g.differences.length === 0),
  finiteScores: found.archive.every((a) => Number.isFinite(a.values.jacob_cov) || a.failure === null),
  failures: found.archive.filter((a) => a.failure !== null).map((a) => a.failure),
};
const searchOk = searched.generations === 2 && checkpoints === 2 && searched.replayExact && searched.failures.length === 0;
const html = renderSearchReport(found.checkpoint, { pictureSvg: svg });
const report = {
  bytes: html.length,
  doctype: html.startsWith('<!DOCTYPE html>'),
  points: JSON.parse(/id="mednas-data">([^<]*)</.exec(html)?.[1] ?? '{"generations":[]}').generations.map((g) => g.points.length),
  architectures: found.archive.length,
};
const reportOk = report.doctype && report.points.length === 2 && report.points[1] === report.architectures;
console.log(
  JSON.stringify({
    ok: check.ok && gradOk && spaceOk && searchOk && reportOk,
    adapter: rt.adapterInfo.description || rt.adapterInfo.device || rt.adapterInfo.vendor,
    matmulMaxError: check.matmulMaxError,
    gradientMaxError: check.gradientMaxError,
    grad,
    space,
    search: searched,
    report,
  }),
);
Deno.exit(check.ok && gradOk && spaceOk && searchOk && reportOk ? 0 : 1);
