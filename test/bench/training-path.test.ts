import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LaunchedRun, launchBenchRun } from '../../src/bench/launched-run.js';
import { BENCH_LR, checkSyncRun } from '../../src/bench/training-case.js';
import type { VectorRun } from '../../src/bench/vector-check.js';
import { BenchError } from '../../src/errors.js';

const RUN: VectorRun = { workers: 2, params: 1000, steps: 6, lr: BENCH_LR };
let run: LaunchedRun;

beforeAll(async () => {
  run = await launchBenchRun({ mode: 'sync', ...RUN });
}, 60_000);
afterAll(async () => {
  await run?.remove();
});

function mismatch(check: () => void): BenchError {
  try {
    check();
  } catch (error) {
    expect(error).toBeInstanceOf(BenchError);
    return error as BenchError;
  }
  throw new Error('the check passed');
}

describe('the bench run on the real training path', () => {
  it('trains the bench task through dptrain launch and ends on the recomputed parameters', () => {
    expect(run.metrics.map((line) => line.step)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(run.metrics.every((line) => line.roundMs > 0)).toBe(true);
    expect(() => checkSyncRun(run, RUN)).not.toThrow();
  });

  it('fails the check when the expectation is another run: another LR, world, length or gradient', () => {
    for (const wrong of [
      { ...RUN, lr: 0.02 },
      { ...RUN, workers: 3 },
      { ...RUN, steps: 5 },
      { ...RUN, params: 999 },
    ]) {
      const error = mismatch(() => checkSyncRun(run, wrong));
      expect(error.code).toBe('ERR_BENCH_MISMATCH');
    }
    // A parameter that is off by one ulp, as one rank's different gradient at the last step would leave it.
    const params = Float32Array.from(run.params);
    params[537] = Math.fround(params[537]! * (1 + 2 ** -23));
    expect(params[537]).not.toBe(run.params[537]);
    const error = mismatch(() => checkSyncRun({ ...run, params }, RUN));
    expect(error.code).toBe('ERR_BENCH_MISMATCH');
    expect(error.message).toMatch(/1 of 1000 parameters differ; the first, \[537\]/);
    const digest = mismatch(() =>
      checkSyncRun({ ...run, summary: { ...run.summary, paramsDigest: 'sha256:00' } }, RUN),
    );
    expect(digest.message).toMatch(/paramsDigest/);
  });
});
