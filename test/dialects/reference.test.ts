/**
 * The dialect files of test/fixtures/dialects give, bit for bit, the LR values PaddleOCR's and PaddleDetection's own
 * Python computes for them over Paddle's lr.py (reference.json, written by scripts/paddle-dialects/reference.py), read
 * the way `dptrain lr values` reads them; and the optimizers they name get the arguments those files pass to Paddle.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSchedulerConfig, traceSchedule } from '../../src/cli/lr-command.js';
import {
  parseConfigFile,
  translatePaddleDetOptimizer,
  translatePaddleOcrOptimizer,
} from '../../src/dialects/index.js';
import { parseOptimizerConfig } from '../../src/optim/index.js';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'dialects');

interface Case {
  readonly id: string;
  readonly file: string;
  readonly stepsPerEpoch?: number;
  readonly epochs?: number;
  readonly steps: number;
  /** The libm functions on the case's path (Python's come from glibc, ours from V8). */
  readonly libm: readonly string[];
}

interface Recorded {
  readonly name: string;
  readonly kwargs: Readonly<Record<string, unknown>>;
}

const cases = JSON.parse(readFileSync(join(DIR, 'cases.json'), 'utf8')) as Case[];
const reference = JSON.parse(readFileSync(join(DIR, 'reference.json'), 'utf8')) as {
  lr: Record<string, number[]>;
  optimizers: Record<string, Recorded>;
};

// V8's Math.cos and ** differ from glibc's by one ulp for a few percent of arguments; a recursive cosine carries that
// on, and 1 + cos near -1 magnifies it. Where libm is on the path this is the Paddle goldens' comparator (lr/SPEC.md
// §2 of the shared notes: relative 1e-12, or 1e-18 near 0); arithmetic alone must match every bit.
function close(a: number, b: number): boolean {
  const diff = Math.abs(a - b);
  return diff <= 1e-12 * Math.max(Math.abs(a), Math.abs(b)) || diff <= 1e-18;
}

/** The first step that differs from the reference (in any bit, or beyond `close` when `libm`), or -1. */
function firstDifference(actual: readonly number[], expected: readonly number[], libm: boolean): number {
  if (actual.length !== expected.length) return Math.min(actual.length, expected.length);
  return actual.findIndex(
    (value, i) => !Object.is(value, expected[i]) && !(libm && close(value, expected[i]!)),
  );
}

describe('Paddle dialect files against their own Python', () => {
  it.each(cases)('$id ($file) gives the reference LR at every step (libm: $libm)', async (c) => {
    const run = {
      ...(c.stepsPerEpoch === undefined ? {} : { stepsPerEpoch: c.stepsPerEpoch }),
      ...(c.epochs === undefined ? {} : { epochs: c.epochs }),
    };
    const { config, path, variables } = await readSchedulerConfig(join(DIR, c.file), run);
    const { values } = traceSchedule(config, path, c.steps, undefined, undefined, variables);
    const expected = reference.lr[c.id]!;
    const at = firstDifference(values, expected, c.libm.length > 0);
    expect(at, `step ${at}: ${values[at]} against ${expected[at]}`).toBe(-1);
  });

  const withOptimizer = cases.filter((c) => Object.hasOwn(reference.optimizers, c.id));
  it.each(withOptimizer)('$id names the optimizer its Python builds, with its arguments', (c) => {
    const document = parseConfigFile(readFileSync(join(DIR, c.file), 'utf8')) as Record<string, unknown>;
    const ocr = document.Optimizer !== undefined;
    const { value } = ocr
      ? translatePaddleOcrOptimizer(document.Optimizer, 'Optimizer')
      : translatePaddleDetOptimizer(document.OptimizerBuilder, 'OptimizerBuilder');
    const spec = parseOptimizerConfig(value) as unknown as Record<string, unknown>;
    const recorded = reference.optimizers[c.id]!;
    expect(spec.name).toBe(recorded.name);
    // What dptrain's flat-vector optimizers take of Paddle's arguments; the rest (name, lazy_mode, …) has no effect here.
    for (const key of ['momentum', 'beta1', 'beta2', 'epsilon', 'grad_clip', 'weight_decay']) {
      if (!Object.hasOwn(recorded.kwargs, key)) continue;
      const expected = recorded.kwargs[key];
      // Paddle reads a float weight_decay as L2Decay(coeff) for every optimizer but AdamW, whose float is decoupled.
      const wanted =
        key === 'weight_decay' && typeof expected === 'number' && recorded.name !== 'AdamW'
          ? { type: 'L2Decay', coeff: expected }
          : key === 'grad_clip' && expected !== null && typeof expected === 'object' && 'max' in expected
            ? expected
            : expected;
      expect(spec[key], key).toEqual(wanted);
    }
  });
});
