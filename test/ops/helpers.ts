// Shared by the op tests (conv, pool, norm, loss, linear): host<->GPU round trips and an element-wise closeness check that names
// the worst element when it fails.
import * as assert from 'uvu/assert';
import type { Runtime } from '../../src/gpu/runtime.ts';
import { tensor } from '../../src/tensor/create.ts';
import type { Tensor } from '../../src/tensor/tensor.ts';

/**
 * Passes when |actual - expected| <= atol + rtol * |expected| everywhere. Expected values are f64
 * references; the tolerances each test passes are justified next to the call.
 */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, atol: number, rtol: number, what: string): void {
  assert.is(actual.length, expected.length, `${what}: length`);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    const excess = Math.abs(a - e) - (atol + rtol * Math.abs(e));
    if (!(excess <= 0) && (worst < 0 || !(excess <= worstExcess))) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) {
    assert.unreachable(`${what}: element ${worst} is ${actual[worst]}, expected ${expected[worst]} (atol ${atol}, rtol ${rtol})`);
  }
}

/** A leaf tensor that records gradients. */
export function param(rt: Runtime, values: ArrayLike<number>, shape: readonly number[]): Tensor {
  return tensor(values, shape, rt).setRequiresGrad();
}

/** Reads a gradient and frees it, so tests do not leak buffers across cases. */
export async function takeGrad(t: Tensor): Promise<Float32Array> {
  if (!t.grad) throw new Error(`${t.toString()} has no gradient`);
  const g = await t.grad.data();
  t.grad.dispose();
  t.grad = null;
  return g;
}

/** Central finite differences of a host function f: R^n -> R at x (f64, for CPU references). */
export function finiteDifferences(f: (x: Float64Array) => number, x: ArrayLike<number>, h = 1e-6): Float64Array {
  const at = Float64Array.from(x);
  const out = new Float64Array(at.length);
  for (let i = 0; i < at.length; i++) {
    const keep = at[i];
    at[i] = keep + h;
    const up = f(at);
    at[i] = keep - h;
    const down = f(at);
    at[i] = keep;
    out[i] = (up - down) / (2 * h);
  }
  return out;
}

/** sum_i a_i b_i (the scalar loss L = sum(y * r) whose gradient wrt y is r). */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
