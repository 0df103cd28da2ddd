// `mednas profile --kernel NAME[,NAME...]|all|list [--shape ...] [--pass ...]`: built-in kernel
// kinds at a shape, their forward and backward passes: ms, GFLOP/s and GB/s (src/profile/).
import {
  describeShape, KERNEL_KINDS, kernelKind, profileKernelCase, resolveShape, type KernelKind, type PassProfile, type ShapeRequest,
} from '../src/profile/index.ts';
import { choiceValue, CliUsageError, intValue, optional, stringValue } from './options.ts';
import { ms, rate, repeatValue, seedValue, table, timingText, timingValue, type OpenRuntime, type ProfileOptions } from './profile-common.ts';

function kindsOf(options: ProfileOptions): KernelKind[] {
  const text = stringValue(options.kernel, '--kernel').trim();
  if (text === 'all') return [...KERNEL_KINDS];
  return text.split(',').map((name) => kernelKind(name.trim()));
}

/** `--shape tiny`, `--shape n=8,kh=5`, `--shape tiny,stride=2`. */
function shapeRequest(options: ProfileOptions, kinds: readonly KernelKind[]): ShapeRequest {
  if (options.shape === undefined) return {};
  let preset: ShapeRequest['preset'];
  const values: Record<string, number> = {};
  for (const part of stringValue(options.shape, '--shape').split(',').map((p) => p.trim())) {
    if (part === 'tiny' || part === 'default') {
      if (preset) throw new CliUsageError(`--shape: give one preset (tiny or default), not ${preset} and ${part}`);
      preset = part;
      continue;
    }
    const m = /^([a-z_]+)=(.*)$/.exec(part);
    if (!m) throw new CliUsageError(`--shape: got "${part}"; allowed: tiny, default, or key=value items such as n=8,kh=5 (\`mednas profile --kernel list\` shows each kind's keys)`);
    const key = m[1];
    if (!kinds.some((k) => k.keys.some((s) => s.name === key))) {
      const known = [...new Set(kinds.flatMap((k) => k.keys.map((s) => s.name)))].join(', ');
      throw new CliUsageError(`--shape: ${kinds.length === 1 ? `${kinds[0].name} has no key` : 'none of these kinds has a key'} '${key}'; keys: ${known}`);
    }
    values[key] = intValue(m[2], `--shape ${key}`, { min: 0, max: 2 ** 31 - 1 });
  }
  return { preset, values };
}

/** The request for one kind: only the keys it has (a list of kinds shares one --shape). */
const requestFor = (kind: KernelKind, r: ShapeRequest): ShapeRequest => ({
  preset: r.preset,
  values: Object.fromEntries(Object.entries(r.values ?? {}).filter(([k]) => kind.keys.some((s) => s.name === k))),
});

/** `--kernel list`: prints the kinds, their keys and work; true when that was asked for. */
export function listKernelKinds(options: ProfileOptions): boolean {
  if (typeof options.kernel !== 'string' || stringValue(options.kernel, '--kernel').trim() !== 'list') return false;
  if (options.json) {
    console.log(JSON.stringify({ kinds: KERNEL_KINDS.map((k) => ({ name: k.name, summary: k.summary, formula: k.formula, backward: k.backward !== undefined, default: resolveShape(k), tiny: resolveShape(k, { preset: 'tiny' }) })) }));
    return true;
  }
  for (const k of KERNEL_KINDS) {
    console.log(`${k.name}: ${k.summary}${k.backward ? '' : ' (no backward)'}`);
    console.log(`  default ${describeShape(resolveShape(k))}`);
    console.log(`  tiny    ${describeShape(resolveShape(k, { preset: 'tiny' }))}`);
    console.log(`  keys    ${k.keys.map((s) => `${s.name} (${s.summary})`).join(', ')}`);
    console.log(`  work    ${k.formula}`);
  }
  return true;
}

function kernelsText(p: PassProfile): string {
  if (p.dispatches === 0) return '(no kernel)';
  if (p.kernels.length === 0) return '';
  return p.kernels.map((k) => `${k.kernel}${k.count > 1 ? ` x${k.count}` : ''} ${ms(k.ms)}`).join(', ');
}

export async function profileKernels(options: ProfileOptions, open: OpenRuntime): Promise<number> {
  const kinds = kindsOf(options);
  const request = shapeRequest(options, kinds);
  const passes = optional(options.pass, (v) => choiceValue(v, '--pass', ['forward', 'backward', 'both'] as const)) ?? 'both';
  const repeat = repeatValue(options, 5, 1000);
  const timing = timingValue(options);
  const seed = seedValue(options);
  // Every shape is checked before the GPU opens.
  const shapes = kinds.map((k) => resolveShape(k, requestFor(k, request)));
  if (passes === 'backward') {
    const without = kinds.filter((k) => !k.backward).map((k) => k.name);
    if (without.length === kinds.length) throw new CliUsageError(`--pass backward: ${without.join(', ')} ha${without.length === 1 ? 's' : 've'} no backward pass`);
  }
  const rt = await open();
  const results = [];
  for (const [i, kind] of kinds.entries()) {
    if (passes === 'backward' && !kind.backward) continue;
    results.push(await profileKernelCase(rt, kind.name, { values: shapes[i] }, { repeat, passes, timing, seed }));
  }
  const source = results[0]?.passes[0]?.timing ?? 'wall';
  if (options.json) {
    console.log(JSON.stringify({ adapter: rt.adapterInfo.description, timing: source, repeat, results }));
    return 0;
  }
  console.log(`adapter: ${rt.adapterInfo.description}`);
  console.log(timingText(source, repeat));
  const header = ['pass', 'ms', '(min-max)', 'GFLOP/s', 'GB/s', 'wall ms', 'dispatches', 'kernels (ms)'];
  const rows: string[][] = [header];
  const starts: number[] = [];
  for (const r of results) {
    starts.push(rows.length);
    for (const p of r.passes) {
      rows.push([`  ${p.pass}`, ms(p.medianMs), `(${ms(p.minMs)}-${ms(p.maxMs)})`, rate(p.gflops), rate(p.gbps), ms(p.wall.medianMs), String(p.dispatches), kernelsText(p)]);
    }
  }
  const lines = table(rows, [1, 3, 4, 5, 6]);
  console.log(lines[0]);
  results.forEach((r, i) => {
    console.log(`${r.kind}  ${describeShape(r.shape)}`);
    const end = i + 1 < starts.length ? starts[i + 1] : lines.length;
    for (let l = starts[i]; l < end; l++) console.log(lines[l]);
  });
  if (source === 'timestamps') console.log('GPU time is the sum of the pass\'s kernels; wall adds recording, submit and wait with normal batching.');
  return 0;
}
