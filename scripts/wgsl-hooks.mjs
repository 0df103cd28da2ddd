// Node module hooks so that `import src from '../shaders/x.wgsl'` yields the file's text when running
// TypeScript sources directly (tests, benchmarks); the built bundle inlines shaders instead.
import { readFile } from 'node:fs/promises';

export async function load(url, context, nextLoad) {
  if (url.endsWith('.wgsl')) {
    const text = await readFile(new URL(url), 'utf8');
    return { format: 'module', source: `export default ${JSON.stringify(text)};`, shortCircuit: true };
  }
  return nextLoad(url, context);
}
