// What the package ships (`npm pack --dry-run --ignore-scripts`: the list, without building): dist/,
// LICENSE, README.md and package.json, and no second copy of the shaders (dist/ inlines them as
// text, and nothing reads shaders/ at run time).
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { root } from '../cli/helpers.ts';

test('the packed file list: dist/ and the three top-level files; no shaders/ beside the inlined ones', () => {
  const out = execFileSync('npm', ['pack', '--dry-run', '--ignore-scripts', '--json', '--loglevel=error'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  const files = (JSON.parse(out) as { files: { path: string }[] }[])[0].files.map((f) => f.path);
  const topLevel = files.filter((f) => !f.startsWith('dist/')).sort();
  assert.equal(topLevel, ['LICENSE', 'README.md', 'package.json']);
  assert.not.ok(files.some((f) => f.endsWith('.wgsl')), 'no .wgsl file is shipped');
  // The shaders are in the sources as .wgsl imports (loader 'text' in tsup.config.ts), so the
  // build holds their text; no source reads the shaders/ folder.
  const shaders = readdirSync(join(root, 'shaders')).filter((f) => f.endsWith('.wgsl'));
  assert.ok(shaders.length > 10);
  const tsup = readFileSync(join(root, 'tsup.config.ts'), 'utf8');
  assert.match(tsup, /loader:\s*\{\s*'\.wgsl':\s*'text'\s*\}/);
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { files: string[] };
  assert.equal(pkg.files, ['dist']);
});

test.run();
