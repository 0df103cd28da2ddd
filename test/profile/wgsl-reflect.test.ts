// Reading a WGSL module's declarations (no GPU): bindings, overrides, entry points, and the WGSL
// specification's layout rules (the spec's own examples for struct offsets and sizes).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { layoutOf, reflectWgsl, scalarSlots, structOffsets, WgslReadError, type WgslType } from '../../src/profile/index.ts';
import { root } from '../cli/helpers.ts';

test('bindings: group, binding, space, access, type; comments (nested too) are ignored', () => {
  const r = reflectWgsl(`
    /* a /* nested */ comment: @group(9) @binding(9) var<storage> hidden: f32; */
    struct P { n: u32, scale: f32 }
    alias Row = array<vec4f, 16>;
    @binding(1) @group(0) var<storage, read_write> out: array<f32>; // attributes in any order
    @group(0) @binding(0) var<storage> inp: array<Row>;
    @group(0)
    @binding(2)
    var<uniform> params: P;
    @group(0) @binding(3) var tex: texture_2d<f32>;
    var<private> scratch: array<f32, 4>;
    @compute @workgroup_size(8, 8) fn main() {}
  `);
  const b = (n: number) => r.bindings.find((x) => x.binding === n)!;
  assert.is(r.bindings.length, 4, 'the private variable has no binding');
  assert.equal([b(0).space, b(0).access, b(0).name, b(0).typeText], ['storage', 'read', 'inp', 'array<Row>']);
  assert.equal([b(1).space, b(1).access], ['storage', 'read_write']);
  assert.equal([b(2).space, b(2).access, b(2).typeText], ['uniform', null, 'P']);
  assert.is(b(3).space, 'handle');
  assert.is(b(2).line, 9);
  // array<Row> through the alias: one Row (16 vec4 = 256 bytes) is the smallest binding.
  assert.is(layoutOf(b(0).type).size, 256);
  assert.equal(layoutOf(b(2).type), { align: 4, size: 8 });
});

test('entry points and overrides: @id keys, defaults, workgroup sizes from overrides and consts', () => {
  const r = reflectWgsl(`
    const TILE = 8u;
    override WG: u32 = TILE * 4u;
    @id(7) override SCALE: f32 = 1.5;
    override NO_DEFAULT: i32;
    override FLAG = true;
    @compute @workgroup_size(WG, TILE / 2u, 1) fn a() {}
    @vertex fn v() -> @builtin(position) vec4f { return vec4f(0.0); }
    @compute @workgroup_size(64)
    fn b() {}
  `);
  assert.equal(r.entryPoints.map((e) => [e.name, e.stage]), [['a', 'compute'], ['v', 'vertex'], ['b', 'compute']]);
  const wg = (name: string, values?: Record<string, number>) => r.entryPoints.find((e) => e.name === name)!.workgroupSize.map((x) => r.evaluate(x, values));
  assert.equal(wg('a'), [32, 4, 1]);
  assert.equal(wg('a', { WG: 128 }), [128, 4, 1], 'an override value replaces the default');
  assert.equal(wg('b'), [64]);
  const o = (n: string) => r.overrides.find((x) => x.name === n)!;
  assert.equal([o('WG').defaultValue, o('WG').id, o('WG').type], [32, null, 'u32']);
  assert.equal([o('SCALE').defaultValue, o('SCALE').id], [1.5, 7]);
  assert.equal([o('NO_DEFAULT').hasDefault, o('NO_DEFAULT').defaultValue], [false, undefined]);
  assert.is(o('FLAG').hasDefault, true);
});

const struct = (code: string, name: string): WgslType => {
  const r = reflectWgsl(`${code}\n@group(0) @binding(0) var<storage> v: ${name};`);
  return r.bindings[0].type;
};

test("layout: the WGSL specification's struct examples (offsets, alignment, size)", () => {
  // From the spec's "Structure Member Layout" examples.
  const a = struct('struct A { u: f32, v: f32, w: vec2<f32>, x: f32 }', 'A');
  assert.equal(layoutOf(a), { align: 8, size: 24 });
  assert.equal(a.kind === 'struct' && structOffsets(a).map((m) => m.offset), [0, 4, 8, 16]);
  const b = struct(
    `struct A { u: f32, v: f32, w: vec2<f32>, x: f32 }
     struct B { a: vec2<f32>, b: vec3<f32>, c: f32, d: f32, e: A, f: vec3<f32>, g: array<A, 3>, h: i32 }`,
    'B',
  );
  assert.equal(layoutOf(b), { align: 16, size: 160 });
  assert.equal(b.kind === 'struct' && structOffsets(b).map((m) => m.offset), [0, 16, 28, 32, 40, 64, 80, 152]);
  const c = struct('struct S { @align(16) a: f32, @size(12) b: f32, c: mat3x3<f32> }', 'S');
  assert.equal(c.kind === 'struct' && structOffsets(c).map((m) => [m.offset, m.size]), [[0, 4], [4, 12], [16, 48]]);
  assert.equal(layoutOf(c), { align: 16, size: 64 });
  // A runtime-sized array at the end counts one element (the minimum binding size).
  assert.is(layoutOf(struct('struct R { n: u32, data: array<vec4u> }', 'R')).size, 32);
  assert.is(layoutOf(struct('const N = 10;', 'array<u32, N>')).size, 40);
});

test('scalar slots: where each uniform value goes', () => {
  const t = struct('struct P { n: u32, v: vec3<f32>, m: array<vec2<i32>, 2> }', 'P');
  assert.equal(scalarSlots(t, 'p').map((s) => [s.path, s.scalar, s.offset]), [
    ['p.n', 'u32', 0], ['p.v.x', 'f32', 16], ['p.v.y', 'f32', 20], ['p.v.z', 'f32', 24],
    ['p.m[0].x', 'i32', 32], ['p.m[0].y', 'i32', 36], ['p.m[1].x', 'i32', 40], ['p.m[1].y', 'i32', 44],
  ]);
});

test('every shader mednas ships reads: its bindings are numbered from 0 in group 0', () => {
  const dir = join(root, 'shaders');
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.wgsl'))) {
    const r = reflectWgsl(readFileSync(join(dir, file), 'utf8'));
    assert.ok(r.entryPoints.some((e) => e.name === 'main' && e.stage === 'compute'), file);
    assert.ok(r.bindings.length > 0 && r.bindings.every((b) => b.group === 0 && (b.space === 'storage' || b.space === 'uniform')), file);
  }
});

test('an unfollowed module-scope construct is a WgslReadError with its position', () => {
  try {
    reflectWgsl('@group(0) @binding(0) var<storage> a: array<f32>;\n  frobnicate x;');
    assert.unreachable();
  } catch (e) {
    assert.instance(e, WgslReadError);
    assert.equal([(e as WgslReadError).line, (e as WgslReadError).column], [2, 3]);
  }
});

test.run();
