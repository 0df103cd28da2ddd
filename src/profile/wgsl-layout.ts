// WGSL types as a binding holds them, and their memory layout by the WGSL specification's rules
// (section "Memory Layout"): alignment and size of scalars, vectors, matrices, arrays and structs,
// the smallest buffer a binding accepts, and the scalar slots a uniform's values fill.

export type ScalarName = 'f32' | 'f16' | 'i32' | 'u32' | 'bool';

export interface StructMember {
  readonly name: string;
  readonly type: WgslType;
  /** @align(n) and @size(n) on the member, when given. */
  readonly align?: number;
  readonly size?: number;
}

export type WgslType =
  | { readonly kind: 'scalar'; readonly scalar: ScalarName }
  | { readonly kind: 'vector'; readonly size: 2 | 3 | 4; readonly scalar: ScalarName }
  | { readonly kind: 'matrix'; readonly columns: 2 | 3 | 4; readonly rows: 2 | 3 | 4; readonly scalar: ScalarName }
  | { readonly kind: 'atomic'; readonly scalar: ScalarName }
  /** count null: runtime-sized (array<T>). */
  | { readonly kind: 'array'; readonly element: WgslType; readonly count: number | null }
  | { readonly kind: 'struct'; readonly name: string; readonly members: readonly StructMember[] }
  /** Textures, samplers, pointers, or an array whose count could not be worked out: not laid out here. */
  | { readonly kind: 'opaque'; readonly text: string; readonly why: string };

export function typeText(t: WgslType): string {
  switch (t.kind) {
    case 'scalar':
      return t.scalar;
    case 'vector':
      return `vec${t.size}<${t.scalar}>`;
    case 'matrix':
      return `mat${t.columns}x${t.rows}<${t.scalar}>`;
    case 'atomic':
      return `atomic<${t.scalar}>`;
    case 'array':
      return t.count === null ? `array<${typeText(t.element)}>` : `array<${typeText(t.element)}, ${t.count}>`;
    case 'struct':
      return t.name;
    case 'opaque':
      return t.text;
  }
}

const scalarBytes = (s: ScalarName): number => (s === 'f16' ? 2 : 4);
const roundUp = (k: number, n: number): number => Math.ceil(n / k) * k;

/** Thrown for a type this reader cannot lay out; the message says why. */
export class LayoutError extends Error {
  override name = 'LayoutError';
}

export interface Layout {
  readonly align: number;
  readonly size: number;
}

/**
 * Alignment and size of `t`. A runtime-sized array counts as one element: that is the smallest
 * binding WebGPU accepts for it (the spec's "minimum binding size").
 */
export function layoutOf(t: WgslType): Layout {
  switch (t.kind) {
    case 'scalar':
    case 'atomic':
      return { align: scalarBytes(t.scalar), size: scalarBytes(t.scalar) };
    case 'vector': {
      const s = scalarBytes(t.scalar);
      return { align: (t.size === 2 ? 2 : 4) * s, size: t.size * s };
    }
    case 'matrix': {
      const column = layoutOf({ kind: 'vector', size: t.rows, scalar: t.scalar });
      return { align: column.align, size: t.columns * roundUp(column.align, column.size) };
    }
    case 'array': {
      const e = layoutOf(t.element);
      return { align: e.align, size: (t.count ?? 1) * roundUp(e.align, e.size) };
    }
    case 'struct': {
      let offset = 0;
      let align = 1;
      for (const m of structOffsets(t)) {
        offset = m.offset + m.size;
        align = Math.max(align, m.align);
      }
      return { align, size: roundUp(align, offset) };
    }
    case 'opaque':
      throw new LayoutError(`${t.text} has no memory layout that mednas can work out (${t.why})`);
  }
}

/** Each member's offset, alignment and size within its struct. */
export function structOffsets(t: Extract<WgslType, { kind: 'struct' }>): { member: StructMember; offset: number; align: number; size: number }[] {
  let end = 0;
  return t.members.map((member) => {
    const natural = layoutOf(member.type);
    const align = member.align ?? natural.align;
    const size = member.size ?? natural.size;
    const offset = roundUp(align, end);
    end = offset + size;
    return { member, offset, align, size };
  });
}

/** The bytes of one element of a runtime-sized array at the end of `t` (0 when `t` has none). */
export function runtimeElementBytes(t: WgslType): number {
  if (t.kind === 'array' && t.count === null) {
    const e = layoutOf(t.element);
    return roundUp(e.align, e.size);
  }
  if (t.kind === 'struct' && t.members.length > 0) return runtimeElementBytes(t.members[t.members.length - 1].type);
  return 0;
}

/** One scalar of a value laid out in memory: where it goes and how it is encoded. */
export interface ScalarSlot {
  /** e.g. `scale`, `dims[2]`, `m[1].y`. */
  readonly path: string;
  readonly scalar: ScalarName;
  readonly offset: number;
}

const COMPONENTS = ['x', 'y', 'z', 'w'];

/** Every scalar of `t` in declaration order (members, vector components, array elements, matrix columns). */
export function scalarSlots(t: WgslType, path = '', offset = 0): ScalarSlot[] {
  switch (t.kind) {
    case 'scalar':
    case 'atomic':
      return [{ path, scalar: t.scalar, offset }];
    case 'vector':
      return Array.from({ length: t.size }, (_, i) => ({ path: `${path}.${COMPONENTS[i]}`, scalar: t.scalar, offset: offset + i * scalarBytes(t.scalar) }));
    case 'matrix': {
      const column: WgslType = { kind: 'vector', size: t.rows, scalar: t.scalar };
      const stride = roundUp(layoutOf(column).align, layoutOf(column).size);
      return Array.from({ length: t.columns }, (_, c) => scalarSlots(column, `${path}[${c}]`, offset + c * stride)).flat();
    }
    case 'array': {
      if (t.count === null) throw new LayoutError(`${typeText(t)} is runtime-sized: its values cannot be listed`);
      const e = layoutOf(t.element);
      const stride = roundUp(e.align, e.size);
      return Array.from({ length: t.count }, (_, i) => scalarSlots(t.element, `${path}[${i}]`, offset + i * stride)).flat();
    }
    case 'struct':
      return structOffsets(t).flatMap((m) => scalarSlots(m.member.type, path ? `${path}.${m.member.name}` : m.member.name, offset + m.offset));
    case 'opaque':
      throw new LayoutError(`${t.text} has no memory layout that mednas can work out (${t.why})`);
  }
}
