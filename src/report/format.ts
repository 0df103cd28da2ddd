// Number formats of the report's tables (the same in every runtime: no locale but en-US).

/** Four significant digits, exponent form for the very large and very small; 'n/a' for NaN. */
export function num(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'n/a' : String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e6 || a < 1e-3)) return v.toExponential(3);
  return String(Number(v.toPrecision(4)));
}

/** A count with thousands separators. */
export const int = (v: number): string => v.toLocaleString('en-US');

/** FLOPs as 9.71 M or 1.37 G. */
export function flops(v: number): string {
  if (v >= 1e9) return `${(v / 1e9).toFixed(2)} G`;
  if (v >= 1e6) return `${(v / 1e6).toFixed(2)} M`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(2)} k`;
  return String(v);
}

/** Milliseconds as seconds (or minutes past 120 s). */
export function duration(ms: number): string {
  const s = ms / 1000;
  if (s >= 120) return `${(s / 60).toFixed(1)} min`;
  return `${s < 10 ? s.toFixed(2) : s.toFixed(1)} s`;
}
