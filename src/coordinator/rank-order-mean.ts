/**
 * The mean of `grads` into `into`: ((g0 + g1) + g2) + … in float32, rounded after every add as a Float32Array
 * accumulator would be, then ÷ `count` rounded once. For up to four terms element by element in one pass (one read of
 * each gradient, one write of `into`, instead of n + 1 passes over memory: 1.4–1.6× faster at 1e6–1e7 floats), past
 * that tensor by tensor; both give the same bits. `count` is how many ranks the terms stand for (default: one each):
 * a first term that already holds the float32 sum of the first k ranks (`rankOrderAdd`) stands for k of them, and
 * the result is the same bits as the mean of all the ranks’ gradients. `into` may be the first term.
 * Returns whether every element of the mean is finite.
 *
 * @example
 * rankOrderMean([Float32Array.of(1, 2), Float32Array.of(3, 4)], new Float32Array(2)); // true; into = [2, 3]
 */
export function rankOrderMean(
  grads: readonly Float32Array[],
  into: Float32Array,
  count: number = grads.length,
): boolean {
  const n = grads.length;
  const length = into.length;
  const fround = Math.fround;
  let finite = true;
  // Two to four terms, the common worlds, without the inner loop over ranks.
  if (n === 1 && count === 1) {
    const a = grads[0]!;
    for (let i = 0; i < length; i++) {
      const value = a[i]!;
      into[i] = value;
      if (value - value !== 0) finite = false;
    }
  } else if (n === 1) {
    const a = grads[0]!;
    for (let i = 0; i < length; i++) {
      const value = fround(a[i]! / count);
      into[i] = value;
      if (value - value !== 0) finite = false;
    }
  } else if (n === 2) {
    const [a, b] = grads as [Float32Array, Float32Array];
    for (let i = 0; i < length; i++) {
      const value = fround(fround(a[i]! + b[i]!) / count);
      into[i] = value;
      if (value - value !== 0) finite = false;
    }
  } else if (n === 3) {
    const [a, b, c] = grads as [Float32Array, Float32Array, Float32Array];
    for (let i = 0; i < length; i++) {
      const value = fround(fround(fround(a[i]! + b[i]!) + c[i]!) / count);
      into[i] = value;
      if (value - value !== 0) finite = false;
    }
  } else if (n === 4) {
    const [a, b, c, d] = grads as [Float32Array, Float32Array, Float32Array, Float32Array];
    for (let i = 0; i < length; i++) {
      const value = fround(fround(fround(fround(a[i]! + b[i]!) + c[i]!) + d[i]!) / count);
      into[i] = value;
      if (value - value !== 0) finite = false;
    }
  } else {
    // Past four terms an inner loop over ranks per element costs more than it saves: whole tensors, rank by rank.
    into.set(grads[0]!);
    for (let k = 1; k < n; k++) {
      const grad = grads[k]!;
      for (let i = 0; i < length; i++) into[i]! += grad[i]!;
    }
    for (let i = 0; i < length; i++) {
      const value = into[i]! / count;
      into[i] = value;
      if (value - value !== 0) finite = false;
    }
  }
  return finite;
}

/**
 * `into[i] = a[i] + b[i]` in float32: one step of the rank-order sum, taken as soon as the next rank's gradient is
 * there. `into` may be `a`.
 *
 * @example
 * rankOrderAdd(Float32Array.of(1e8), Float32Array.of(1), new Float32Array(1)); // into = [1e8]: float32 drops the 1
 */
export function rankOrderAdd(a: Float32Array, b: Float32Array, into: Float32Array): void {
  const length = into.length;
  const fround = Math.fround;
  for (let i = 0; i < length; i++) into[i] = fround(a[i]! + b[i]!);
}
