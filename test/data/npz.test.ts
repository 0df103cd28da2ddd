import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseNpy, readNpz, writeNpy, writeNpz } from '../../src/data/index.ts';
import { crc32 } from '../../src/data/zip.ts';

test('npy: writer produces numpy-identical headers (64-byte aligned, version 1.0)', () => {
  const bytes = writeNpy({ dtype: 'u1', shape: [546, 28, 28], data: new Uint8Array(546 * 784) });
  const header = new TextDecoder('latin1').decode(bytes.subarray(10, 128));
  // The exact header numpy wrote into the official breastmnist.npz.
  assert.is(header, "{'descr': '|u1', 'fortran_order': False, 'shape': (546, 28, 28), }".padEnd(117, ' ') + '\n');
  assert.is(bytes[8] | (bytes[9] << 8), 118);
  assert.is(bytes.length, 128 + 546 * 784);
});

test('npy: round trip of every supported dtype, 1-d and 0-d shapes', () => {
  const cases = [
    { dtype: 'u1', shape: [3], data: new Uint8Array([1, 2, 255]) },
    { dtype: 'i1', shape: [2], data: new Int8Array([-1, 5]) },
    { dtype: 'u2', shape: [2], data: new Uint16Array([65535, 2]) },
    { dtype: 'i2', shape: [1, 2], data: new Int16Array([-300, 300]) },
    { dtype: 'i4', shape: [2, 1], data: new Int32Array([-7, 1 << 30]) },
    { dtype: 'u4', shape: [1], data: new Uint32Array([4e9]) },
    { dtype: 'f4', shape: [2, 2], data: new Float32Array([0.5, -1.25, 3, 1e-3]) },
    { dtype: 'f8', shape: [1], data: new Float64Array([Math.PI]) },
    { dtype: 'i8', shape: [2], data: new BigInt64Array([-5n, 9007199254740993n]) },
    { dtype: 'f4', shape: [], data: new Float32Array([7]) },
  ] as const;
  for (const c of cases) {
    const back = parseNpy(writeNpy(c), 'x.npy');
    assert.is(back.dtype, c.dtype);
    assert.equal([...back.shape], [...c.shape]);
    assert.equal(Array.from(back.data as ArrayLike<unknown>), Array.from(c.data as ArrayLike<unknown>));
  }
});

test('npz: compressed and stored archives round trip; keys drop .npy', () => {
  const arrays = {
    a: { dtype: 'u1' as const, shape: [4], data: new Uint8Array([9, 8, 7, 6]) },
    b: { dtype: 'f4' as const, shape: [2], data: new Float32Array([1.5, 2.5]) },
  };
  for (const compress of [true, false]) {
    const m = readNpz(writeNpz(arrays, compress), 't.npz');
    assert.equal([...m.keys()].sort(), ['a', 'b']);
    assert.equal(Array.from(m.get('a')!.data as Uint8Array), [9, 8, 7, 6]);
    assert.equal(Array.from(m.get('b')!.data as Float32Array), [1.5, 2.5]);
  }
  const only = readNpz(writeNpz(arrays), 't.npz', ['b']);
  assert.equal([...only.keys()], ['b']);
});

test('npz: unaligned member data is copied, not misread', () => {
  // A member name of odd length shifts the deflated data; stored members are read in place.
  const m = readNpz(writeNpz({ odd_name_x: { dtype: 'f8', shape: [2], data: new Float64Array([1, 2]) } }, false), 't.npz');
  assert.equal(Array.from(m.get('odd_name_x')!.data as Float64Array), [1, 2]);
});

test('npz: unaligned member data in a Node Buffer (what readFile returns) is copied, not misread', () => {
  // Buffer.slice is a view into the shared pool, not a copy: the copy must not go through it.
  const bytes = writeNpz({ odd_name_x: { dtype: 'f8', shape: [3], data: new Float64Array([1, 2, 3]) } }, false);
  const pooled = Buffer.concat([Buffer.alloc(3), Buffer.from(bytes)]).subarray(3);
  const m = readNpz(pooled, 't.npz');
  assert.equal(Array.from(m.get('odd_name_x')!.data as Float64Array), [1, 2, 3]);
});

test('crc32 matches the standard check value', () => {
  assert.is(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
});

test.run();
