// What shaders and host code must agree on, checked so that they cannot drift apart:
//  - every shader's `struct Params` is marked `// Params: NAME in src/...ts` and has exactly the
//    fields, in order and with the types, of the layout NAME exported there (which packUniform
//    writes): no uniform reaches a shader as a hand-counted word list;
//  - a constant marked `// mirrors NAME in src/...ts` equals the number NAME exported there;
//  - every file a shader's comments name (`foo.wgsl`, `src/...ts`) exists.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const root = resolve(import.meta.dirname, '../..');
const shaderDir = join(root, 'shaders');
const shaders = readdirSync(shaderDir).filter((f) => f.endsWith('.wgsl')).sort();
const source = (f: string): string => readFileSync(join(shaderDir, f), 'utf8');

async function exported(path: string, name: string): Promise<unknown> {
  const file = join(root, path);
  assert.ok(existsSync(file), `${path} does not exist`);
  const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  assert.ok(name in mod, `${path} does not export ${name}`);
  return mod[name];
}

/** A WGSL scalar or array type in the host layout's notation: u32, i32, f32, u32[8]. */
function hostType(wgsl: string): string {
  const array = /^array<vec4u,\s*(\d+)>$/.exec(wgsl);
  if (array) return `u32[${4 * Number(array[1])}]`;
  return wgsl;
}

test('every struct Params is marked and matches its host layout field by field', async () => {
  let checked = 0;
  for (const f of shaders) {
    const s = source(f);
    const mark = /\/\/ Params: (\w+) in (src\/[\w/.-]+\.ts)\nstruct Params \{([^}]*)\}/.exec(s);
    if (!mark) {
      assert.not.match(s, /\bstruct Params\b/, `${f}: its struct Params must be marked '// Params: LAYOUT in src/...ts' on the line above`);
      continue;
    }
    // `name: type` pairs; an array type has a comma of its own (array<vec4u, 2>).
    const fields = [...mark[3].matchAll(/(\w+)\s*:\s*(array<[^>]*>|\w+)/g)].map(([, name, type]) =>
      type === 'u32' ? name : `${name}:${hostType(type)}`,
    );
    const layout = (await exported(mark[2], mark[1])) as readonly string[];
    assert.equal(fields, [...layout], `${f}: struct Params against ${mark[1]} in ${mark[2]}`);
    checked++;
  }
  // Every shader but profile_fence.wgsl, which has no uniform (the not.match above holds the rest).
  assert.ok(checked >= 44, `only ${checked} shaders checked`);
});

test('every mirrored constant equals the host constant it names', async () => {
  let checked = 0;
  for (const f of shaders) {
    for (const m of source(f).matchAll(/^const (\w+) = (0x[0-9a-f]+|\d+)u;\s*\/\/ mirrors ([\w.]+) in (src\/[\w/.-]+\.ts)/gm)) {
      const [, name, value, hostName, path] = m;
      const [head, ...rest] = hostName.split('.');
      let v = await exported(path, head);
      for (const key of rest) v = (v as Record<string, unknown>)[key];
      assert.is(v, Number(value), `${f}: ${name} = ${value}, but ${hostName} in ${path} is ${String(v)}`);
      checked++;
    }
  }
  assert.ok(checked >= 50, `only ${checked} constants checked`);
});

test("every file a shader's comments name exists", () => {
  for (const f of shaders) {
    const comments = source(f)
      .split('\n')
      .filter((l) => l.includes('//'))
      .map((l) => l.slice(l.indexOf('//')))
      .join('\n');
    for (const [name] of comments.matchAll(/\b[\w*]+\.wgsl\b/g)) {
      if (name.includes('*')) {
        const re = new RegExp(`^${name.replace(/\./g, '\\.').replace(/\*/g, '.*')}$`);
        assert.ok(shaders.some((s) => re.test(s)), `${f} names ${name}, which matches no shader`);
      } else {
        assert.ok(shaders.includes(name), `${f} names ${name}, which does not exist`);
      }
    }
    for (const [path] of comments.matchAll(/\bsrc\/[\w/.-]+\.ts\b/g)) {
      assert.ok(existsSync(join(root, path)), `${f} names ${path}, which does not exist`);
    }
  }
});

test.run();
