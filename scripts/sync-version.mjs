// Writes package.json's version into src/version.ts (the version runs from the sources report; the
// build takes package.json's directly, see tsup.config.ts). Run by `npm version` (package.json's
// "version" script), so a bump changes both; `--check` only says whether they agree (exit 1 if not).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const file = join(root, 'src', 'version.ts');
const text = readFileSync(file, 'utf8');
const pattern = /^const SOURCE_VERSION = '([^']*)';$/m;
const found = pattern.exec(text);
if (!found) {
  console.error(`${file}: no line "const SOURCE_VERSION = '...';" to update`);
  process.exit(1);
}
if (process.argv.includes('--check')) {
  if (found[1] !== version) console.error(`src/version.ts says ${found[1]}, package.json ${version}: run node scripts/sync-version.mjs`);
  process.exit(found[1] === version ? 0 : 1);
}
if (found[1] !== version) writeFileSync(file, text.replace(pattern, `const SOURCE_VERSION = '${version}';`));
