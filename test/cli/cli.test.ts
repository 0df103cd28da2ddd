// The CLI end to end, run as a user runs it (from the sources, so no build is needed):
// `mednas info --json` and `mednas profile --json` on a small batch, and bad arguments.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cliAll, mednas, root, SOURCE_CLI } from './helpers.ts';

test('mednas info --json: adapter, limits and a passing self-check; the process exits', async () => {
  const [run, plain] = await cliAll([['info', '--json'], ['info']]);
  assert.is(run.status, 0, run.stderr);
  const info = JSON.parse(run.stdout.trim().split('\n').pop()!) as {
    selfCheck: { ok: boolean; matmulMaxError: number };
    limits: Record<string, number>;
  };
  assert.ok(info.selfCheck.ok);
  assert.ok(info.selfCheck.matmulMaxError < 1e-4);
  assert.ok(info.limits.maxStorageBufferBindingSize >= 128 * 1024 * 1024);
  // Only mednas's own words: Dawn's "artificially reduced" lines are filtered from stderr.
  assert.is(run.stderr, '');
  assert.is(plain.status, 0);
  assert.not.match(plain.stderr, /artificially reduced/);
  assert.match(plain.stdout, /self-check:\s+ok/);
});

test('mednas profile --json: per-kernel GPU time of a training step', () => {
  const run = mednas('profile', '--batch', '2', '--size', '8', '--steps', '1', '--json');
  assert.is(run.status, 0, run.stderr);
  const profile = JSON.parse(run.stdout.trim().split('\n').pop()!) as {
    stepMs: number;
    gpuMs: number;
    dispatchesPerStep: number;
    kernels: { kernel: string; count: number; totalMs: number }[];
  };
  assert.ok(profile.stepMs > 0 && profile.gpuMs > 0);
  assert.ok(profile.dispatchesPerStep > 100, `${profile.dispatchesPerStep} dispatches`);
  const names = profile.kernels.map((k) => k.kernel.split('|')[0]);
  for (const family of ['conv2d_depthwise', 'batchnorm_apply', 'softmax_xent', 'sgd_step']) {
    assert.ok(names.some((n) => n.startsWith(family)), `${family} missing from ${names.join(', ')}`);
  }
  // Sorted slowest first, and the counts add up to the dispatches of a step.
  profile.kernels.forEach((k, i) => i > 0 && assert.ok(k.totalMs <= profile.kernels[i - 1].totalMs));
  assert.is(profile.kernels.reduce((s, k) => s + k.count, 0), profile.dispatchesPerStep);
  assert.is(run.stderr, '');
});

test('bad values: the flag, what was given, what is allowed; exit code 1 before any GPU work', async () => {
  const cases: [string[], RegExp][] = [
    [['profile', '--batch', '0'], /^mednas: --batch: got "0"; allowed: a whole number from 1 to 4096$/],
    [['profile', '--batch', '-3'], /^mednas: --batch: got "-3"; allowed: a whole number from 1 to 4096$/],
    [['profile', '--batch', '1e9'], /^mednas: --batch: got "1e9"; allowed: a whole number from 1 to 4096$/],
    [['profile', '--size', 'abc'], /^mednas: --size: got "abc"; allowed: a whole number from 8 to 512$/],
    [['profile', '--size', ''], /^mednas: --size: got ""; allowed: a whole number from 8 to 512$/],
    [['data', 'download', 'breastmnist', '--size', 'abc'], /^mednas: --size: got "abc"; allowed: 28, 64, 128, 224$/],
    [['data', 'download', 'breastmnist', '--url', 'http://[bad'], /^mednas: --url: got "http:\/\/\[bad" \(not a valid URL\); allowed: a whole http/],
    [['data', 'list', '--data-dir', 'package.json'], /^mednas: --data-dir: got "package\.json" \(a file\); allowed: a directory \(created if missing\)$/],
    [['frobnicate'], /^mednas: unknown command 'frobnicate'\. Commands: info, profile, data/],
    [['data', 'frob'], /^mednas: unknown data action 'frob'\. Known: list, download/],
    [['--frob'], /^mednas: unknown option '--frob'/],
    [['info', '--backend', 'null'], /^mednas: backend 'null' is Dawn's null backend, which runs no GPU work/],
    [['profile', '--backend', 'null', '--batch', '2', '--size', '8', '--steps', '1'], /^mednas: backend 'null' is Dawn's null backend/],
    // A backend this platform does not have: named, with the ones it has (not "install Mesa").
    ...(process.platform === 'linux'
      ? [[['info', '--backend', 'd3d12'], /^mednas: the backend 'd3d12' gives no WebGPU adapter on this machine \(linux; the backends that give one here: vulkan\)\. Use --backend vulkan/] as [string[], RegExp]]
      : []),
  ];
  const runs = await cliAll(cases.map(([args]) => args));
  cases.forEach(([args, pattern], i) => {
    const run = runs[i];
    assert.is(run.status, 1, `${args.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr.trim(), pattern, args.join(' '));
    assert.is(run.stdout, '', `${args.join(' ')} prints nothing on stdout`);
  });
});

test('help: per command and per data action, `mednas help`, no "(default: true)" beside --no-verify', async () => {
  const [top, list, download, helpDataList, profileHelp] = await cliAll([['help'], ['data', 'list', '--help'], ['data', 'download', '--help'], ['help', 'data', 'list'], ['profile', '--help']]);
  assert.is(top.status, 0);
  assert.match(top.stdout, /Commands:\n\s+info .*\n\s+profile .*\n\s+data/);
  assert.is(list.status, 0);
  assert.is(download.status, 0);
  assert.match(list.stdout, /\$ mednas data list/);
  assert.match(list.stdout, /--json/);
  assert.not.match(list.stdout, /--url/);
  assert.match(download.stdout, /\$ mednas data download <name>/);
  assert.match(download.stdout, /--size <px>/);
  assert.not.match(download.stdout, /--no-verify/);
  assert.match(list.stdout, /--no-verify\s+Do not compute MD5s of present files \(default: they are checked\)\n/);
  assert.not.match(list.stdout, /default: true/);
  assert.is(helpDataList.stdout, list.stdout);
  assert.match(profileHelp.stdout, /--batch <n>/);
});

test('data list --json and data download synthetic', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mednas-cli-'));
  try {
    const [run, synth] = await cliAll([['data', 'list', '--json', '--data-dir', dir], ['data', 'download', 'synthetic', '--data-dir', dir]]);
    assert.is(run.status, 0, run.stderr);
    const listed = JSON.parse(run.stdout) as { dataDir: string; datasets: { name: string; sizePx: number; status: string }[] };
    assert.is(listed.dataDir, dir);
    assert.equal(listed.datasets[0], { ...listed.datasets[0], name: 'synthetic', status: 'built-in' });
    assert.is(listed.datasets.filter((d) => d.status === 'absent').length, 12);
    assert.is(synth.status, 0, synth.stderr);
    assert.match(synth.stdout, /synthetic is built in: there is nothing to download/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Child pids of `pid` (Linux /proc). */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}
const alive = (pid: number) => existsSync(`/proc/${pid}`) && !/State:\s+Z/.test(readFileSync(`/proc/${pid}/status`, 'utf8'));

test('GPU commands run in a child that filters stderr: SIGTERM passes through, SIGKILL of mednas ends the child too', async () => {
  if (process.platform !== 'linux') return void console.log('  (skipped: reads /proc)');
  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    // From the sources through tsx (the child is started with the parent's --import flags): the
    // other CLI tests run the tests' bundle of the sources (helpers.ts).
    const parent = spawn(SOURCE_CLI[0], [...SOURCE_CLI.slice(1), 'profile', '--steps', '1000'], {
      cwd: root,
      stdio: 'ignore',
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => parent.on('exit', (code, sig) => r({ code, signal: sig })));
    let child: number | undefined;
    for (let i = 0; i < 300 && child === undefined; i++) {
      await new Promise((r) => setTimeout(r, 50));
      child = childrenOf(parent.pid!).find((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('profile'));
    }
    assert.ok(child, 'the command runs in a child process');
    parent.kill(signal);
    const end = await exited;
    assert.is(end.signal, signal, `mednas ends by ${signal}`);
    // The child may still be loading its modules (seconds on a busy machine) before it can notice.
    for (let i = 0; i < 600 && alive(child!); i++) await new Promise((r) => setTimeout(r, 50));
    assert.not.ok(alive(child!), `the child is gone after ${signal}: ${existsSync(`/proc/${child}`) ? readFileSync(`/proc/${child}/status`, 'utf8').split('\n').slice(0, 7).join(' / ') + readFileSync(`/proc/${child}/cmdline`, 'utf8') : ''}`);
  }
});

test.run();
