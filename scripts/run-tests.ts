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
let printed = '';
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
  printed += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
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

const plain = printed.replace(/\x1b\[[0-9;]*m/g, '');
const total = Number(/Total:\s+(\d+)/.exec(plain)?.[1] ?? 0);
const passed = Number(/Passed:\s+(\d+)/.exec(plain)?.[1] ?? 0);
const skipped = Number(/Skipped:\s+(\d+)/.exec(plain)?.[1] ?? 0);
// uvu's Total counts the tests that were to run; test.skip() ones are only in Skipped.
const failed = total - passed;
process.stdout.write = write;
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
const ok = failed === 0 && process.exitCode !== 1 && total > 0;
// Exit explicitly: an open Dawn device keeps the event loop alive.
process.exit(ok ? 0 : 1);
