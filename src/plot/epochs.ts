/** One epoch boundary on a step axis: the step where epoch `epoch` (counted from 0) begins. */
export interface EpochMark {
  readonly x: number;
  readonly epoch: number;
}

const THINNING = [1, 2, 5] as const;

/**
 * The epoch boundaries k·`stepsPerEpoch` (k ≥ 1) with lo < x ≤ hi, every n-th one (n = 1, 2, 5, 10, 20, …, the
 * smallest that keeps them to `maxMarks`) so that a long run's marks stay apart. Boundary k is where epoch k
 * begins in metrics.jsonl's count from 0, which is also k epochs done.
 *
 * @example
 * epochMarks(469, 0, 1406, 10); // [{ x: 469, epoch: 1 }, { x: 938, epoch: 2 }]
 */
export function epochMarks(stepsPerEpoch: number, lo: number, hi: number, maxMarks: number): EpochMark[] {
  const first = Math.max(1, Math.floor(lo / stepsPerEpoch) + 1);
  const last = Math.floor(hi / stepsPerEpoch);
  const total = last - first + 1;
  if (!(total > 0 && Number.isFinite(total)) || maxMarks < 1) return [];
  let every = 1;
  for (let i = 0; Math.ceil(total / every) > maxMarks; i++) {
    every = THINNING[i % 3]! * 10 ** Math.floor(i / 3);
  }
  const marks: EpochMark[] = [];
  for (let k = Math.ceil(first / every) * every; k <= last; k += every) {
    marks.push({ x: k * stepsPerEpoch, epoch: k });
  }
  return marks;
}
