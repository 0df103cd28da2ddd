// Values as they travel through Redis. BullMQ stores job data and results as JSON, which has no
// NaN, no infinities and no -0 (JSON.stringify writes null and 0): a proxy that is undefined for a
// network (NaN) or a metric of a failed run would come back as something else. Every such number
// is written as { "$number": "NaN" | "Infinity" | "-Infinity" | "-0" } and read back exactly;
// every other finite double survives JSON as it is (shortest round-trip form).

const TAG = '$number';
const SPECIAL: Readonly<Record<string, number>> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity, '-0': -0 };

function special(v: number): string | null {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  if (Object.is(v, -0)) return '-0';
  return null;
}

/** `value` with every number JSON cannot hold replaced by its tag (plain data in, plain data out). */
export function toWire(value: unknown): unknown {
  if (typeof value === 'number') {
    const s = special(value);
    return s === null ? value : { [TAG]: s };
  }
  if (Array.isArray(value)) return value.map(toWire);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toWire(v)]));
  }
  return value;
}

/** The inverse of toWire: tags become their numbers again. */
export function fromWire(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromWire);
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length === 1 && entries[0][0] === TAG && typeof entries[0][1] === 'string' && entries[0][1] in SPECIAL) return SPECIAL[entries[0][1]];
    return Object.fromEntries(entries.map(([k, v]) => [k, fromWire(v)]));
  }
  return value;
}
