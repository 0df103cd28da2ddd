// The inlined uPlot (src/report/vendor/uplot.ts, generated) is the installed package's build.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { root, uplotModuleText, VENDOR_MODULE } from '../../scripts/vendor-uplot.ts';
import { UPLOT_JS, UPLOT_VERSION } from '../../src/report/vendor/uplot.ts';

test('src/report/vendor/uplot.ts matches node_modules/uplot (else: node --import tsx scripts/vendor-uplot.ts)', () => {
  const pkg = join(root, 'node_modules', 'uplot', 'package.json');
  assert.ok(existsSync(pkg), 'uplot is a devDependency: npm ci installs it');
  assert.is(UPLOT_VERSION, (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version);
  assert.ok(readFileSync(VENDOR_MODULE, 'utf8') === uplotModuleText(), 'the generated module is current');
  assert.match(UPLOT_JS, /^\/\*! https:\/\/github\.com\/leeoniya\/uPlot \(v[\d.]+\) \*\/\nvar uPlot=/);
});

test.run();
