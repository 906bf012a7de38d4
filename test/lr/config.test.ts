import { describe, expect, it } from 'vitest';
import { ConfigError, SchedulerError } from '../../src/errors.js';
import { createScheduler, loadSchedulerConfig } from '../../src/lr/config.js';
import { LinearWarmup, MultiStepDecay } from '../../src/lr/index.js';

const warmupYaml = `
lr:
  name: LinearWarmup
  learning_rate:            # a number or a nested scheduler config
    name: MultiStepDecay
    learning_rate: 0.007
    milestones: [300, 400]
    gamma: 0.1
  warmup_steps: 2000
  start_lr: 0.0
  end_lr: 0.007
`;

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('createScheduler', () => {
  it('builds the issue example from YAML under lr:, with the nested scheduler constructed', () => {
    const { config, path } = loadSchedulerConfig(warmupYaml);
    const scheduler = createScheduler(config, { path });
    expect(scheduler).toBeInstanceOf(LinearWarmup);
    const inner = (scheduler as LinearWarmup).learningRate;
    expect(inner).toBeInstanceOf(MultiStepDecay);
    for (let i = 0; i < 2300; i++) if (!scheduler.metricDriven) scheduler.step();
    expect(scheduler.lastLr).toBeCloseTo(0.0007, 15);
  });

  it('accepts scheduler: as an alias of the nested learning_rate, and refuses both at once', () => {
    const inner = { name: 'StepDecay', learning_rate: 0.1, step_size: 2 };
    const base = { name: 'LinearWarmup', warmup_steps: 2, start_lr: 0, end_lr: 0.1 };
    expect(createScheduler({ ...base, scheduler: inner })).toBeInstanceOf(LinearWarmup);
    const error = caught(() => createScheduler({ ...base, scheduler: inner, learning_rate: inner }));
    expect(error).toMatchObject({ code: 'ERR_CONFIG_CONFLICT' });
  });

  it('accepts a JSON string and top-level YAML', () => {
    expect(createScheduler('{"name": "StepDecay", "learning_rate": 0.5, "step_size": 2}').lastLr).toBe(0.5);
    const { config, path } = loadSchedulerConfig('name: ExponentialDecay\nlearning_rate: 0.1\ngamma: 0.9\n');
    expect(path).toBe('');
    expect(createScheduler(config, { path }).lastLr).toBe(0.1);
  });

  it('names the key path of an unknown argument and lists the accepted ones', () => {
    const error = caught(() =>
      createScheduler({
        name: 'LinearWarmup',
        learning_rate: { name: 'StepDecay', learning_rate: 0.1, step: 3 },
        warmup_steps: 2,
        start_lr: 0,
        end_lr: 0.1,
      }),
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ code: 'ERR_CONFIG_UNKNOWN_KEY', path: 'lr.learning_rate.step' });
    expect((error as Error).message).toContain('step_size');
  });

  it('names the key path of a bad value inside a nested scheduler, keeping the Python class', () => {
    const error = caught(() =>
      createScheduler({
        name: 'LinearWarmup',
        scheduler: { name: 'MultiStepDecay', learning_rate: 0.1, milestones: [3, 5], gamma: 2 },
        warmup_steps: 2,
        start_lr: 0,
        end_lr: 0.1,
      }),
    );
    expect(error).toBeInstanceOf(SchedulerError);
    expect(error).toMatchObject({
      code: 'ERR_LR_ARGUMENT_VALUE',
      pythonClass: 'ValueError',
      argument: 'gamma',
    });
    expect((error as Error).message).toMatch(/^lr\.scheduler\.gamma: /);
  });

  it('refuses an unknown scheduler name and suggests the torch. spelling', () => {
    const error = caught(() => createScheduler({ name: 'StepLR', step_size: 2 }));
    expect(error).toMatchObject({ code: 'ERR_CONFIG_UNKNOWN_NAME', path: 'lr.name' });
    expect((error as Error).message).toContain('Did you mean torch.StepLR?');
    const missing = caught(() => createScheduler({ learning_rate: 0.1 }));
    expect(missing).toMatchObject({ code: 'ERR_CONFIG_MISSING_KEY', path: 'lr.name' });
    const notMapping = caught(() => createScheduler([1, 2]));
    expect(notMapping).toMatchObject({ code: 'ERR_CONFIG_BAD_VALUE', path: 'lr' });
  });

  it('suggests the scheduler or argument a typo meant, and lists the names only when none is that close', () => {
    const typo = caught(() =>
      createScheduler({ name: 'CosineAnealingDecay', learning_rate: 0.1, T_max: 10 }),
    );
    expect(typo).toMatchObject({ code: 'ERR_CONFIG_UNKNOWN_NAME', path: 'lr.name' });
    expect((typo as Error).message).toBe(
      'lr.name: unknown scheduler "CosineAnealingDecay". Did you mean CosineAnnealingDecay?',
    );
    // PaddleOCR's / PaddleDetection's own names, written in dptrain's lr: block, get dptrain's name for them.
    const dialect = caught(() => createScheduler({ name: 'CosineDecay', learning_rate: 0.1 }));
    expect((dialect as Error).message).toBe(
      'lr.name: unknown scheduler "CosineDecay": that is a PaddleOCR/PaddleDetection name; here it is CosineAnnealingDecay (T_max in scheduler calls), or give the dialect\'s whole Optimizer/LearningRate block (see Bringing a Paddle config)',
    );
    const far = caught(() => createScheduler({ name: 'Banana' }));
    expect((far as Error).message).toContain('Known: NoamDecay, PiecewiseDecay');
    const argument = caught(() => createScheduler({ name: 'StepDecay', learning_rate: 0.1, step_sise: 2 }));
    expect(argument).toMatchObject({ code: 'ERR_CONFIG_UNKNOWN_KEY', path: 'lr.step_sise' });
    expect((argument as Error).message).toContain(
      'is not an argument of StepDecay (did you mean step_size?)',
    );
  });

  it('compiles lr_lambda expressions and refuses a bad one with its key path', () => {
    const scheduler = createScheduler({
      name: 'LambdaDecay',
      learning_rate: 0.5,
      lr_lambda: '0.95 ** epoch',
    });
    if (!scheduler.metricDriven) scheduler.step();
    expect(scheduler.lastLr).toBe(0.5 * 0.95);
    const error = caught(() =>
      createScheduler({ name: 'LambdaDecay', learning_rate: 0.5, lr_lambda: 'process.exit(1)' }),
    );
    expect(error).toMatchObject({ code: 'ERR_CONFIG_BAD_VALUE', path: 'lr.lr_lambda' });
  });

  it('evaluates numeric arguments written over run variables, and only then', () => {
    const config = { name: 'CosineAnnealingDecay', learning_rate: 0.1, T_max: 'total_steps - 100' };
    const scheduler = createScheduler(config, {
      variables: { total_steps: 1407, steps_per_epoch: 469, epochs: 3 },
    });
    expect(scheduler).toMatchObject({ tMax: 1307 });
    expect(caught(() => createScheduler(config))).toMatchObject({ code: 'ERR_LR_ARGUMENT_TYPE' });
    const milestones = createScheduler(
      { name: 'MultiStepDecay', learning_rate: 0.1, milestones: ['steps_per_epoch', '2 * steps_per_epoch'] },
      { variables: { steps_per_epoch: 10 } },
    );
    expect(milestones).toMatchObject({ milestones: [10, 20] });
    const unknown = caught(() =>
      createScheduler({ ...config, T_max: 'total_step' }, { variables: { total_steps: 1 } }),
    );
    expect(unknown).toMatchObject({ code: 'ERR_CONFIG_BAD_VALUE', path: 'lr.T_max' });
  });

  it('refuses YAML syntax errors and duplicate keys with the line', () => {
    expect(caught(() => loadSchedulerConfig('name: StepDecay\n  bad: [1,\n'))).toMatchObject({
      code: 'ERR_CONFIG_SYNTAX',
    });
    const duplicate = caught(() => loadSchedulerConfig('name: StepDecay\nname: ExponentialDecay\n'));
    expect(duplicate).toMatchObject({ code: 'ERR_CONFIG_SYNTAX' });
    expect((duplicate as Error).message).toContain('line 2');
  });
});

describe('null where Python has None', () => {
  function lrs(config: Record<string, unknown>, steps: number): number[] {
    const scheduler = createScheduler(config);
    const seen: number[] = [];
    for (let i = 0; i < steps; i++) {
      seen.push(scheduler.lastLr);
      if (!scheduler.metricDriven) scheduler.step();
    }
    return seen;
  }

  it('takes step_size_down: null and scale_fn: null as left out in torch.CyclicLR and CyclicLR (down = up)', () => {
    // Triangular from 0.1 to 1.0 in 2 steps up and, with step_size_down None, 2 steps down: by hand.
    const expected = [0.1, 0.55, 1.0, 0.55, 0.1, 0.55, 1.0];
    const torch = { name: 'torch.CyclicLR', base_lr: 0.1, max_lr: 1.0, step_size_up: 2 };
    for (const value of lrs({ ...torch, step_size_down: null, scale_fn: null }, 7).entries()) {
      expect(value[1]).toBeCloseTo(expected[value[0]]!, 15);
    }
    const paddle = { name: 'CyclicLR', base_learning_rate: 0.1, max_learning_rate: 1.0, step_size_up: 2 };
    for (const value of lrs({ ...paddle, step_size_down: null, scale_fn: null }, 7).entries()) {
      expect(value[1]).toBeCloseTo(expected[value[0]]!, 15);
    }
  });

  it('takes total_steps: null in torch.OneCycleLR when epochs and steps_per_epoch give it', () => {
    // 10 steps, pct_start 0.3: up over steps 0..2 from 1/25 to 1 by cosine, so step 1 is halfway (by hand).
    const seen = lrs(
      { name: 'torch.OneCycleLR', max_lr: 1.0, total_steps: null, epochs: 1, steps_per_epoch: 10 },
      3,
    );
    expect(seen[0]).toBeCloseTo(0.04, 15);
    expect(seen[1]).toBeCloseTo(0.52, 15);
    expect(seen[2]).toBeCloseTo(1.0, 15);
  });

  it('still refuses null for an argument whose Python default is not None, naming it', () => {
    const paddle = { name: 'CyclicLR', base_learning_rate: 0.1, max_learning_rate: 1.0, step_size_up: null };
    const error = caught(() => createScheduler(paddle));
    expect(error).toBeInstanceOf(SchedulerError);
    expect((error as Error).message).toContain('step_size_up');
    expect((error as Error).message).toContain('null');
  });
});
