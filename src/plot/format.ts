/** Drops the noise of binary floating point (0.30000000000000004 → 0.3) while keeping 12 significant digits. */
function clean(value: number): number {
  return Number(value.toPrecision(12));
}

/**
 * Formats an axis tick compactly. `reference` is the largest |tick| on the axis, so that one axis uses one
 * style: below 0.01 and from 1e9 on in exponent form (`1e-4`, `2.5e-5`); from 1e4 with `k` and from 1e6 with
 * `M` for values of at least 1000 and 1e6 (`500`, `2k`, `1.5M`); otherwise plain (`0.3`, `1500`). On a log axis
 * pass each value as its own reference.
 *
 * @example
 * formatTick(0.30000000000000004); // '0.3'
 * formatTick(2e-4, 1e-3);           // '2e-4'
 * formatTick(20000);                // '20k'
 */
export function formatTick(value: number, reference: number = Math.abs(value)): string {
  if (value === 0 || !Number.isFinite(value)) return value === 0 ? '0' : String(value);
  const r = Math.abs(reference);
  if (r >= 1e9 || r < 1e-2) return clean(value).toExponential().replace('e+', 'e');
  const magnitude = Math.abs(value);
  if (r >= 1e6 && magnitude >= 1e6) return `${clean(value / 1e6)}M`;
  if (r >= 1e4 && magnitude >= 1e3) return `${clean(value / 1e3)}k`;
  return String(clean(value));
}

/**
 * Formats a data value (not a tick) rounded to `digits` significant digits, in the style `formatTick` picks
 * for `reference`.
 *
 * @example
 * formatValue(9.87654e-4, 1e-3); // '9.88e-4'
 */
export function formatValue(value: number, reference: number = Math.abs(value), digits = 3): string {
  return formatTick(Number(value.toPrecision(digits)), reference);
}
