// Writes the built-in synthetic lesion dataset as a MedMNIST-style .npz (train/val/test _images
// and _labels), for looking at it in numpy or another tool. The project itself never reads this
// file: it generates the same bytes in memory (src/data/synthetic.ts).
// Usage: npx tsx scripts/make-synthetic.ts [OUT.npz] [--seed N] [--size PX]
import { writeFileSync } from 'node:fs';
import { SPLITS, syntheticDataset, writeNpz, type NpyArray } from '../src/data/index.ts';

const args = process.argv.slice(2);
const flag = (name: string): number | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : undefined;
};
const out = args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--')) ?? 'synthetic.npz';
const ds = syntheticDataset({ seed: flag('--seed'), sizePx: flag('--size') });
const arrays: Record<string, NpyArray> = {};
for (const split of SPLITS) {
  const s = ds.splits[split];
  arrays[`${split}_images`] = { dtype: 'u1', shape: [s.count, ds.sizePx, ds.sizePx], data: s.images };
  arrays[`${split}_labels`] = { dtype: 'u1', shape: [s.count, 1], data: Uint8Array.from(s.labels) };
}
writeFileSync(out, writeNpz(arrays));
console.log(`wrote ${out}: ${SPLITS.map((s) => `${s} ${ds.splits[s].count}`).join(', ')}; classes: ${ds.classNames.join(' / ')}`);
