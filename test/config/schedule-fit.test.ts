import { readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { reportScheduleFit } from '../../src/cli/coordinator-command.js';
import { parseRunConfig, resolveRun } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors.js';
import { createScheduler } from '../../src/lr/index.js';
import { dptrain, scratch } from '../support/processes.js';

// 60,000 examples over 2 workers of batch 64: ceil(ceil(60000 / 2) / 64) = ceil(468.75) = 469 steps per epoch.
const MNIST = 60_000;

/** The run's schedule warnings, one epoch (469 steps) unless the config says otherwise. */
function warnings(file: Record<string, unknown>) {
  return resolveRun(parseRunConfig({ epochs: 1, ...file }), MNIST).scheduleWarnings;
}

const warmup = (steps: number | string, inner: unknown = 0.1) => ({
  name: 'LinearWarmup',
  learning_rate: inner,
  warmup_steps: steps,
  start_lr: 0.0,
  end_lr: 0.1,
});

/** Each misfit: the config, the key it must name, and what the message must say (the run's numbers). */
const MISFITS: readonly [string, Record<string, unknown>, string, RegExp][] = [
  [
    'a warmup longer than the run',
    { lr: warmup(5000) },
    'lr.warmup_steps',
    /^5000 steps of warmup but the run has 469 steps/,
  ],
  [
    'a milestone past the last step',
    { lr: { name: 'MultiStepDecay', learning_rate: 0.1, milestones: [300, 469, 600], gamma: 0.1 } },
    'lr.milestones',
    /^469, 600 are at or past the end of the run \(the run has 469 steps\)/,
  ],
  [
    'a boundary past the last step',
    { lr: { name: 'PiecewiseDecay', boundaries: [100, 1000], values: [0.1, 0.01, 0.001] } },
    'lr.boundaries',
    /^1000 is at or past the end of the run/,
  ],
  [
    'a T_max far longer than the run',
    { lr: { name: 'CosineAnnealingDecay', learning_rate: 0.1, T_max: 5000 } },
    'lr.T_max',
    // (1 + cos(π · 468 / 5000)) / 2 = 0.978: 98 % of the fall is still ahead at the last step.
    /^5000 steps of cosine but the run has 469 steps: the run ends 98 % of the way short/,
  ],
  [
    'a T_max far shorter than the run',
    { lr: { name: 'torch.CosineAnnealingLR', learning_rate: 0.1, T_max: 100 } },
    'lr.T_max',
    /minimum at step 100 and the LR rises again for the 369 steps left/,
  ],
  [
    'a step size that never decays',
    { lr: { name: 'StepDecay', learning_rate: 0.1, step_size: 1000 } },
    'lr.step_size',
    /^decays every 1000 steps but the run has 469 steps/,
  ],
  [
    'a polynomial decay far longer than the run',
    { lr: { name: 'PolynomialDecay', learning_rate: 0.1, decay_steps: 938 } },
    'lr.decay_steps',
    // 1 − 469 / 938 = 0.5
    /the run stops about 50 % of the way before the decay ends/,
  ],
  [
    'a schedule whose LR never changes',
    { lr: { name: 'LambdaDecay', learning_rate: 0.1, lr_lambda: '1' } },
    'lr',
    /^the learning rate is 0.1 at every step of the run \(469 steps\)/,
  ],
  [
    // After the 100 warmup steps the cosine is driven for 469 − 100 = 369 steps, not 469.
    'a nested T_max measured against the stretch after the warmup',
    { lr: warmup(100, { name: 'CosineAnnealingDecay', learning_rate: 0.1, T_max: 'total_steps' }) },
    'lr.learning_rate.T_max',
    /^469 steps of cosine but the run drives it for 369 steps \(from step 100 of the run's 469 steps\)/,
  ],
  [
    'a SequentialLR milestone past the run',
    {
      lr: {
        name: 'torch.SequentialLR',
        learning_rate: 0.1,
        schedulers: [
          { name: 'torch.ConstantLR', factor: 0.5, total_iters: 10 },
          { name: 'torch.ExponentialLR', gamma: 0.99 },
        ],
        milestones: [500],
      },
    },
    'lr.milestones',
    /^500 is at or past the end of the run .*the schedulers after it never run/,
  ],
  [
    'a warmup counted in epochs under lr_granularity: epoch',
    {
      epochs: 3,
      lr_granularity: 'epoch',
      lr: warmup(100, { name: 'CosineAnnealingDecay', learning_rate: 0.1, T_max: 3 }),
    },
    'lr.warmup_steps',
    /^100 epochs of warmup but the run has 3 epochs; lr_granularity: epoch counts the schedule in epochs/,
  ],
];

describe('schedules that do not fit the run', () => {
  it.each(MISFITS)('warns about %s, naming the key and the numbers', (_, file, key, message) => {
    const found = warnings(file).find((misfit) => misfit.key === key);
    expect(found?.message).toMatch(message);
  });

  it.each(MISFITS)('refuses %s under --strict-schedule, naming the key', (_, file, key) => {
    const resolved = resolveRun(parseRunConfig({ epochs: 1, ...file }), MNIST);
    const said: string[] = [];
    let refusal: unknown;
    try {
      reportScheduleFit(resolved, { strict: true, warn: (line) => said.push(line) });
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(ConfigError);
    expect(refusal).toMatchObject({ code: 'ERR_CONFIG_SCHEDULE_MISFIT' });
    expect((refusal as Error).message).toContain(key);
    expect(said).toEqual([]);
  });

  it('says each warning as "<key>: <message>" without --strict-schedule', () => {
    const said: string[] = [];
    reportScheduleFit(resolveRun(parseRunConfig({ epochs: 1, lr: warmup(5000) }), MNIST), {
      strict: false,
      warn: (line) => said.push(line),
    });
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(/^lr\.warmup_steps: 5000 steps of warmup but the run has 469 steps/);
  });

  it('refuses, even without --strict-schedule, a schedule whose LR is 0 at every step', () => {
    // One epoch at epoch granularity: the run only ever uses the warmup's start_lr, 0.
    const config = parseRunConfig({ epochs: 1, lr_granularity: 'epoch', lr: warmup(5) });
    expect(() => resolveRun(config, MNIST)).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIG_SCHEDULE_MISFIT', path: 'lr' }),
    );
  });

  it.each([
    ['the step default', {}],
    ['the epoch default', { lr_granularity: 'epoch' }],
    [
      'a warmup and a cosine written over the run',
      { lr: warmup(100, { name: 'CosineAnnealingDecay', learning_rate: 0.1, T_max: 'total_steps - 100' }) },
    ],
    [
      'ReduceOnPlateau (the loss decides, not a dry run)',
      { lr: { name: 'ReduceOnPlateau', learning_rate: 0.1 } },
    ],
  ])('says nothing of %s over a 3-epoch run', (_, file) => {
    expect(warnings({ epochs: 3, ...file })).toEqual([]);
  });

  it('makes the default schedule under lr_granularity: epoch a cosine over the epochs, with no warmup', () => {
    const config = parseRunConfig({ epochs: 3, lr_granularity: 'epoch' });
    const { lrVariables } = resolveRun(config, MNIST);
    const scheduler = createScheduler(config.lr, { variables: lrVariables });
    const lrs = [scheduler.lastLr];
    for (let epoch = 1; epoch < 3; epoch++) {
      if (!scheduler.metricDriven) scheduler.step();
      lrs.push(scheduler.lastLr);
    }
    // 0.1 · (1 + cos(π e / 3)) / 2 for e = 0, 1, 2
    expect(lrs[0]).toBe(0.1);
    expect(lrs[1]).toBeCloseTo(0.075, 12);
    expect(lrs[2]).toBeCloseTo(0.025, 12);
  });

  it('refuses through dptrain launch with --strict-schedule: exit 2, before any worker or run directory', async () => {
    const out = await scratch();
    const exit = await dptrain([
      'launch',
      '--task',
      'synthetic',
      '--steps',
      '5',
      '--lr.warmup-steps',
      '5000',
      '--strict-schedule',
      '--out',
      out,
    ]).exited;
    expect(exit.code, exit.stderr).toBe(2);
    expect(exit.stderr).toMatch(/^error: lr\.warmup_steps: 5000 steps of warmup but the run has 5 steps/m);
    expect(exit.stderr).toContain('--strict-schedule');
    expect(exit.stdout).not.toContain('run directory');
    expect(await readdir(out)).toEqual([]);
  });
});
