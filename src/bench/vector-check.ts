const { fround } = Math;

/** What a sync run of the bench task did: everything its final parameters follow from. */
export interface VectorRun {
  readonly workers: number;
  readonly params: number;
  /** global steps applied */
  readonly steps: number;
  /** the constant LR of every step (SGD rounds it to float32) */
  readonly lr: number;
}

/**
 * The final parameters of a sync SGD run of the bench task, recomputed here as a plain float32 loop, apart from
 * the task, the coordinator and the optimizer it checks: the task's definition restated (vⱼ starts at
 * (j mod 256) ÷ 64 − 2; rank r's gradient is f(f(0.25 · vⱼ) + (r + 1))), the mean in rank order
 * f(…f(f(g₀ + g₁) + g₂)… + gₙ₋₁) then f(sum ÷ N), and Paddle's SGD, v = f(v − f(f(lr) · mean)). Each element is
 * its own recurrence, so it runs element by element through every step.
 *
 * @example
 * expectedVectorParams({ workers: 2, params: 2, steps: 1, lr: 0.5 }); // Float32Array [-2.5, -2.486328125]
 */
export function expectedVectorParams(run: VectorRun): Float32Array {
  const { workers, params, steps } = run;
  const rate = fround(run.lr);
  const out = new Float32Array(params);
  for (let j = 0; j < params; j++) {
    let v = (j % 256) / 64 - 2;
    for (let step = 0; step < steps; step++) {
      const scaled = fround(0.25 * v);
      let sum = fround(scaled + 1);
      for (let rank = 1; rank < workers; rank++) sum = fround(sum + fround(scaled + (rank + 1)));
      const mean = fround(sum / workers);
      v = fround(v - fround(rate * mean));
    }
    out[j] = v;
  }
  return out;
}

/**
 * Why `actual` is not bit for bit `expected`, naming the first element that differs and how many do, or null
 * when they are identical (NaN equal to NaN with the same bits).
 *
 * @example
 * paramsMismatch(Float32Array.of(1, 2), Float32Array.of(1, 3)); // '1 of 2 parameters differ; the first, [1], is 2, expected 3'
 */
export function paramsMismatch(actual: Float32Array, expected: Float32Array): string | null {
  if (actual.length !== expected.length) {
    return `the run holds ${actual.length} parameters, expected ${expected.length}`;
  }
  const a = new Uint32Array(actual.buffer, actual.byteOffset, actual.length);
  const e = new Uint32Array(expected.buffer, expected.byteOffset, expected.length);
  let first = -1;
  let count = 0;
  for (let j = 0; j < a.length; j++) {
    if (a[j] !== e[j]) {
      if (first < 0) first = j;
      count += 1;
    }
  }
  if (count === 0) return null;
  return `${count} of ${a.length} parameters differ; the first, [${first}], is ${actual[first]}, expected ${expected[first]}`;
}
