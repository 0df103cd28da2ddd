// `mednas profile --kernel | --arch | --wgsl` as a user runs them (child processes): the outputs, a
// user kernel's reported work against the known work and its output against the known result, and
// the errors a user makes with their own kernel, each one line of text naming what to fix.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { KERNEL_KINDS } from '../../src/profile/index.ts';
import { cliAll, mednas } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'mednas-profile-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** Failed runs (side by side): exit code 1, the message on stderr, nothing on stdout, no stack trace. */
async function refused(cases: [string[], RegExp][]): Promise<void> {
  const runs = await cliAll(cases.map(([args]) => ['profile', ...args]));
  cases.forEach(([args, pattern], i) => {
    const run = runs[i];
    assert.is(run.status, 1, `${args.join(' ')}: ${run.stdout}${run.stderr}`);
    assert.match(run.stderr, pattern, args.join(' '));
    assert.not.match(run.stderr, /\n\s+at /, 'no stack trace');
    assert.is(run.stdout, '', args.join(' '));
  });
}

test('--kernel list: every kind with its shape keys and work formula', () => {
  const run = mednas('profile', '--kernel', 'list');
  assert.is(run.status, 0, run.stderr);
  for (const k of KERNEL_KINDS) assert.match(run.stdout, new RegExp(`^${k.name}: `, 'm'), k.name);
  assert.match(run.stdout, /^ {2}tiny {4}n=2 c=4 h=8 w=8 kh=3 kw=3 stride=1 dil=1 pad=1$/m);
});

test('--arch paper: forward and backward per op type and per kernel', () => {
  const run = mednas('profile', '--arch', 'paper', '--init-channels', '4', '--batch', '2', '--size', '16', '--repeat', '1', '--top', '5');
  assert.is(run.status, 0, run.stderr);
  assert.is(run.stderr, '');
  assert.match(run.stdout, /^network: 2,0,4,1,3,0/m);
  assert.match(run.stdout, /C = 4, batch 2: [\d.]+ k params, [\d.]+ M FLOPs forward/);
  assert.match(run.stdout, /^timing: GPU timestamps/m);
  assert.match(run.stdout, /^wall \(normal batching\): forward \+ loss [\d.]+ ms \([\d.]+-[\d.]+\), backward [\d.]+ ms/m);
  assert.match(run.stdout, /^op type +n +fwd ms +bwd ms +share +fwd GFLOP\/s +bwd GFLOP\/s +dispatches$/m);
  assert.match(run.stdout, /^sep_conv_3x3 +5 +[\d.]+ +[\d.]+ +[\d.]+% +[\d.e-]+ +[\d.e-]+ +\d+ \+ \d+$/m);
  assert.match(run.stdout, /^stem \(conv 3x3, BN\) +1 /m);
  assert.match(run.stdout, /^kernel +fwd ms +calls +bwd ms +calls +share$/m);
  assert.match(run.stdout, /^\(\d+ more kernels; --top shows more\)$/m);
});

test('--wgsl: the kernel runs on the given file, its bytes and FLOPs are the known work', () => {
  const n = 1 << 18; // 1 MiB per buffer: longer than the empty pass taken off each sample
  const x = Float32Array.from({ length: n }, (_, i) => i * 0.5 - 7);
  const xFile = join(dir, 'x.bin');
  writeFileSync(xFile, new Uint8Array(x.buffer));
  const run = mednas(
    'profile', '--wgsl', 'docs/examples/scale_add.wgsl', '--dispatch', String(n / 128), '--override', 'WG=128',
    '--buffer', `0:auto:${xFile}`, '--buffer', `1:${4 * n}`, '--uniform', `2:${n},3,0.5`,
    '--flops', String(2 * n), '--show', '1', '--repeat', '5', '--json',
  );
  assert.is(run.status, 0, run.stderr);
  assert.is(run.stderr, '');
  const p = JSON.parse(run.stdout) as {
    timing: string; medianMs: number; samplesMs: number[]; bytes: number; bytesFrom: string; flops: number; gflops: number; gbps: number;
    invocations: number; workgroupSize: number[]; bindings: { binding: number; bytes: number; contents: string }[];
    shown: { binding: number; bytes: number; values: number[] }[];
  };
  assert.is(p.timing, 'timestamps');
  assert.is(p.samplesMs.length, 5);
  assert.ok(p.medianMs > 0);
  assert.equal(p.workgroupSize, [128, 1, 1]);
  assert.is(p.invocations, n);
  assert.equal(p.bindings.map((b) => [b.binding, b.bytes, b.contents]), [[0, 4 * n, 'file'], [1, 4 * n, 'zeros'], [2, 16, 'values']]);
  // Known work: n floats read, n written, the uniform; one multiply-add (2 FLOPs) per element.
  assert.is(p.bytes, 8 * n + 16);
  assert.is(p.bytesFrom, 'buffers');
  assert.is(p.flops, 2 * n);
  assert.ok(Math.abs(p.gflops - (2 * n) / p.medianMs / 1e6) < 1e-9);
  assert.ok(Math.abs(p.gbps - (8 * n + 16) / p.medianMs / 1e6) < 1e-9);
  assert.equal(p.shown[0].values, [...x.slice(0, 8)].map((v) => 3 * v + 0.5), 'y = 3 x + 0.5 from the file');
  assert.is(p.shown[0].bytes, 4 * n);

  const text = mednas('profile', '--wgsl', 'docs/examples/scale_add.wgsl', '--dispatch', '8', '--buffer', '0:8KiB:random', '--buffer', '1:8KiB', '--uniform', '2:2048,2,1', '--repeat', '2');
  assert.is(text.status, 0, text.stderr);
  assert.match(text.stdout, /^kernel: docs\/examples\/scale_add\.wgsl, entry main, @workgroup_size\(256, 1, 1\) x dispatch \(8, 1, 1\) = 2,048 invocations$/m);
  assert.match(text.stdout, /^timing: GPU timestamps, one timed pass per dispatch .* less an empty pass's [\d.]+ ms; median of 2/m);
  assert.match(text.stdout, /^bytes: 16,400 \(the bound buffers' sizes, .*\): [\d.e-]+ GB\/s$/m);
  assert.match(text.stdout, /^FLOPs: not given/m);
});

test("--wgsl errors: Dawn's compile message with line:column, a wrong binding, an oversized dispatch, a buffer too small", async () => {
  const good = ['--wgsl', 'docs/examples/scale_add.wgsl', '--buffer', '0:1024', '--buffer', '1:1024', '--uniform', '2:256,1,0'];
  await refused([
    [['--wgsl', 'fixtures/wgsl/syntax_error.wgsl', '--dispatch', '1', '--buffer', '0:256'],
      /^mednas: fixtures\/wgsl\/syntax_error\.wgsl does not compile:\nfixtures\/wgsl\/syntax_error\.wgsl:7:28: error: [^\n]+\n {4}y\[id\.x\] = y\[id\.x\] \* 2\.0 \+;\n {29}\^\n$/],
    [[...good, '--dispatch', '1', '--buffer', '3:64'],
      /^mednas: --buffer 3: docs\/examples\/scale_add\.wgsl declares no @group\(0\) @binding\(3\); its bindings: 0 \(x: array<f32>, storage read\), 1 \(y: array<f32>, storage read_write\), 2 \(params: Params, uniform\)\n$/],
    [[...good, '--dispatch', '1,70000'], /^mednas: --dispatch 1,70000,1: 70000 workgroups in y exceed this adapter's limit of \d+ per dimension \(maxComputeWorkgroupsPerDimension\)/],
    [['--wgsl', 'fixtures/wgsl/lookup.wgsl', '--entry', 'main', '--dispatch', '1', '--buffer', '0:512', '--buffer', '1:256'],
      /^mednas: --buffer 0: binding 0 \(table: array<vec4<f32>, 64>, storage read\) needs at least 1024 bytes; 512 given \(declared at fixtures\/wgsl\/lookup\.wgsl:3\)\n$/],
  ]);
});

test('--wgsl --timeout: a kernel that never ends is reported and the process ended (status 124), not left hanging', () => {
  const forever = join(dir, 'forever.wgsl');
  writeFileSync(forever, `@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@compute @workgroup_size(1)
fn main() {
  var x = out[0];
  loop {
    x = x + 1.0;
    if (x < -1.0) { break; }
  }
  out[0] = x;
}
`);
  const started = Date.now();
  const r = mednas('profile', '--wgsl', forever, '--dispatch', '1', '--buffer', '0:16', '--repeat', '1', '--timeout', '2');
  assert.is(r.status, 124, r.stderr);
  assert.match(r.stderr, /forever\.wgsl did not finish within 2 s \(1 timed run of 1 x 1 x 1 workgroups, after a warm-up run\)\. A dispatch cannot be cancelled, so mednas ended the process/);
  assert.ok(Date.now() - started < 60_000, 'it ends soon after the limit');
});

test('usage errors are refused before the GPU opens, naming the flag', async () => {
  await refused([
    [['--kernel', 'relu', '--arch', 'paper'], /^mednas: give one of --kernel, --arch and --wgsl, not --kernel and --arch\n$/],
    [['--wgsl', 'docs/examples/scale_add.wgsl', '--dispatch', '1', '--shape', 'tiny'], /^mednas: --shape does not apply to --wgsl; it belongs to --kernel\n$/],
    [['--kernel', 'depthwise', '--shape', 'groups=2'], /^mednas: --shape: depthwise has no key 'groups'; keys: n, c, h, w, kh, kw, stride, dil, pad\n$/],
    [['--kernel', 'conv3d'], /^mednas: unknown kernel kind 'conv3d'; known: matmul, /],
    [['--wgsl', 'docs/examples/scale_add.wgsl', '--buffer', '0'], /^mednas: --wgsl needs --dispatch X\[,Y\[,Z\]\]/],
  ]);
});

test.run();
