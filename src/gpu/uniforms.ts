// A kernel's uniform (`struct Params` at @binding(0)) declared once on the host side: the field
// names in order, each optionally typed (`pt:i32`, `eps:f32`; u32 otherwise). packUniform writes the
// words in that order from named values, so a launch cannot put a value in the wrong slot, and
// test/shaders checks every shader that names a layout against its struct, so the two cannot drift.
import { f32Bits } from './runtime.ts';

export type UniformLayout = readonly string[];

type FieldName<S extends string> = S extends `${infer N}:${string}` ? N : S;
/** The values a layout needs: every field but padding (names starting with '_', written as 0). */
export type UniformValues<L extends UniformLayout> = {
  [K in FieldName<L[number]> as K extends `_${string}` ? never : K]: number;
};

/** The u32 words of the uniform, in the layout's order (f32 fields as their bit patterns). */
export function packUniform<const L extends UniformLayout>(layout: L, values: UniformValues<L>): number[] {
  const named = values as Record<string, number>;
  return layout.map((field) => {
    const [name, type = 'u32'] = field.split(':');
    if (name.startsWith('_')) return 0;
    const v = named[name];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new RangeError(`uniform field '${name}' is ${v}`);
    // i32 fields: a Uint32Array word holds a negative value as its two's complement.
    return type === 'f32' ? f32Bits(v) : v;
  });
}
