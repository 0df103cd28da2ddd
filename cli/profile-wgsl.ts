// `mednas profile --wgsl FILE --dispatch X[,Y[,Z]] --buffer B:BYTES[:INIT] ... [--uniform B:VALUES]
// [--override NAME=VALUE] [--entry NAME] [--flops F] [--bytes N] [--show B]`: the user's kernel,
// compiled, checked against its declarations, bound, dispatched and timed (src/profile/user-kernel.ts).
import { readFileOrExplain } from '../src/node/index.ts';
import { MAX_USER_REPEAT, profileUserKernel, type UserBuffer, type UserKernelProfile, type UserUniform } from '../src/profile/index.ts';
import { crc32 } from '../src/util/crc32.ts';
import { bytesValue, CliUsageError, floatValue, intValue, listValue, optional, pathValue, stringValue } from './options.ts';
import { ms, rate, repeated, repeatValue, seedValue, table, timingValue, type OpenRuntime, type ProfileOptions } from './profile-common.ts';

/** Bindings are numbered from 0; WebGPU allows up to maxBindingsPerBindGroup (1000 at most). */
const bindingNumber = (text: string, flag: string): number => intValue(text, flag, { min: 0, max: 65535 });

/** `B:REST`, split at the first colon. */
function splitBinding(value: unknown, flag: string, form: string): [number, string] {
  const text = stringValue(value, flag);
  const colon = text.indexOf(':');
  if (colon < 0) throw new CliUsageError(`${flag}: got ${JSON.stringify(text)}; allowed: ${form}`);
  return [bindingNumber(text.slice(0, colon), flag), text.slice(colon + 1)];
}

async function readDataFile(path: string, flag: string): Promise<Uint8Array> {
  const resolved = await pathValue(path, flag, 'file');
  return readFileOrExplain(resolved, 'buffer data file');
}

/** `B:BYTES[:zeros|random|FILE]`, or `B:auto:FILE` (the file's size). */
async function bufferSpec(value: unknown): Promise<UserBuffer> {
  const form = 'B:BYTES[:zeros|random|FILE], e.g. 0:4096, 1:1MiB:random, 2:auto:data.bin';
  const [binding, rest] = splitBinding(value, '--buffer', form);
  const flag = `--buffer ${binding}`;
  const colon = rest.indexOf(':');
  const sizeText = colon < 0 ? rest : rest.slice(0, colon);
  const initText = colon < 0 ? 'zeros' : rest.slice(colon + 1);
  if (initText === 'zeros' || initText === 'random') {
    if (sizeText === 'auto') throw new CliUsageError(`${flag}: a size of auto takes it from a file; give BYTES for ${initText}`);
    return { binding, bytes: bytesValue(sizeText, flag, { min: 0 }), init: { kind: initText } };
  }
  if (initText === '') throw new CliUsageError(`${flag}: got ${JSON.stringify(stringValue(value, '--buffer'))}; allowed: ${form}`);
  const data = await readDataFile(initText, flag);
  const bytes = sizeText === 'auto' ? Math.max(4, Math.ceil(data.length / 4) * 4) : bytesValue(sizeText, flag, { min: 0 });
  return { binding, bytes, init: { kind: 'data', data, source: initText } };
}

const uniformNumber = (text: string, flag: string): number => {
  const t = text.trim().toLowerCase();
  if (t === 'true') return 1;
  if (t === 'false') return 0;
  return floatValue(text, flag);
};

function uniformSpec(value: unknown): UserUniform {
  const [binding, rest] = splitBinding(value, '--uniform', 'B:V1,V2,... (numbers, true or false), e.g. 2:1024,0.5');
  return { binding, values: listValue(rest, `--uniform ${binding}`, uniformNumber) };
}

function overrideSpec(value: unknown): [string, number | boolean] {
  const text = stringValue(value, '--override');
  const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.+)$/.exec(text.trim());
  if (!m) throw new CliUsageError(`--override: got ${JSON.stringify(text)}; allowed: NAME=VALUE, e.g. WG=128 or USE_BIAS=true`);
  const v = m[2].trim().toLowerCase();
  return [m[1], v === 'true' ? true : v === 'false' ? false : floatValue(m[2], `--override ${m[1]}`)];
}

const SHOWN_VALUES = 8;

function printProfile(p: UserKernelProfile): void {
  const size = p.workgroupSize ? `@workgroup_size(${p.workgroupSize.join(', ')})` : '@workgroup_size(?)';
  const invocations = p.invocations === null ? '' : ` = ${p.invocations.toLocaleString('en-US')} invocations`;
  console.log(`kernel: ${p.source}, entry ${p.entry}, ${size} x dispatch (${p.dispatch.join(', ')})${invocations}`);
  const constants = Object.entries(p.constants);
  if (constants.length) console.log(`overrides: ${constants.map(([k, v]) => `${k}=${v}`).join(', ')}`);
  const rows = [['binding', 'name', 'type', 'space', 'bytes', 'contents']];
  for (const b of p.bindings) rows.push([String(b.binding), b.name, b.type, b.space === 'storage' ? `storage ${b.access}` : 'uniform', b.bytes.toLocaleString('en-US'), b.contents]);
  for (const line of table(rows, [0, 4])) console.log(`  ${line}`);
  const how = p.timing === 'timestamps'
    ? `GPU timestamps, one timed pass per dispatch (a fence makes its end wait for the kernel), less an empty pass's ${ms(p.overheadMs)} ms`
    : `wall clock around submit + wait of each dispatch, less an empty submit's ${ms(p.overheadMs)} ms`;
  console.log(`timing: ${how}; median of ${p.repeat} (min-max)`);
  console.log(`time: ${ms(p.medianMs)} ms (${ms(p.minMs)}-${ms(p.maxMs)})`);
  const bytesFrom = p.bytesFrom === 'given' ? 'given' : "the bound buffers' sizes, each counted once; --bytes gives the kernel's real traffic";
  console.log(`bytes: ${p.bytes.toLocaleString('en-US')} (${bytesFrom}): ${rate(p.gbps)} GB/s`);
  console.log(p.flops === null ? 'FLOPs: not given (--flops F reports GFLOP/s)' : `FLOPs: ${p.flops.toLocaleString('en-US')} (given): ${rate(p.gflops)} GFLOP/s`);
  for (const s of shownBindings(p)) {
    console.log(`binding ${s.binding} after the runs: crc32 ${s.crc32}, first f32 values: ${s.values.join(', ')}`);
  }
}

/** What --show reports of each saved binding. */
function shownBindings(p: UserKernelProfile): { binding: number; bytes: number; crc32: string; values: number[] }[] {
  return p.saved.map(({ binding, data }) => ({
    binding,
    bytes: data.length,
    crc32: crc32(data).toString(16).padStart(8, '0'),
    values: [...new Float32Array(data.buffer, data.byteOffset, Math.min(SHOWN_VALUES, Math.floor(data.length / 4)))],
  }));
}

/** How long a user kernel's runs may take in all, by default, before the process is ended. */
const DEFAULT_TIMEOUT_S = 60;
/** The exit status of a run ended by --timeout (as timeout(1)'s). */
const TIMEOUT_EXIT_CODE = 124;

export async function profileWgsl(options: ProfileOptions, open: OpenRuntime): Promise<number> {
  const typed = stringValue(options.wgsl, '--wgsl');
  const path = await pathValue(options.wgsl, '--wgsl', 'file');
  const bytes = await readFileOrExplain(path, 'WGSL file');
  let code: string;
  try {
    code = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new CliUsageError(`--wgsl: ${typed} is not UTF-8 text: give a WGSL source file`);
  }
  if (options.dispatch === undefined) throw new CliUsageError('--wgsl needs --dispatch X[,Y[,Z]]: the workgroups to dispatch in x, y and z');
  const d = listValue(options.dispatch, '--dispatch', (t, f) => intValue(t, f, { min: 0, max: 2 ** 32 - 1 }), { min: 1, max: 3 });
  const dispatch: [number, number, number] = [d[0], d[1] ?? 1, d[2] ?? 1];
  const buffers: UserBuffer[] = [];
  for (const v of repeated(options.buffer)) buffers.push(await bufferSpec(v));
  const uniforms = repeated(options.uniform).map(uniformSpec);
  const overrides: Record<string, number | boolean> = {};
  for (const [name, value] of repeated(options.override).map(overrideSpec)) {
    if (name in overrides) throw new CliUsageError(`--override ${name}: given twice; give it once`);
    overrides[name] = value;
  }
  const flops = optional(options.flops, (v) => floatValue(v, '--flops', { min: 0 }));
  const byteCount = optional(options.bytes, (v) => bytesValue(v, '--bytes', { min: 0 }));
  const show = repeated(options.show).map((v) => bindingNumber(stringValue(v, '--show'), '--show'));
  const repeat = repeatValue(options, 20, MAX_USER_REPEAT);
  const timing = timingValue(options);
  const seed = seedValue(options);
  const entry = optional(options.entry, (v) => stringValue(v, '--entry'));
  const timeoutS = optional(options.timeout, (v) => floatValue(v, '--timeout', { min: 0.1, max: 86_400 })) ?? DEFAULT_TIMEOUT_S;

  const rt = await open();
  // A kernel that never ends cannot be stopped on the GPU (WebGPU has no way to cancel a dispatch),
  // and it would hold the process forever: past the limit, say so and end the process.
  const watchdog = setTimeout(() => {
    process.stderr.write(
      `mednas: --wgsl: ${typed} did not finish within ${timeoutS} s (${repeat} timed run${repeat === 1 ? '' : 's'} of ${dispatch.join(' x ')} workgroups, after a warm-up run). ` +
        'A dispatch cannot be cancelled, so mednas ended the process. Check the kernel for a loop whose exit condition is never met, or give a longer --timeout.\n',
    );
    process.exit(TIMEOUT_EXIT_CODE);
  }, timeoutS * 1000);
  let profile: Awaited<ReturnType<typeof profileUserKernel>>;
  try {
    profile = await profileUserKernel(
      rt.device,
      { code, source: typed, entry, dispatch, buffers, uniforms, overrides },
      { repeat, timing, seed, flops, bytes: byteCount, save: show },
    );
  } finally {
    clearTimeout(watchdog);
  }
  for (const w of profile.warnings) console.error(w);
  if (options.json) {
    // The raw saved bytes stay out of the JSON: --show reports them as a CRC-32 and the first values.
    console.log(JSON.stringify({ adapter: rt.adapterInfo.description, ...profile, saved: undefined, shown: shownBindings(profile) }));
    return 0;
  }
  console.log(`adapter: ${rt.adapterInfo.description}`);
  printProfile(profile);
  return 0;
}
