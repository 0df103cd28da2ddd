// Deno smoke test: the built core library (dist/index.js, no Node imports) on Deno's own WebGPU
// (wgpu). Runs the self-check (a matmul and a gradient against host computations) plus a batched
// matmul with backward, the search space (the paper network built and run at C = 4, its picture
// rendered by the WebAssembly Graphviz), a two-generation search with a stand-in scorer and its report
// page (src/report), and prints one JSON line. Run by test/gpu/deno.test.ts:
//   deno run --unstable-webgpu --allow-read --allow-env scripts/deno-smoke.mjs
import {
  architectureCost, buildNetwork, genotypeToSvg, initWithGpu, matmul, mean, noGrad, renderSearchReport, search, searchPreset, selfCheck,
  syntheticDataset, tensor,
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
// The report renders under Deno: the search loop with values made from the genes (no GPU work).
const standIn = async (genotype) => {
  const h = genotype.reduce((s, g, i) => (s * 31 + g * (i + 7)) % 100003, 17);
  const synflow = Math.exp(18 + (h % 23) * 0.4);
  return { values: { jacob_cov: -30 - (h % 13) * 0.37, synflow, flops: 1e6 + h }, logValues: { synflow: Math.log(synflow) }, reasons: {}, timesMs: {} };
};
const dataset = syntheticDataset({ sizes: { train: 16, val: 2, test: 2 } });
const searched = await search({ config: { ...searchPreset('quick', dataset.name, 0), popSize: 4, generations: 2, proxyBatch: 4 }, dataset, rt, scorer: standIn });
const html = renderSearchReport(searched.checkpoint, { pictureSvg: svg });
const report = {
  bytes: html.length,
  doctype: html.startsWith('<!DOCTYPE html>'),
  points: JSON.parse(/id="mednas-data">([^<]*)</.exec(html)?.[1] ?? '{"generations":[]}').generations.map((g) => g.points.length),
  architectures: searched.archive.length,
};
const reportOk = report.doctype && report.points.length === 2 && report.points[1] === report.architectures;
const allOk = check.ok && gradOk && spaceOk && reportOk;
console.log(
  JSON.stringify({
    ok: allOk,
    adapter: rt.adapterInfo.description || rt.adapterInfo.device || rt.adapterInfo.vendor,
    matmulMaxError: check.matmulMaxError,
    gradientMaxError: check.gradientMaxError,
    grad,
    space,
    report,
  }),
);
Deno.exit(allOk ? 0 : 1);
