// The built package as a user gets it: `npm pack`, installed into a temporary directory, then
// docs/engine.md's example run by package name ('mednas/node' + 'mednas'), instanceof across the
// two entry points, and the `mednas` binary. Also: dist/index.js's import graph holds no Node
// built-in (the core runs under Deno and in browsers).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeSearchCheckpoint, matmul, mean, randNormal, relu, Rng, tensor, tidy } from '../../src/index.ts';
import { testRuntime } from '../gpu.ts';

const root = resolve(import.meta.dirname, '..', '..');
const dist = join(root, 'dist');
const work = mkdtempSync(join(tmpdir(), 'mednas-pack-'));
test.after(() => rmSync(work, { recursive: true, force: true }));

function newest(dir: string): number {
  let t = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p);
    t = Math.max(t, s.isDirectory() ? newest(p) : s.mtimeMs);
  }
  return t;
}

test('dist is built from the current sources, and dist/index.js imports no Node built-in', () => {
  const built = statSync(join(dist, 'cli.js')).mtimeMs;
  assert.ok(built >= Math.max(newest(join(root, 'src')), newest(join(root, 'cli'))), 'dist/ is older than the sources: run `npm run build` (npm test does it)');
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const code = readFileSync(join(dist, file), 'utf8');
    for (const m of code.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s*"([^"]+)"|(?:^|\n)\s*import\s*"([^"]+)"/g)) {
      const spec = m[1] ?? m[2];
      if (spec.startsWith('./')) visit(spec.slice(2));
      else assert.not.match(spec, /^(node:|fs|path|os|crypto|http|https|stream|child_process|url|module)(\/|$)/, `${file} imports ${spec}`);
    }
  };
  visit('index.js');
  assert.ok(seen.size >= 2, `index.js and its chunks: ${[...seen].join(', ')}`);
});

test('npm pack + install into a temp dir: the docs/engine.md example, instanceof across entries, the binary', async () => {
  const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', work], { cwd: root, encoding: 'utf8' }).trim().split('\n').pop()!;
  const app = join(work, 'app');
  execFileSync('mkdir', ['-p', app]);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'try-mednas', private: true, type: 'module' }));
  // From npm's cache when it has the dependencies (npm ci filled it); the registry otherwise.
  const install = (mode: string) =>
    spawnSync('npm', ['install', mode, '--no-audit', '--no-fund', '--loglevel=error', join(work, tarball)], { cwd: app, encoding: 'utf8', timeout: 300_000 });
  let installed = install('--offline');
  if (installed.status !== 0) installed = install('--prefer-offline');
  assert.is(installed.status, 0, installed.stderr);

  // The documented example, byte for byte, run by package name (TypeScript through tsx).
  const docs = readFileSync(join(root, 'docs', 'engine.md'), 'utf8');
  const example = /## Usage\s+```ts\n([\s\S]*?)```/.exec(docs)?.[1];
  assert.ok(example, 'docs/engine.md has a ```ts example under ## Usage');
  assert.match(example, /from 'mednas\/node'/);
  writeFileSync(join(app, 'example.ts'), example);
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const run = spawnSync(process.execPath, ['--import', tsx, 'example.ts'], { cwd: app, encoding: 'utf8', timeout: 180_000 });
  assert.is(run.status, 0, `example failed: ${run.stderr}`);
  const [lossText, ...gradText] = run.stdout.trim().replace(/Float32Array\(4\)|[[\]]/g, ' ').split(/[\s,]+/).filter(Boolean);
  // The same computation through the sources gives the same numbers.
  const rt = await testRuntime();
  const w = randNormal([64, 10], new Rng(1), 0, 1, rt).setRequiresGrad();
  const x = tensor(new Float32Array(32 * 64).fill(0.5), [32, 64], rt);
  const loss = tidy(() => mean(relu(matmul(x, w))));
  loss.backward();
  assert.ok(Math.abs(Number(lossText) - (await loss.item())) < 1e-6, `${run.stdout} vs ${await loss.item()}`);
  const grad = Array.from((await w.grad!.data()).slice(0, 4));
  gradText.forEach((g, i) => assert.ok(Math.abs(Number(g) - grad[i]) < 1e-6, `grad ${i}: ${g} vs ${grad[i]}`));
  assert.is(gradText.length, 4);

  // The README's library example (a search), byte for byte, by package name.
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const searchExample = /## Library[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(searchExample, "README.md has a ```ts example under ## Library");
  writeFileSync(join(app, 'search-example.ts'), searchExample);
  const searched = spawnSync(process.execPath, ['--import', tsx, 'search-example.ts'], { cwd: app, encoding: 'utf8', timeout: 180_000 });
  assert.is(searched.status, 0, `README search example failed: ${searched.stderr}`);
  assert.is(searched.stdout.match(/^generation \d: hypervolume \d/gm)?.length, 2, searched.stdout);
  assert.match(searched.stdout, /^chosen [\d,]+: \d+ parameters$/m);
  const checkpoint = decodeSearchCheckpoint(new Uint8Array(readFileSync(join(app, 'my-search', 'checkpoint.mednas'))));
  assert.is(checkpoint.history.length, 2);

  // One copy of the core: a tensor and an error made through one entry are instances of the
  // classes exported by the other.
  writeFileSync(
    join(app, 'identity.mjs'),
    `import { FileFormatError, Tensor, tensor, matmul } from 'mednas';
import { initNode, loadStateFile } from 'mednas/node';
import { writeFileSync } from 'node:fs';
const rt = await initNode();
const t = matmul(tensor([1, 2, 3, 4], [2, 2]), tensor([1, 0, 0, 1], [2, 2]));
writeFileSync('junk.state', 'not a state');
let err;
try { await loadStateFile(null, 'junk.state'); } catch (e) { err = e; }
console.log(JSON.stringify({ tensor: t instanceof Tensor, sameRuntime: t.rt === rt, values: Array.from(await t.data()), error: err instanceof FileFormatError, message: String(err?.message) }));
process.exit(0);
`,
  );
  const id = spawnSync(process.execPath, ['identity.mjs'], { cwd: app, encoding: 'utf8', timeout: 120_000 });
  assert.is(id.status, 0, id.stderr);
  const r = JSON.parse(id.stdout.trim().split('\n').pop()!) as { tensor: boolean; sameRuntime: boolean; values: number[]; error: boolean; message: string };
  assert.equal(r, { ...r, tensor: true, sameRuntime: true, values: [1, 2, 3, 4], error: true });
  assert.match(r.message, /^junk\.state: /);

  // A TypeScript project type-checks against the package's declarations under --strict: both
  // entries, one declaration of each class across them (a Runtime from mednas/node is the core's).
  execFileSync('mkdir', ['-p', join(app, 'node_modules', '@types')]);
  symlinkSync(join(root, 'node_modules', '@types', 'node'), join(app, 'node_modules', '@types', 'node'));
  writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', noEmit: true, types: ['node'] }, files: ['typed.ts'] }));
  writeFileSync(join(app, 'typed.ts'), `import { correlateTable, FileFormatError, search, searchPreset, syntheticDataset, Tensor, type Runtime } from 'mednas';
import { initNode, readTruthTable } from 'mednas/node';
const rt: Runtime = await initNode();
const device: GPUDevice = rt.device;
const result = await search({ config: { ...searchPreset('quick', 'synthetic'), popSize: 6, generations: 2 }, dataset: syntheticDataset(), rt });
const params: number = result.chosen.record.params;
const rho: number = correlateTable(await readTruthTable('table.mednas')).ceiling.spearman;
const isError = (e: unknown): e is FileFormatError => e instanceof FileFormatError;
const t: Tensor | null = null;
// @ts-expect-error: a search config needs a dataset name
search({ config: { popSize: 6 }, dataset: syntheticDataset(), rt });
console.log(device.label, params, rho, isError(null), t);
`);
  const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', app], { cwd: app, encoding: 'utf8', timeout: 180_000 });
  assert.is(tsc.status, 0, `tsc --strict against the package: ${tsc.stdout}${tsc.stderr}`);
  assert.ok(statSync(join(app, 'node_modules', 'mednas', 'dist', 'types', 'index.d.ts')).isFile());

  const bin = spawnSync(join(app, 'node_modules', '.bin', 'mednas'), ['data', 'download', 'synthetic'], { cwd: app, encoding: 'utf8', timeout: 60_000 });
  assert.is(bin.status, 0, bin.stderr);
  assert.match(bin.stdout, /synthetic is built in/);
  const version = spawnSync(join(app, 'node_modules', '.bin', 'mednas'), ['--version'], { cwd: app, encoding: 'utf8' });
  // tsup's define put package.json's version into the build.
  const { version: packageVersion } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  assert.is(version.stdout.split(' ')[0], `mednas/${packageVersion}`);
  // No second copy of the shaders: dist/ inlines them.
  assert.not.ok(existsSync(join(app, 'node_modules', 'mednas', 'shaders')), 'shaders/ is not shipped');
});

test.run();
