// Lifetime scopes and the grad switch. `tidy(fn)` disposes every tensor created inside `fn` except
// what `fn` returns (moved to the enclosing scope) and what was passed to `keep`. `noGrad(fn)` runs
// `fn` without recording a tape. Both are synchronous: GPU work is recorded, not awaited.
import type { Tensor } from './tensor.ts';

const scopes: Set<Tensor>[] = [];
let gradEnabled = true;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Registers a new tensor with the innermost scope (called by the Tensor constructor). */
export function track(t: Tensor): void {
  scopes[scopes.length - 1]?.add(t);
}

/** Removes a tensor from every scope: it outlives them (parameters, gradients, optimizer state). */
export function keep<T extends Tensor>(t: T): T {
  for (const s of scopes) s.delete(t);
  return t;
}

export function noGrad<T>(fn: () => T): T {
  const previous = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = previous;
  }
}

export function tidy<T>(fn: () => T): T {
  const scope = new Set<Tensor>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    scopes.pop();
    for (const t of scope) t.dispose();
    throw e;
  }
  scopes.pop();
  if (result instanceof Promise) throw new TypeError('tidy() takes a synchronous function; await outside it');
  const survivors = new Set<Tensor>();
  collectTensors(result, survivors);
  const parent = scopes[scopes.length - 1];
  for (const t of scope) {
    if (survivors.has(t)) parent?.add(t);
    else t.dispose();
  }
  return result;
}

function collectTensors(value: unknown, out: Set<Tensor>): void {
  if (value === null || typeof value !== 'object') return;
  if (isTensor(value)) {
    out.add(value);
    return;
  }
  if (Array.isArray(value)) for (const v of value) collectTensors(v, out);
  else if (value.constructor === Object || value instanceof Map) {
    for (const v of value instanceof Map ? value.values() : Object.values(value)) collectTensors(v, out);
  }
}

function isTensor(v: object): v is Tensor {
  return (v as { isTensor?: boolean }).isTensor === true;
}
