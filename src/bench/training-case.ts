import { createHash } from 'node:crypto';
import { BenchError } from '../errors.js';
import { type CaseResult, caseResult } from './allreduce-bench.js';
import type { BenchCase } from './grid.js';
import { type BenchTransport, type LaunchedRun, launchBenchRun } from './launched-run.js';
import { expectedVectorParams, paramsMismatch, type VectorRun } from './vector-check.js';

/** The LR of every bench step: lr · B = 0.0025, far inside SGD's stable range for the bench task. */
export const BENCH_LR = 0.01;

/**
 * Throws BenchError ERR_BENCH_MISMATCH unless a finished sync run of the bench task is the run `expected`
 * describes: finished with every step, replicas identical and consistent, every step at the expected LR, and its
 * final parameters (params.f32, and the digest summary.json gives) bit for bit those of the bench's own float32
 * recomputation ({@link expectedVectorParams}).
 *
 * @example
 * checkSyncRun(run, { workers: 2, params: 1000, steps: 10, lr: BENCH_LR });
 */
export function checkSyncRun(
  run: Pick<LaunchedRun, 'dir' | 'metrics' | 'summary' | 'params'>,
  expected: VectorRun,
): void {
  const fail = (problem: string): never => {
    throw new BenchError(
      'ERR_BENCH_MISMATCH',
      `the bench run in ${run.dir} is not the run it should be: ${problem}`,
    );
  };
  const { summary } = run;
  if (summary.outcome !== 'finished' || summary.steps !== expected.steps) {
    fail(`it ${summary.outcome} after ${summary.steps} steps, expected finished after ${expected.steps}`);
  }
  if (summary.replicasIdentical !== true || !summary.consistency.consistent) {
    fail(
      'the workers and the coordinator did not hold the same parameters at every step (summary.json consistency)',
    );
  }
  const wrongLr = run.metrics.find((line) => line.lr !== expected.lr);
  if (run.metrics.length !== expected.steps || wrongLr !== undefined) {
    fail(
      wrongLr === undefined
        ? `metrics.jsonl has ${run.metrics.length} steps, expected ${expected.steps}`
        : `step ${wrongLr.step} ran at LR ${wrongLr.lr}, expected ${expected.lr}`,
    );
  }
  const want = expectedVectorParams(expected);
  const mismatch = paramsMismatch(run.params, want);
  if (mismatch !== null) fail(`its final parameters are not the recomputed ones: ${mismatch}`);
  const digest = `sha256:${createHash('sha256').update(new Uint8Array(want.buffer)).digest('hex')}`;
  if (summary.paramsDigest !== digest) {
    fail(`summary.json's paramsDigest ${summary.paramsDigest} is not the recomputed parameters' ${digest}`);
  }
}

/**
 * Measures one all-reduce case on the real training path: `dptrain launch` trains the bench task in sync mode for
 * `warmup + rounds` steps; the round times are the measured steps' `roundMs` of metrics.jsonl (from one update
 * broadcast to the next: receive, reduce, the coordinator's apply and digest, broadcast); then the run must pass
 * {@link checkSyncRun}, or the case fails with ERR_BENCH_MISMATCH.
 *
 * @example
 * const result = await runTrainingCase({ workers: 2, params: 1000, rounds: 20, warmup: 2 }); // result.medianMs
 */
export async function runTrainingCase(
  benchCase: BenchCase & { readonly timeoutMs?: number; readonly transport?: BenchTransport },
): Promise<CaseResult> {
  const { workers, params, rounds, warmup } = benchCase;
  const run: VectorRun = { workers, params, steps: warmup + rounds, lr: BENCH_LR };
  const launched = await launchBenchRun({
    mode: 'sync',
    ...run,
    ...(benchCase.timeoutMs === undefined ? {} : { timeoutMs: benchCase.timeoutMs }),
    ...(benchCase.transport === undefined ? {} : { transport: benchCase.transport }),
  });
  checkSyncRun(launched, run);
  await launched.remove();
  const times = launched.metrics.filter((line) => line.step >= warmup).map((line) => line.roundMs);
  return { ...caseResult(workers, params, times), transport: launched.summary.transport?.kind ?? 'tcp' };
}
