import { BenchError } from '../errors.js';

/** The measured part of a training run: the steps after the warm-up, their examples and their time. */
export interface Throughput {
  /** steps measured (the run's steps minus the warm-up) */
  readonly steps: number;
  readonly samples: number;
  readonly ms: number;
  readonly samplesPerSec: number;
}

/**
 * Samples/s of a sync run from its metrics.jsonl text: the examples of every step from `warmup` on, divided by
 * the sum of their `roundMs` (broadcast to broadcast, so the sum is the wall time from the update of step
 * `warmup − 1` to the last update). Lines without a `step` (evaluations, notes) are left out. Throws
 * BenchError ERR_BENCH_ARGUMENT when no step is left after the warm-up.
 *
 * @example
 * throughputOf('{"step":0,"samples":64,"roundMs":90}\n{"step":1,"samples":64,"roundMs":10}\n', 1).samplesPerSec; // 6400
 */
export function throughputOf(metricsJsonl: string, warmup: number): Throughput {
  let steps = 0;
  let samples = 0;
  let ms = 0;
  for (const line of metricsJsonl.split('\n')) {
    if (line.trim() === '') continue;
    const entry = JSON.parse(line) as { step?: unknown; samples?: unknown; roundMs?: unknown };
    if (typeof entry.step !== 'number' || typeof entry.roundMs !== 'number') continue;
    if (entry.step < warmup) continue;
    steps += 1;
    samples += Number(entry.samples);
    ms += entry.roundMs;
  }
  if (steps === 0 || !(ms > 0)) {
    throw new BenchError(
      'ERR_BENCH_ARGUMENT',
      `metrics.jsonl holds no step at or after the warm-up of ${warmup} steps; run more steps than --warmup`,
    );
  }
  return { steps, samples, ms, samplesPerSec: (samples * 1000) / ms };
}
