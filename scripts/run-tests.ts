// Runs every test/**/*.test.ts, prints uvu's report and a final "N passed, N failed, N skipped"
// line, and exits with 0 only when nothing failed.
//
// The files run in one child process per folder of test/ (test/cli, test/proxies, ...), one after
// another, each with a GPU device of its own. One process for the whole suite ended in a segfault
// inside Dawn/lavapipe some 30 minutes in, at a different test each time (each file passes alone):
// whatever the driver accumulates over a thousand tests, a process per folder starts it afresh. A
// folder whose process dies (a signal, a crash) or runs past MEDNAS_TEST_FOLDER_TIMEOUT_S (default
// 1200) is reported with the file that was running, counted as failed, and the remaining folders
// still run.
//
// Usage: node --import ./scripts/register-wgsl.mjs --import tsx scripts/run-tests.ts [--typecheck] [WORD ...]
// (only the files whose path contains a WORD; MEDNAS_TESTS_DIR=DIR: the tests under DIR instead). `--child SUMMARY FILE...` is the runner's own
// child mode: runs FILEs in this process and writes their counts to SUMMARY (JSON).
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

interface FileTime {
  name: string;
  ms: number;
}
interface Counts {
  total: number;
  passed: number;
  skipped: number;
  fileTimes: FileTime[];
  /** uvu set process.exitCode = 1 (a test file's own code failed outside a test). */
  exitCodeSet: boolean;
}

const root = resolve(import.meta.dirname, '..');
/** Seconds one folder's process may run (default 20 min; the whole suite takes about 12 here). */
const FOLDER_TIMEOUT_S = Number(process.env.MEDNAS_TEST_FOLDER_TIMEOUT_S ?? 1200);
/**
 * Folders run side by side (MEDNAS_TEST_JOBS; default 2, or 1 on a one-core machine). Two lanes on
 * the 2-core machine: npm test 637 s in a fresh clone against 875 s one folder at a time (many
 * tests wait on child processes, npm and the file system); the suite passed in full both ways.
 */
const JOBS = Math.max(1, Math.floor(Number(process.env.MEDNAS_TEST_JOBS ?? Math.min(2, availableParallelism()))) || 1);
/** Seconds each folder took in a full run here (stop 30), to start the slowest first when folders run side by side; others count 0. */
const FOLDER_SECONDS: Readonly<Record<string, number>> = { cli: 238, package: 130, node: 116, proxies: 47, train: 23, reproduce: 22, search: 22, demo: 21, export: 13, ops: 13, space: 11 };
const heaviness = (folder: string): number => FOLDER_SECONDS[folder] ?? 0;
const STRIP_COLOURS = /\x1b\[[0-9;]*m/g;

function findTests(dir: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...findTests(path));
    else if (name.endsWith('.test.ts')) found.push(path);
  }
  return found;
}

/** Runs `files` (paths relative to the root) in this process under uvu, echoing its report. */
async function runHere(files: readonly string[]): Promise<Counts> {
  // uvu prints "Total: N" / "Passed: N" / "Skipped: N"; keep a copy of its output to read them back.
  // It also prints each file's name as the file's tests start: the time between two names is the
  // earlier file's.
  let printed = '';
  const names = new Set(files);
  const fileTimes: (FileTime & { startMs: number })[] = [];
  const noteFileStart = (line: string): void => {
    const name = line.replace(STRIP_COLOURS, '').trim();
    if (!names.has(name)) return;
    const now = performance.now();
    const last = fileTimes.at(-1);
    if (last) last.ms = now - last.startMs;
    fileTimes.push({ name, startMs: now, ms: 0 });
  };
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    printed += text;
    if (text.includes('.test.ts')) for (const line of text.split('\n')) noteFileStart(line);
    return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stdout.write;

  (globalThis as { UVU_DEFER?: number }).UVU_DEFER = 1;
  const uvu = await import('uvu');
  const queue = (globalThis as unknown as { UVU_QUEUE: unknown[][] }).UVU_QUEUE;
  let index = 0;
  for (const file of files) {
    (globalThis as { UVU_INDEX?: number }).UVU_INDEX = index++;
    queue.push([file]);
    await import(pathToFileURL(join(root, file)).href);
  }
  await uvu.exec(false);
  const lastFile = fileTimes.at(-1);
  if (lastFile) lastFile.ms = performance.now() - lastFile.startMs;
  process.stdout.write = write;

  const plain = printed.replace(STRIP_COLOURS, '');
  return {
    total: Number(/Total:\s+(\d+)/.exec(plain)?.[1] ?? 0),
    passed: Number(/Passed:\s+(\d+)/.exec(plain)?.[1] ?? 0),
    skipped: Number(/Skipped:\s+(\d+)/.exec(plain)?.[1] ?? 0),
    fileTimes: fileTimes.map(({ name, ms }) => ({ name, ms })),
    exitCodeSet: process.exitCode === 1,
  };
}

/** Where the tests are: test/, or (the runner's own test) MEDNAS_TESTS_DIR, a folder inside the root. */
const testsDir = resolve(root, process.env.MEDNAS_TESTS_DIR ?? 'test');

/** The folder of the tests' folder a file is in (test/cli/x.test.ts -> cli; test/x.test.ts -> .). */
function folderOf(file: string): string {
  const parts = relative(testsDir, join(root, file)).split('/');
  return parts.length > 1 ? parts[0] : '.';
}

/**
 * Runs one folder's files in a child process. Its report goes straight to this one's stdout, or,
 * when folders run side by side (`buffered`), all at once when the folder ends, so reports never mix.
 */
async function runChild(folder: string, files: readonly string[], scratch: string, buffered: boolean): Promise<{ counts?: Counts; death?: string; lastFile?: string }> {
  const summary = join(scratch, `${folder.replace(/\W/g, '_')}.json`);
  const child = spawn(
    process.execPath,
    ['--import', './scripts/register-wgsl.mjs', '--import', 'tsx', 'scripts/run-tests.ts', '--child', summary, ...files],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let lastFile: string | undefined;
  let held = '';
  child.stdout.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    for (const line of text.replace(STRIP_COLOURS, '').split('\n')) if (files.includes(line.trim())) lastFile = line.trim();
    if (buffered) held += text;
    else process.stdout.write(text);
  });
  // A folder that hangs (a test that never settles) is ended, not waited on until CI's own limit.
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, FOLDER_TIMEOUT_S * 1000);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((done) => child.on('close', (c, s) => done([c, s])));
  clearTimeout(timer);
  if (held) process.stdout.write(held);
  let counts: Counts | undefined;
  try {
    counts = JSON.parse(readFileSync(summary, 'utf8')) as Counts;
  } catch {
    counts = undefined;
  }
  if (counts && signal === null && (code === 0 || code === 1)) return { counts };
  const death = timedOut
    ? `ran past ${FOLDER_TIMEOUT_S} s (MEDNAS_TEST_FOLDER_TIMEOUT_S) and was killed`
    : signal !== null ? `killed by ${signal}` : `exited with status ${code}${counts ? '' : ' before it reported'}`;
  return { counts, death, lastFile };
}

/**
 * `npm run -s typecheck` (MEDNAS_TEST_TYPECHECK: another shell command, for the runner's own tests),
 * its output kept to print at the end, after the tests' reports rather than inside them.
 */
function startTypecheck(): Promise<{ status: number | null; output: string }> {
  return new Promise((done) => {
    const command = process.env.MEDNAS_TEST_TYPECHECK ?? 'npm run -s typecheck';
    const child = spawn('bash', ['-c', command], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', (e) => done({ status: -1, output: `could not start the type check: ${e.message}` }));
    child.on('close', (status) => done({ status, output }));
  });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--child') {
    const [summary, ...files] = args.slice(1);
    const counts = await runHere(files);
    writeFileSync(summary, JSON.stringify(counts));
    // Exit explicitly: an open Dawn device keeps the event loop alive.
    process.exit(counts.passed === counts.total && !counts.exitCodeSet ? 0 : 1);
  }

  // --typecheck: the type check (`npm run typecheck`) beside the tests instead of before them: tsc
  // is one busy core for ~40 s, most of which the tests' child processes leave idle.
  const typecheck = args.includes('--typecheck') ? startTypecheck() : null;
  const words = args.filter((a) => a !== '--typecheck');
  const files = findTests(testsDir)
    .map((f) => relative(root, f))
    .filter((f) => words.length === 0 || words.some((w) => f.includes(w)));
  const folders = new Map<string, string[]>();
  for (const file of files) {
    const folder = folderOf(file);
    if (!folders.has(folder)) folders.set(folder, []);
    folders.get(folder)!.push(file);
  }

  const scratch = mkdtempSync(join(tmpdir(), 'mednas-tests-'));
  let total = 0;
  let passed = 0;
  let skipped = 0;
  const fileTimes: FileTime[] = [];
  const deaths: string[] = [];
  // MEDNAS_TEST_JOBS=N: N folders side by side (default 2), the slowest folders first so the lanes
  // end together.
  const order = [...folders.keys()].sort((a, b) => heaviness(b) - heaviness(a));
  const lanes = Math.min(JOBS, order.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < order.length) await runFolder(order[next++]);
  };
  const runFolder = async (folder: string): Promise<void> => {
    const folderFiles = folders.get(folder)!;
    const label = relative(root, join(testsDir, folder));
    const { counts, death, lastFile } = await runChild(folder, folderFiles, scratch, lanes > 1);
    if (counts) {
      total += counts.total;
      passed += counts.passed;
      skipped += counts.skipped;
      fileTimes.push(...counts.fileTimes);
      if (counts.exitCodeSet && counts.passed === counts.total) deaths.push(`${label}: a test file failed outside its tests (see its output above)`);
    }
    if (death) {
      // The folder's tests after the dead one never ran: count the folder's files as one failure each
      // so that a crash can never read as a pass.
      total += folderFiles.length;
      const what = `${label}: its test process ${death}${lastFile ? ` while running ${lastFile}` : ''}`;
      deaths.push(what);
      console.log(`\n!! ${what}; the next folders still run\n`);
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
  rmSync(scratch, { recursive: true, force: true });

  if (fileTimes.length > 1) {
    const slowest = [...fileTimes].sort((a, b) => b.ms - a.ms).slice(0, 12);
    console.log('\nslowest test files:');
    for (const t of slowest) console.log(`  ${(t.ms / 1000).toFixed(1).padStart(7)} s  ${t.name}`);
  }
  if (typecheck) {
    const { status, output } = await typecheck;
    if (status !== 0) {
      console.log(`\n!! the type check (npm run typecheck) failed:\n${output}`);
      deaths.push(`the type check: exit status ${status} (its errors are above)`);
    } else console.log('\ntype check (npm run typecheck): no errors');
  }
  for (const d of deaths) console.log(`failed: ${d}`);
  // uvu's Total counts the tests that were to run; test.skip() ones are only in Skipped.
  const failed = total - passed;
  console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
  process.exit(failed === 0 && deaths.length === 0 && total > 0 ? 0 : 1);
}

await main();
