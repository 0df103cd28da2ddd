// packUniform (the one way a uniform reaches a shader) and the fold of a 1-D range into the grid
// (the one place Runtime.run works it out): host arithmetic, no device.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { foldRange } from '../../src/gpu/runtime.ts';
import { packUniform } from '../../src/gpu/uniforms.ts';

const LAYOUT = ['n', 'offset:i32', 'scale:f32', '_pad', 'shape:u32[8]'] as const;

test('packUniform writes the fields in order: i32 as two\'s complement, f32 as bits, arrays padded with zeros', () => {
  const words = packUniform(LAYOUT, { n: 5, offset: -2, scale: 1.5, shape: [3, 4] });
  const bits = new Uint32Array(new Float32Array([1.5]).buffer)[0];
  assert.equal(words, [5, -2, bits, 0, 3, 4, 0, 0, 0, 0, 0, 0]);
  // The scheduler's Uint32Array arena turns -2 into its two's complement.
  assert.is(new Uint32Array(words)[1], 0xfffffffe);
});

test('packUniform refuses a missing integer, a too-long array; an f32 may be infinite', () => {
  assert.throws(() => packUniform(LAYOUT, { n: NaN, offset: 0, scale: 1, shape: [] }), /'n' is NaN/);
  assert.throws(() => packUniform(LAYOUT, { n: 1, offset: 0, scale: 1, shape: [1, 2, 3, 4, 5, 6, 7, 8, 9] }), /at most 8 values/);
  const words = packUniform(['value:f32'] as const, { value: -Infinity });
  assert.is(words[0], 0xff800000);
});

test('foldRange keeps a range within the per-dimension limit by folding into y', () => {
  assert.equal(foldRange(1000, 256, 65535), [4, 1]);
  assert.equal(foldRange(0, 64, 65535), [0, 1]);
  // 65536 groups of 1: two rows of 32768.
  const [x, y] = foldRange(65536, 1, 65535);
  assert.equal([x, y], [32768, 2]);
  assert.ok(x * y >= 65536 && x <= 65535);
});

test.run();
