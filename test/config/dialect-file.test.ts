import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  dialectFileNote,
  parseRunConfig,
  resolveRun,
  resumeRunConfig,
  runConfigAsFile,
  runConfigToYaml,
} from '../../src/config/index.js';
import { parseConfigFile } from '../../src/dialects/index.js';
import { ConfigError } from '../../src/errors.js';
import { createScheduler, ScheduleClock } from '../../src/lr/index.js';

/**
 * A whole PaddleOCR or PaddleDetection file as a run config. The expected LRs are the ones PaddleOCR's and
 * PaddleDetection's own Python computed for the same steps per epoch and epochs (test/fixtures/dialects/
 * reference.json, scripts/paddle-dialects/reference.py), the optimizers the arguments that Python passed to Paddle,
 * and the warning lines are written by hand from the fixtures' top-level blocks.
 */
const FIXTURES = new URL('../fixtures/dialects/', import.meta.url);
const reference = JSON.parse(readFileSync(new URL('reference.json', FIXTURES), 'utf8')) as {
  lr: Record<string, number[]>;
  optimizers: Record<string, { name: string; kwargs: Record<string, unknown> }>;
};

function fixture(path: string): unknown {
  return parseConfigFile(readFileSync(new URL(path, FIXTURES), 'utf8'), path);
}

/** The LR of each of the first `steps` global steps of an `lr` config, stepped as the coordinator steps it. */
function lrs(
  lr: Readonly<Record<string, unknown>>,
  variables: Readonly<Record<string, number>>,
  steps: number,
) {
  const scheduler = createScheduler(lr, { path: 'lr', variables });
  const clock = new ScheduleClock(scheduler, {
    granularity: 'step',
    stepsPerEpoch: variables.steps_per_epoch!,
  });
  const out: number[] = [];
  for (let step = 0; step < steps; step++) {
    out.push(clock.lr);
    clock.completeStep(1.0);
  }
  return out;
}

/** Equal to the reference within 1e-12 relative: V8's Math.cos differs from glibc's by an ulp now and then. */
function expectClose(actual: readonly number[], expected: readonly number[]) {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((value, i) => {
    expect(Math.abs(value - expected[i]!), `step ${i}`).toBeLessThanOrEqual(1e-12 * Math.abs(expected[i]!));
  });
}

function refusal(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

const ONE_WORKER = { workers: 1, batch_size: 64 };
const OCR = 'paddleocr/ch_PP-OCRv3_det_student.yml';

describe('a whole dialect file as a run config', () => {
  // One worker of batch 64: a data set of 64 K examples is K steps per epoch.
  it.each([
    // PP-OCRv3: Cosine(0.001, warmup_epoch 2) over Global.epoch_num 500 epochs of 2 steps = 1000 steps.
    { id: 'ppocr-det-student', file: OCR, k: 2, epochs: 500 },
    // PaddleDetection's PiecewiseDecay (milestones 216, 243 epochs after a 4000-step LinearWarmup), epoch: 270.
    { id: 'ppdet-270e-tags', file: 'paddledet/optimizer_270e.yml', k: 20, epochs: 270 },
    // PaddleDetection's CosineDecay (max_epochs 96) after a 5-epoch LinearWarmup, epoch: 80.
    { id: 'ppdet-80e-tags', file: 'paddledet/optimizer_80e.yml', k: 6, epochs: 80 },
  ])(
    '$id: the file gives the epochs, the data set the steps per epoch, and the LRs are its Python’s',
    (c) => {
      const config = parseRunConfig(fixture(c.file), ONE_WORKER);
      expect(config.epochs).toBe(c.epochs);
      const resolved = resolveRun(config, 64 * c.k);
      expect(resolved).toMatchObject({ stepsPerEpoch: c.k, totalSteps: c.k * c.epochs });
      const expected = reference.lr[c.id]!;
      const steps = Math.min(resolved.totalSteps, expected.length);
      expectClose(lrs(resolved.lr, resolved.lrVariables, steps), expected.slice(0, steps));
    },
  );

  it('translates the optimizer into the arguments PaddleOCR and PaddleDetection pass to Paddle', () => {
    const ocr = reference.optimizers['ppocr-det-student']!.kwargs;
    expect(parseRunConfig(fixture(OCR)).optimizer).toEqual({
      name: 'Adam',
      beta1: ocr.beta1,
      beta2: ocr.beta2,
      weight_decay: ocr.weight_decay,
    });
    const det = reference.optimizers['ppdet-270e-tags']!.kwargs;
    expect(parseRunConfig(fixture('paddledet/optimizer_270e.yml')).optimizer).toEqual({
      name: 'Momentum',
      momentum: det.momentum,
      weight_decay: det.weight_decay,
    });
  });

  it('names what it read and every block it ignored in one line', () => {
    expect(dialectFileNote(fixture(OCR))).toBe(
      'PaddleOCR file: read Optimizer (Adam, lr Cosine), Global.epoch_num as epochs (500); ' +
        'ignored the rest of Global, Architecture, Loss, PostProcess, Metric, Train, Eval',
    );
    expect(dialectFileNote(fixture('paddledet/optimizer_80e.yml'))).toBe(
      'PaddleDetection file: read LearningRate, OptimizerBuilder, epoch as epochs (80); ignored nothing',
    );
    expect(dialectFileNote({ workers: 2 })).toBeNull();
  });

  it('lets flags override: --steps replaces Global.epoch_num, and the schedule follows the run', () => {
    const overrides = { ...ONE_WORKER, steps: 6, optimizer: { beta1: 0.8 } };
    const config = parseRunConfig(fixture(OCR), overrides);
    expect(config).toMatchObject({ steps: 6, epochs: null, workers: 1 });
    expect(config.optimizer).toMatchObject({ name: 'Adam', beta1: 0.8, beta2: 0.999 });
    expect(dialectFileNote(fixture(OCR), overrides)).toMatch(
      /^PaddleOCR file: read Optimizer \(Adam, lr Cosine\); ignored Global.epoch_num \(--steps gives the run length\), /,
    );
    // 2 steps per epoch over 3 epochs: warmup round(2 × 2) = 4 steps from 0 to 0.001, then a cosine of T_max 2 × 3.
    const resolved = resolveRun(config, 128);
    const cosine = (t: number) => (0.001 * (1 + Math.cos((Math.PI * t) / 6))) / 2;
    expectClose(lrs(resolved.lr, resolved.lrVariables, 6), [
      0,
      0.00025,
      0.0005,
      0.00075,
      cosine(0),
      cosine(1),
    ]);
  });

  it('counts the epochs a run given in steps touches: 5 steps of 2 per epoch are 3 PaddleOCR epochs', () => {
    const resolved = resolveRun(parseRunConfig(fixture(OCR), { ...ONE_WORKER, steps: 5 }), 128);
    expect(resolved.epochs).toBe(2.5);
    expect(resolved.lr).toMatchObject({ learning_rate: { T_max: 6 } });
  });

  it('writes the translated schedule into config.yaml, and keeps the dialect in what a checkpoint records', () => {
    const config = parseRunConfig(fixture(OCR), ONE_WORKER);
    const resolved = resolveRun(config, 128);
    const written = parse(runConfigToYaml(config, resolved)) as Record<string, unknown>;
    expect(written).not.toHaveProperty('lr_dialect');
    expect(written.lr).toEqual({
      name: 'LinearWarmup',
      learning_rate: { name: 'CosineAnnealingDecay', learning_rate: 0.001, T_max: 1000 },
      warmup_steps: 4,
      start_lr: 0,
      end_lr: 0.001,
    });
    expect(parseRunConfig(written).lrDialect).toBeNull();
    const saved = runConfigAsFile(config);
    expect(saved).not.toHaveProperty('lr');
    expect(parseRunConfig(saved)).toEqual(config);
    // Resumed with the same file, the schedule is the checkpoint's: nothing to refuse.
    expect(resumeRunConfig(saved, fixture(OCR), {}).lrDialect).toEqual(config.lrDialect);
  });

  it.each([
    ['lr: of its own in the file', { lr: { name: 'StepDecay', learning_rate: 0.1, step_size: 2 } }, {}, 'lr'],
    ['optimizer: of its own in the file', { optimizer: { name: 'SGD' } }, {}, 'optimizer'],
    ['task: in the file', { task: 'synthetic' }, {}, 'task'],
    ['--lr.… flags', {}, { lr: { name: 'StepDecay', learning_rate: 0.1, step_size: 2 } }, 'lr'],
    ['lr_granularity: epoch', {}, { lr_granularity: 'epoch' }, 'lr_granularity'],
  ])('refuses mixing dptrain’s %s with a dialect file, naming both', (_, added, overrides, key) => {
    const file = { ...(fixture(OCR) as Record<string, unknown>), ...added };
    const error = refusal(() => parseRunConfig(file, overrides));
    expect(error).toMatchObject({ code: 'ERR_CONFIG_CONFLICT', path: key });
    if (key !== 'lr_granularity') expect(error.message).toMatch(/Optimizer|PaddleOCR/);
  });

  it('refuses a bad key inside the dialect block before the data set size is known', () => {
    const file = fixture('paddledet/optimizer_80e.yml') as Record<string, Record<string, unknown>>;
    const schedulers = [{ name: 'CosineDecay', max_epoch: 96 }, { name: 'LinearWarmup' }];
    const error = refusal(() => parseRunConfig({ ...file, LearningRate: { base_lr: 0.1, schedulers } }));
    expect(error).toMatchObject({
      code: 'ERR_CONFIG_UNKNOWN_KEY',
      path: 'LearningRate.schedulers.0.max_epoch',
    });
  });
});
