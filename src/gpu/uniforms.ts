// A kernel's uniform (`struct Params` at @binding(0)) declared once on the host side, beside the
// function that launches the kernel: the field names in order, each optionally typed (`pt:i32`,
// `eps:f32`, `shape:u32[8]`; u32 otherwise). packUniform writes the words in that order from named
// values, so a launch cannot put a value in the wrong slot, and test/shaders checks every shader's
// struct against the layout its `// Params:` mark names, so the two cannot drift.
// Array fields (`array<vec4u, 2>` in WGSL, `u32[8]` here) take a list of at most that many values,
// padded with zeros: per-dimension sizes and strides of the strided kernels.

export type UniformLayout = readonly string[];

type FieldName<S extends string> = S extends `${infer N}:${string}` ? N : S;
type FieldValue<S extends string> = S extends `${string}:${string}[${string}]` ? readonly number[] : number;
/** The values a layout needs: every field but padding (names starting with '_', written as 0). */
export type UniformValues<L extends UniformLayout> = {
  [F in L[number] as FieldName<F> extends `_${string}` ? never : FieldName<F>]: FieldValue<F>;
};

/** One field of a layout, parsed once. */
interface Field {
  name: string;
  type: 'u32' | 'i32' | 'f32';
  /** Words: 1 for a scalar, N for `u32[N]`. */
  words: number;
  array: boolean;
  padding: boolean;
}

// Layouts are module constants: parse each once, not on every launch (the elementwise kernels
// launch thousands of times a training step).
const parsed = new WeakMap<UniformLayout, Field[]>();

function parseLayout(layout: UniformLayout): Field[] {
  let fields = parsed.get(layout);
  if (fields) return fields;
  fields = layout.map((spec) => {
    const [name, typeSpec = 'u32'] = spec.split(':');
    const m = /^(u32|i32|f32)(?:\[(\d+)\])?$/.exec(typeSpec);
    if (!m) throw new TypeError(`uniform field '${spec}': the type must be u32, i32, f32 or u32[N]`);
    const array = m[2] !== undefined;
    return { name, type: m[1] as Field['type'], words: array ? Number(m[2]) : 1, array, padding: name.startsWith('_') };
  });
  parsed.set(layout, fields);
  return fields;
}

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);
/** The bit pattern of an f32, for a float in a u32 uniform word. */
function f32Bits(x: number): number {
  f32Scratch[0] = x;
  return u32Scratch[0];
}

/** An integer word must be a finite number; an f32 may be any number (a fill with -Infinity, say). */
function checked(name: string, v: unknown, float = false): number {
  if (typeof v !== 'number' || (!float && !Number.isFinite(v))) throw new RangeError(`uniform field '${name}' is ${String(v)}`);
  return v;
}

/** The u32 words of the uniform, in the layout's order (f32 fields as their bit patterns). */
export function packUniform<const L extends UniformLayout>(layout: L, values: UniformValues<L>): number[] {
  const named = values as Record<string, number | readonly number[]>;
  const words: number[] = [];
  for (const f of parseLayout(layout)) {
    if (f.padding) {
      for (let i = 0; i < f.words; i++) words.push(0);
      continue;
    }
    const v = named[f.name];
    if (f.array) {
      if (!Array.isArray(v) || v.length > f.words) {
        throw new RangeError(`uniform field '${f.name}' takes at most ${f.words} values, got ${Array.isArray(v) ? v.length : String(v)}`);
      }
      for (let i = 0; i < f.words; i++) words.push(i < v.length ? checked(f.name, v[i]) : 0);
      continue;
    }
    const x = checked(f.name, v, f.type === 'f32');
    // i32 fields: a Uint32Array word holds a negative value as its two's complement.
    words.push(f.type === 'f32' ? f32Bits(x) : x);
  }
  return words;
}
