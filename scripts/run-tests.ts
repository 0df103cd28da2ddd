// Runs every test/**/*.test.ts in one process (one GPU device for all), prints uvu's report and a
// final "N passed, N failed" line, and exits explicitly (Dawn keeps Node alive otherwise).
// Usage: node --import ./scripts/register-wgsl.mjs --import tsx scripts/run-tests.ts [WORD ...]
import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

function findTests(dir: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...findTests(path));
    else if (name.endsWith('.test.ts')) found.push(path);
  }
  return found;
}

const words = process.argv.slice(2);
const root = resolve(import.meta.dirname, '..');
const files = findTests(join(root, 'test')).filter(
  (f) => words.length === 0 || words.some((w) => relative(root, f).includes(w)),
);

// uvu prints "Total: N" / "Passed: N" / "Skipped: N"; keep a copy of its output to read them back.
// It also prints each file's name as the file's tests start: the time between two names is the
// earlier file's, and the slowest files are listed at the end (the suite's time budget is ~10 min).
let printed = '';
const names = new Set(files.map((f) => relative(root, f)));
const fileTimes: { name: string; startMs: number; ms: number }[] = [];
const noteFileStart = (text: string): void => {
  const name = text.replace(/\x1b\[[0-9;]*m/g, '').trim();
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
  queue.push([relative(root, file)]);
  await import(pathToFileURL(file).href);
}
await uvu.exec(false);
const lastFile = fileTimes.at(-1);
if (lastFile) lastFile.ms = performance.now() - lastFile.startMs;

const plain = printed.replace(/\x1b\[[0-9;]*m/g, '');
const total = Number(/Total:\s+(\d+)/.exec(plain)?.[1] ?? 0);
const passed = Number(/Passed:\s+(\d+)/.exec(plain)?.[1] ?? 0);
const skipped = Number(/Skipped:\s+(\d+)/.exec(plain)?.[1] ?? 0);
// uvu's Total counts the tests that were to run; test.skip() ones are only in Skipped.
const failed = total - passed;
process.stdout.write = write;
if (fileTimes.length > 1) {
  const slowest = [...fileTimes].sort((a, b) => b.ms - a.ms).slice(0, 12);
  console.log('\nslowest test files:');
  for (const t of slowest) console.log(`  ${(t.ms / 1000).toFixed(1).padStart(7)} s  ${t.name}`);
}
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
const ok = failed === 0 && process.exitCode !== 1 && total > 0;
// Exit explicitly: an open Dawn device keeps the event loop alive.
process.exit(ok ? 0 : 1);
