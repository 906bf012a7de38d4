import { describe, expect, it } from 'vitest';
import { throughputOf } from '../../src/bench/train-metrics.js';
import { BenchError } from '../../src/errors.js';

/** metrics.jsonl as a sync run writes it: a line per step, and lines of other kinds between them. */
const METRICS = [
  '{"step":0,"epoch":0,"round":0,"lr":0,"loss":2.3,"samples":64,"reduceMs":30,"roundMs":96.5,"samplesPerSec":663}',
  '{"step":1,"epoch":0,"round":1,"lr":0.001,"loss":2.3,"samples":128,"reduceMs":4,"roundMs":20,"samplesPerSec":6400}',
  '{"step":1,"evalLoss":1.9,"evalAccuracy":0.4,"evalExamples":1000}',
  '{"step":2,"epoch":0,"round":2,"lr":0.002,"loss":2.2,"samples":128,"reduceMs":4,"roundMs":30,"samplesPerSec":4267}',
  '',
  '{"step":3,"epoch":0,"round":3,"lr":0.003,"loss":2.1,"samples":64,"reduceMs":4,"roundMs":14,"samplesPerSec":4571}',
  '',
].join('\n');

describe('throughputOf', () => {
  it('divides the examples of the steps after the warm-up by the sum of their round times', () => {
    // steps 2 and 3: (128 + 64) examples in (30 + 14) ms = 192 / 0.044 s
    expect(throughputOf(METRICS, 2)).toEqual({ steps: 2, samples: 192, ms: 44, samplesPerSec: 192_000 / 44 });
    // every step: 384 examples in 160.5 ms; the evaluation line holds no round and is left out
    expect(throughputOf(METRICS, 0)).toEqual({
      steps: 4,
      samples: 384,
      ms: 160.5,
      samplesPerSec: 384_000 / 160.5,
    });
  });

  it('refuses a warm-up that leaves no step to measure', () => {
    for (const [text, warmup] of [
      [METRICS, 4],
      ['', 0],
    ] as const) {
      expect(() => throughputOf(text, warmup)).toThrow(BenchError);
      expect(() => throughputOf(text, warmup)).toThrow(
        expect.objectContaining({ code: 'ERR_BENCH_ARGUMENT' }),
      );
    }
  });
});
