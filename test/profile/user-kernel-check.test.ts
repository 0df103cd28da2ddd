// Checks of a user's kernel run before any GPU work (no GPU): each mistake is a UserKernelError of
// its own kind whose message names the binding, the declaration or the limit.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkUserKernel, reflectWgsl, UserKernelError, type KernelLimits, type UserKernelSpec } from '../../src/profile/index.ts';

const LIMITS: KernelLimits = {
  maxComputeWorkgroupSizeX: 256, maxComputeWorkgroupSizeY: 256, maxComputeWorkgroupSizeZ: 64,
  maxComputeInvocationsPerWorkgroup: 256, maxComputeWorkgroupsPerDimension: 65535,
  maxStorageBufferBindingSize: 1 << 20, maxUniformBufferBindingSize: 1 << 16, maxBufferSize: 1 << 21,
  maxStorageBuffersPerShaderStage: 8, maxUniformBuffersPerShaderStage: 12,
};

const CODE = `
struct Params { n: u32, a: f32, off: i32 }
@group(0) @binding(0) var<storage, read> x: array<vec4f, 4>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;
override WG: u32 = 64;
override HALF: bool = false;
@compute @workgroup_size(WG) fn main() {}
@fragment fn frag() -> @location(0) vec4f { return vec4f(0.0); }
`;

const good: UserKernelSpec = {
  code: CODE,
  source: 'k.wgsl',
  dispatch: [4, 1, 1],
  buffers: [{ binding: 0, bytes: 64, init: { kind: 'random' } }, { binding: 1, bytes: 16, init: { kind: 'zeros' } }],
  uniforms: [{ binding: 2, values: [7, 0.5, -3] }],
  overrides: { WG: 128 },
};

const check = (change: Partial<UserKernelSpec>) => checkUserKernel(reflectWgsl(change.code ?? CODE), { ...good, ...change }, LIMITS);

function fails(change: Partial<UserKernelSpec>, fault: string, pattern: RegExp): void {
  try {
    check(change);
  } catch (e) {
    assert.instance(e, UserKernelError);
    assert.is((e as UserKernelError).fault, fault, (e as Error).message);
    assert.match((e as Error).message, pattern);
    return;
  }
  assert.unreachable(`no error for ${JSON.stringify(change)}`);
}

test('a good run: the entry, the override, the workgroup size and the uniform bytes', () => {
  const c = check({});
  assert.is(c.entry.name, 'main', 'the only @compute entry point is chosen');
  assert.equal(c.workgroupSize, [128, 1, 1]);
  assert.equal(c.constants, { WG: 128 });
  assert.equal(c.bindings.map((b) => [b.declared.binding, b.bytes, b.contents]), [[0, 64, 'random'], [1, 16, 'zeros'], [2, 16, 'values']]);
  const bytes = c.bindings[2].init.kind === 'data' ? c.bindings[2].init.data : new Uint8Array();
  const view = new DataView(bytes.buffer);
  assert.equal([view.getUint32(0, true), view.getFloat32(4, true), view.getInt32(8, true)], [7, 0.5, -3]);
  assert.equal(check({ overrides: { HALF: true } }).constants, { HALF: 1 });
});

test('a wrong binding: undeclared, missing, given twice, of another group, not a buffer', () => {
  fails({ buffers: [...good.buffers, { binding: 5, bytes: 16, init: { kind: 'zeros' } }] }, 'binding',
    /^--buffer 5: k\.wgsl declares no @group\(0\) @binding\(5\); its bindings: 0 \(x: array<vec4f, 4>, storage read\), 1 \(y: array<f32>, storage read_write\), 2 \(params: Params, uniform\)$/);
  fails({ buffers: [good.buffers[0]] }, 'binding', /^binding 1 \(y: array<f32>, storage read_write\) \(k\.wgsl:4\) has no buffer: add --buffer 1:BYTES \(at least 4 bytes\)$/);
  fails({ uniforms: [] }, 'binding', /binding 2 \(params: Params, uniform\) .* has no buffer: add --buffer 2:BYTES or --uniform 2:VALUES \(at least 12 bytes\)/);
  fails({ buffers: [...good.buffers, { binding: 2, bytes: 16, init: { kind: 'zeros' } }] }, 'binding', /--uniform 2: binding 2 \(params\) is given twice/);
  fails({ uniforms: [{ binding: 1, values: [1] }] }, 'binding', /--uniform 1: binding 1 \(y\) is given twice/);
  fails({ code: `${CODE}\n@group(1) @binding(0) var<storage> z: array<f32>;` }, 'binding', /'z' is declared at @group\(1\) @binding\(0\) \(k\.wgsl:11\): mednas profile binds @group\(0\) only/);
  fails({ code: `${CODE}\n@group(0) @binding(3) var t: texture_2d<f32>;` }, 'binding', /binding 3 \(t: texture_2d<f32>, k\.wgsl:11\) is not a buffer/);
});

test('a buffer too small, not a multiple of 4, over a limit, or smaller than its file', () => {
  fails({ buffers: [{ binding: 0, bytes: 48, init: { kind: 'zeros' } }, good.buffers[1]] }, 'buffer',
    /^--buffer 0: binding 0 \(x: array<vec4f, 4>, storage read\) needs at least 64 bytes; 48 given \(declared at k\.wgsl:3\)$/);
  fails({ buffers: [good.buffers[0], { binding: 1, bytes: 0, init: { kind: 'zeros' } }] }, 'buffer', /needs at least 4 bytes \(array<f32> with one element of 4 bytes\); 0 given/);
  fails({ buffers: [good.buffers[0], { binding: 1, bytes: 18, init: { kind: 'zeros' } }] }, 'buffer', /18 bytes is not a multiple of 4/);
  fails({ buffers: [good.buffers[0], { binding: 1, bytes: 1 << 21, init: { kind: 'zeros' } }] }, 'buffer', /2097152 bytes exceed this adapter's maxStorageBufferBindingSize = 1048576/);
  fails({ buffers: [good.buffers[0], { binding: 1, bytes: 8, init: { kind: 'data', data: new Uint8Array(10), source: 'y.bin' } }] }, 'buffer',
    /y\.bin holds 10 bytes, more than the buffer's 8: give a size of at least 12/);
});

test('a dispatch of 0 or over the limit, a workgroup over the limits', () => {
  fails({ dispatch: [70000, 1, 1] }, 'dispatch', /^--dispatch 70000,1,1: 70000 workgroups in x exceed this adapter's limit of 65535 per dimension \(maxComputeWorkgroupsPerDimension\)/);
  fails({ dispatch: [1, 0, 1] }, 'dispatch', /0 workgroups in y; each count must be a whole number >= 1/);
  fails({ overrides: { WG: 512 } }, 'workgroup', /@workgroup_size\(512, 1, 1\) of 'main' is over this adapter's limit in x: maxComputeWorkgroupSizeX = 256/);
  fails({ code: CODE.replace('@workgroup_size(WG)', '@workgroup_size(16, 32)') }, 'workgroup', /has 512 invocations, over this adapter's maxComputeInvocationsPerWorkgroup = 256/);
  fails({ code: CODE.replace('override WG: u32 = 64;', 'override WG: u32;'), overrides: {} }, 'override', /override 'WG' \(k\.wgsl:6\) sizes the workgroup of 'main' and has no default: give --override WG=VALUE/);
});

test('overrides and uniforms: unknown names, values their types cannot hold, wrong counts', () => {
  fails({ overrides: { WGG: 1 } }, 'override', /^--override WGG: k\.wgsl declares no override 'WGG'; it declares: WG, HALF$/);
  fails({ overrides: { WG: -1 } }, 'override', /override 'WG: u32' \(k\.wgsl:6\) cannot hold it: a u32 is a whole number from 0 to 4294967295/);
  fails({ overrides: { HALF: 2 } }, 'override', /a bool is true or false/);
  fails({ uniforms: [{ binding: 2, values: [1, 2] }] }, 'uniform', /^--uniform 2: binding 2 \(params: Params, k\.wgsl:5\) holds 3 values \(params\.n: u32, params\.a: f32, params\.off: i32\); 2 given$/);
  fails({ uniforms: [{ binding: 2, values: [1.5, 2, 3] }] }, 'uniform', /value 1 \(1\.5\) is for params\.n: u32, which cannot hold it/);
  fails({ uniforms: [{ binding: 0, values: [1] }], buffers: [good.buffers[1]] }, 'uniform', /--uniform 0: binding 0 \(x: array<vec4f, 4>, storage read\) is not a uniform: give it with --buffer 0:BYTES/);
});

test('entry points: unknown, another stage, several to choose from', () => {
  fails({ entry: 'mian' }, 'entry', /^k\.wgsl has no @compute entry point 'mian'; its @compute entry points: main$/);
  fails({ entry: 'frag' }, 'entry', /'frag' in k\.wgsl is a @fragment entry point: mednas profile runs @compute ones/);
  fails({ code: `${CODE}\n@compute @workgroup_size(1) fn second() {}` }, 'entry', /k\.wgsl has 2 @compute entry points \(main, second\): choose one with --entry/);
});

test.run();
