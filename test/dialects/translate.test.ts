/** The translation layer's own rules, against hand-written expectations and Python's documented behaviour. */
import { describe, expect, it } from 'vitest';
import {
  dialectOf,
  parseConfigFile,
  pyRound,
  translatePaddleDetLr,
  translatePaddleOcrLr,
  translatePaddleOcrOptimizer,
} from '../../src/dialects/index.js';
import { ConfigError } from '../../src/errors.js';

const refuse = (name: string): never => {
  throw new Error(`missing ${name}`);
};

describe('dialects', () => {
  it("pyRound rounds halves to even, as Python's round()", () => {
    // Python: round(0.5), round(1.5), round(2.5), round(7.5), round(2.4), round(2.6)
    expect([0.5, 1.5, 2.5, 7.5, 2.4, 2.6].map(pyRound)).toEqual([0, 2, 2, 8, 2, 3]);
  });

  it('tells the dialects apart by their capitalised blocks; dptrain files are no dialect', () => {
    expect(dialectOf({ Global: {}, Architecture: {} })).toBe('paddleocr');
    expect(dialectOf({ epoch: 12, LearningRate: {} })).toBe('paddledet');
    expect(dialectOf({ lr: { name: 'StepDecay' }, workers: 2 })).toBeNull();
  });

  it("reads PaddleDetection's !Tag mappings as their name: form", () => {
    expect(parseConfigFile('s:\n  - !LinearWarmup\n    steps: 3\n')).toEqual({
      s: [{ steps: 3, name: 'LinearWarmup' }],
    });
  });

  it("composes PaddleOCR's Cosine as learning_rate.py does: T_max = K·E, a LinearWarmup from 0 over round(w·K)", () => {
    const { value } = translatePaddleOcrLr(
      { name: 'Cosine', learning_rate: 0.001, warmup_epoch: 2.5 },
      { stepsPerEpoch: 3, epochs: 10 },
      'Optimizer.lr',
      refuse,
    );
    expect(value).toEqual({
      name: 'LinearWarmup',
      learning_rate: { name: 'CosineAnnealingDecay', learning_rate: 0.001, T_max: 30 },
      warmup_steps: 8,
      start_lr: 0.0,
      end_lr: 0.001,
    });
  });

  it('names the keys PaddleOCR would swallow into **kwargs', () => {
    const { ignored } = translatePaddleOcrLr(
      { name: 'Const', learning_rate: 0.1, pct_start: 0.2 },
      { stepsPerEpoch: 1 },
      'Optimizer.lr',
      refuse,
    );
    expect(ignored).toEqual(['Optimizer.lr.pct_start']);
  });

  it("PaddleDetection's PiecewiseDecay resolves as PaddleDetection's (milestones in epochs after a warmup in steps), not Paddle's", () => {
    const { value } = translatePaddleDetLr(
      {
        base_lr: 0.5,
        schedulers: [
          { name: 'PiecewiseDecay', milestones: [2], gamma: 0.1 },
          { name: 'LinearWarmup', steps: 2, start_factor: 0.5 },
        ],
      },
      { stepsPerEpoch: 5 },
      'LearningRate',
      refuse,
    );
    // Warmup values base·(0.5·(1 − i/2) + i/2) for i = 0, 1, 2; then base·0.1 from step 2·5.
    expect(value).toEqual({
      name: 'PiecewiseDecay',
      boundaries: [1, 2, 10],
      values: [0.25, 0.375, 0.5, 0.05],
    });
  });

  it("refuses a weight_decay in PaddleOCR's Optimizer block, as PaddleOCR itself fails on it", () => {
    expect(() =>
      translatePaddleOcrOptimizer({ name: 'Adam', weight_decay: 0.1, lr: {} }, 'Optimizer'),
    ).toThrow(ConfigError);
  });

  it('refuses an unknown PaddleOCR class with the list of known ones', () => {
    expect(() =>
      translatePaddleOcrLr({ name: 'CosineAnnealingDecay' }, { stepsPerEpoch: 1 }, 'Optimizer.lr', refuse),
    ).toThrow(/unknown PaddleOCR learning-rate class "CosineAnnealingDecay"; PaddleOCR's are Linear, Cosine/);
  });
});
