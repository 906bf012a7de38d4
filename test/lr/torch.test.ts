import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SchedulerError } from '../../src/errors.js';
import { applyCall, type SchedulerCall } from '../../src/lr/call.js';
import type { SchedulerArgs } from '../../src/lr/entry.js';
import { compileLambda } from '../../src/lr/expression.js';
import type { Scheduler, StateDict } from '../../src/lr/scheduler.js';
import {
  createParamGroup,
  TORCH_SCHEDULERS,
  TorchChainedScheduler,
  TorchConstantLR,
  TorchCosineAnnealingLR,
  TorchCosineAnnealingWarmRestarts,
  TorchExponentialLR,
  TorchLinearLR,
  TorchMultiStepLR,
  TorchOneCycleLR,
  TorchPolynomialLR,
  TorchReduceLROnPlateau,
  TorchSequentialLR,
  TorchStepLR,
} from '../../src/lr/torch/index.js';
import { closeEnough, type GoldenCase, readFixture, type SchedulerSpec } from '../support/lr-golden.js';

interface TorchGolden {
  torch_version: string;
  python_version: string;
  cases: GoldenCase[];
  errors: {
    name: string;
    scheduler: SchedulerSpec;
    calls?: SchedulerCall[];
    error: string;
    raised_in: 'constructor' | 'step';
    at_call?: number;
  }[];
}

const golden = readFixture<TorchGolden>('torch-golden.json');

/** A BuildContext over TORCH_SCHEDULERS, as the config builder does it: callables compiled, children inherit. */
function build(spec: SchedulerSpec, inherited: SchedulerArgs = {}): Scheduler {
  const entry = TORCH_SCHEDULERS[spec.type];
  if (entry === undefined) throw new Error(`no torch scheduler ${spec.type}`);
  const args: Record<string, unknown> = { ...inherited };
  for (const [key, value] of Object.entries(spec.args)) {
    if (!entry.args.includes(key)) throw new Error(`${spec.type} has no argument ${key}`);
    args[key] = entry.callables?.includes(key) && typeof value === 'string' ? compileLambda(value) : value;
  }
  return entry.create(args, { build: (child, _key, from) => build(child as SchedulerSpec, from) });
}

const spec = (type: string, args: Record<string, unknown>): SchedulerSpec => ({
  type: `torch.${type}`,
  args,
});

function caught(action: () => unknown): SchedulerError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(SchedulerError);
    return error as SchedulerError;
  }
  throw new Error('expected a SchedulerError, but nothing was thrown');
}

/** Runs `calls`; after `restoreAt` calls the state goes through JSON into a fresh instance, which continues. */
function run(source: SchedulerSpec, calls: readonly SchedulerCall[], restoreAt?: number) {
  let scheduler = build(source);
  const lrs = [scheduler.lastLr];
  let saved: StateDict | undefined;
  let warnings: readonly string[] = [];
  const restoreAfter = (done: number) => {
    if (restoreAt !== done) return;
    saved = JSON.parse(JSON.stringify(scheduler.stateDict())) as StateDict;
    scheduler = build(source);
    warnings = scheduler.setStateDict(saved);
  };
  restoreAfter(0);
  for (const [i, call] of calls.entries()) {
    applyCall(scheduler, call);
    lrs.push(scheduler.lastLr);
    restoreAfter(i + 1);
  }
  return { lrs, saved, warnings };
}

/** Deep equality where numbers may differ by libm rounding (or must be identical when `exact`). */
function sameState(actual: unknown, expected: unknown, exact: boolean, path = 'state'): string[] {
  if (typeof expected === 'number' && typeof actual === 'number') {
    return closeEnough(actual, expected, exact) ? [] : [`${path}: ${actual} != ${expected}`];
  }
  if (Array.isArray(expected) && Array.isArray(actual)) {
    if (actual.length !== expected.length) return [`${path}: length ${actual.length} != ${expected.length}`];
    return expected.flatMap((item, i) => sameState(actual[i], item, exact, `${path}[${i}]`));
  }
  if (typeof expected === 'object' && expected !== null && typeof actual === 'object' && actual !== null) {
    const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
    return [...keys].flatMap((key) =>
      sameState(
        (actual as Record<string, unknown>)[key],
        (expected as Record<string, unknown>)[key],
        exact,
        `${path}.${key}`,
      ),
    );
  }
  return Object.is(actual, expected)
    ? []
    : [`${path}: ${JSON.stringify(actual)} != ${JSON.stringify(expected)}`];
}

describe('PyTorch golden LR sequences', () => {
  it('were recorded with torch 1.13', () => {
    expect(golden.torch_version).toMatch(/^1\.13\./);
  });

  it.each(golden.cases.map((c) => [c.name, c] as const))('%s matches torch', (_name, c) => {
    const exact = c.libm.length === 0;
    const calls = c.calls ?? Array<null>(c.steps).fill(null);
    const { lrs, saved, warnings } = run(c.scheduler, calls, c.restore?.at);
    expect(lrs).toHaveLength(c.lrs.length);
    const wrong = lrs
      .map((lr, k) => ({ k, lr, expected: c.lrs[k] as number }))
      .filter(({ lr, expected }) => !closeEnough(lr, expected, exact));
    expect(wrong).toEqual([]);
    if (c.restore !== undefined) {
      expect(c.restore.matches_uninterrupted).toBe(true);
      expect(sameState(saved, c.restore.state_dict, exact)).toEqual([]);
      expect(warnings).toEqual([]);
    }
  });

  it('cover all 15 torch scheduler classes, restores included', () => {
    const classes = (c: SchedulerSpec): string[] => [
      c.type,
      ...((c.args.schedulers as SchedulerSpec[] | undefined) ?? []).flatMap(classes),
    ];
    const covered = new Set(golden.cases.flatMap((c) => classes(c.scheduler)));
    expect([...covered].sort()).toEqual(Object.keys(TORCH_SCHEDULERS).sort());
    expect(golden.cases.filter((c) => c.restore !== undefined).length).toBeGreaterThanOrEqual(9);
  });
});

describe('PyTorch refusals', () => {
  const expectedCode = (e: TorchGolden['errors'][number]) =>
    e.raised_in === 'step'
      ? 'ERR_LR_STEP'
      : e.error === 'TypeError'
        ? 'ERR_LR_ARGUMENT_TYPE'
        : 'ERR_LR_ARGUMENT_VALUE';

  it.each(golden.errors.map((e) => [e.name, e] as const))(
    '%s is refused where torch refuses it',
    (_name, e) => {
      if (e.raised_in === 'constructor') {
        const error = caught(() => build(e.scheduler));
        expect({ code: error.code, pythonClass: error.pythonClass }).toEqual({
          code: expectedCode(e),
          pythonClass: e.error,
        });
        return;
      }
      const scheduler = build(e.scheduler);
      const calls = e.calls ?? [];
      for (const call of calls.slice(0, e.at_call)) applyCall(scheduler, call);
      const error = caught(() => applyCall(scheduler, calls[e.at_call as number] ?? null));
      expect({ code: error.code, pythonClass: error.pythonClass }).toEqual({
        code: 'ERR_LR_STEP',
        pythonClass: e.error,
      });
    },
  );

  it('names the argument, the rule and the value in the message', () => {
    const error = caught(() => new TorchConstantLR({ learningRate: 0.1, factor: 1.5 }));
    expect(error.message).toContain('factor');
    expect(error.message).toContain('a number in [0, 1]');
    expect(error.message).toContain('1.5');
    expect(error.argument).toBe('factor');
  });

  it('refuses a wrongly typed argument with TypeError', () => {
    const error = caught(() => new TorchStepLR({ learningRate: 0.1, stepSize: '3' as unknown as number }));
    expect({ code: error.code, pythonClass: error.pythonClass }).toEqual({
      code: 'ERR_LR_ARGUMENT_TYPE',
      pythonClass: 'TypeError',
    });
    const lr = caught(() => new TorchExponentialLR({ learningRate: -0.1, gamma: 0.9 }));
    expect({ code: lr.code, pythonClass: lr.pythonClass }).toEqual({
      code: 'ERR_LR_ARGUMENT_VALUE',
      pythonClass: 'ValueError',
    });
    expect(caught(() => new TorchExponentialLR({ gamma: 0.9 })).code).toBe('ERR_LR_ARGUMENT_TYPE');
  });

  it('refuses a last_epoch resume on a shared group that has no initial_lr (torch: KeyError)', () => {
    const group = createParamGroup(0.1);
    const error = caught(() => new TorchStepLR({ group, stepSize: 3, lastEpoch: 4 }));
    expect({ code: error.code, pythonClass: error.pythonClass }).toEqual({
      code: 'ERR_LR_ARGUMENT_VALUE',
      pythonClass: 'KeyError',
    });
  });

  it('refuses to resume OneCycleLR on a group no fresh OneCycleLR wrote max_lr into (torch: KeyError)', () => {
    const error = caught(
      () => new TorchOneCycleLR({ learningRate: 0.1, maxLr: 0.1, totalSteps: 10, lastEpoch: 3 }),
    );
    expect({ code: error.code, pythonClass: error.pythonClass }).toEqual({
      code: 'ERR_LR_ARGUMENT_VALUE',
      pythonClass: 'KeyError',
    });
  });
});

describe('composites and the shared parameter group', () => {
  const sequential = (child: Record<string, unknown>) =>
    spec('SequentialLR', {
      learning_rate: 0.1,
      schedulers: [spec('ConstantLR', {}), spec('ExponentialLR', { gamma: 0.9, ...child })],
      milestones: [3],
    });

  it('lets children inherit learning_rate and accepts the same value given again', () => {
    expect(build(sequential({})).lastLr).toBeCloseTo(0.1 / 3, 17);
    expect(build(sequential({ learning_rate: 0.1 })).lastLr).toBeCloseTo(0.1 / 3, 17);
  });

  it("refuses a child whose learning_rate differs from its parent's (one optimizer)", () => {
    const error = caught(() => build(sequential({ learning_rate: 0.2 })));
    expect({ code: error.code, pythonClass: error.pythonClass, argument: error.argument }).toEqual({
      code: 'ERR_LR_ARGUMENT_VALUE',
      pythonClass: 'ValueError',
      argument: 'learning_rate',
    });
  });

  it('refuses children on different groups, and children torch cannot step', () => {
    const a = new TorchConstantLR({ learningRate: 0.1 });
    const b = new TorchExponentialLR({ learningRate: 0.1, gamma: 0.9 });
    expect(caught(() => new TorchChainedScheduler({ schedulers: [a, b] })).pythonClass).toBe('ValueError');
    const group = createParamGroup(0.1);
    const plateau = new TorchReduceLROnPlateau({ group });
    const step = new TorchStepLR({ group, stepSize: 2 });
    const chained = new TorchChainedScheduler({ schedulers: [step] });
    const refusals = [
      () => new TorchChainedScheduler({ schedulers: [step, plateau as never] }),
      () => new TorchSequentialLR({ schedulers: [step, plateau as never], milestones: [2] }),
      () => new TorchSequentialLR({ schedulers: [step, chained as never], milestones: [2] }),
    ].map((action) => caught(action));
    expect(refusals.map((e) => [e.code, e.pythonClass])).toEqual(
      Array(3).fill(['ERR_LR_ARGUMENT_TYPE', 'TypeError']),
    );
  });

  it('lets chainable forms read a group lr changed from outside, as torch reads the optimizer', () => {
    const scheduler = new TorchStepLR({ learningRate: 1, stepSize: 2, gamma: 0.5 });
    scheduler.step();
    scheduler.group.lr = 0.3;
    scheduler.step();
    expect(scheduler.lastLr).toBe(0.15);
  });

  it('gives the chained ConstantLR + ExponentialLR values torch gives (not its docstring)', () => {
    const group = createParamGroup(1);
    const chain = new TorchChainedScheduler({
      schedulers: [
        new TorchConstantLR({ group, factor: 0.1, totalIters: 2 }),
        new TorchExponentialLR({ group, gamma: 0.9 }),
      ],
    });
    const lrs = [chain.lastLr];
    for (let i = 0; i < 3; i++) {
      chain.step();
      lrs.push(chain.lastLr);
    }
    expect(lrs.map((x) => Number(x.toPrecision(12)))).toEqual([0.1, 0.09, 0.81, 0.729]);
  });
});

describe('closed form against chainable form', () => {
  const makers: readonly (readonly [string, () => { step(epoch?: number): void; lastLr: number }])[] = [
    ['StepLR', () => new TorchStepLR({ learningRate: 0.5, stepSize: 3, gamma: 0.7 })],
    ['MultiStepLR', () => new TorchMultiStepLR({ learningRate: 0.5, milestones: [4, 9, 9, 17], gamma: 0.6 })],
    ['ConstantLR', () => new TorchConstantLR({ learningRate: 0.5, factor: 0.4, totalIters: 6 })],
    [
      'LinearLR',
      () => new TorchLinearLR({ learningRate: 0.5, startFactor: 0.2, endFactor: 0.9, totalIters: 12 }),
    ],
    ['ExponentialLR', () => new TorchExponentialLR({ learningRate: 0.5, gamma: 0.93 })],
    ['CosineAnnealingLR', () => new TorchCosineAnnealingLR({ learningRate: 0.5, tMax: 9, etaMin: 0.01 })],
    ['PolynomialLR', () => new TorchPolynomialLR({ learningRate: 0.5, totalIters: 15, power: 1.7 })],
  ];

  it.each(makers)('%s: step() n times equals step(n) within rounding', (_name, make) => {
    const chained = make();
    for (let e = 1; e <= 30; e++) {
      chained.step();
      const closed = make();
      closed.step(e);
      expect(
        closeEnough(chained.lastLr, closed.lastLr, false) || Math.abs(chained.lastLr - closed.lastLr) < 1e-15,
      ).toBe(true);
    }
  });
});

describe('state dicts', () => {
  it("hold torch's fields, JSON-safe (inf as 'inf')", () => {
    const plateau = new TorchReduceLROnPlateau({ learningRate: 0.1 });
    const state = JSON.parse(JSON.stringify(plateau.stateDict())) as StateDict;
    expect(state).toMatchObject({ best: 'inf', mode_worse: 'inf', min_lrs: [0], last_epoch: 0 });
    expect('_last_lr' in state).toBe(false);
    const fresh = new TorchReduceLROnPlateau({ learningRate: 0.1 });
    expect(fresh.setStateDict(state)).toEqual([]);
    fresh.step(1);
    expect(fresh.stateDict()).toMatchObject({ best: 1, _last_lr: [0.1] });
  });

  it('restores CosineAnnealingWarmRestarts mid-cycle (T_cur and T_i are saved)', () => {
    const a = new TorchCosineAnnealingWarmRestarts({ learningRate: 0.5, t0: 5, tMult: 2 });
    for (let i = 0; i < 7; i++) a.step();
    expect(a.stateDict()).toMatchObject({ T_cur: 2, T_i: 10 });
    const b = new TorchCosineAnnealingWarmRestarts({ learningRate: 0.5, t0: 5, tMult: 2 });
    b.setStateDict(a.stateDict());
    a.step();
    b.step();
    expect(b.lastLr).toBe(a.lastLr);
    expect(b.group.lr).toBe(a.lastLr);
  });

  it('warns about unknown and missing keys and refuses a wrongly typed one', () => {
    const scheduler = new TorchStepLR({ learningRate: 0.1, stepSize: 2 });
    const { gamma: _gamma, ...rest } = scheduler.stateDict();
    const warnings = scheduler.setStateDict({ ...rest, extra: 1 });
    expect(warnings).toHaveLength(2);
    expect(warnings.join(' ')).toContain('"gamma"');
    expect(warnings.join(' ')).toContain('"extra"');
    const error = caught(() => scheduler.setStateDict({ ...rest, last_epoch: 'three' }));
    expect(error.code).toBe('ERR_LR_STATE');
  });
});

describe('verbose', () => {
  it("prints torch's lines", () => {
    const lines: string[] = [];
    const scheduler = new TorchStepLR({
      learningRate: 0.1,
      stepSize: 1,
      verbose: (line) => lines.push(line),
    });
    scheduler.step();
    scheduler.step(5);
    const plateau = new TorchReduceLROnPlateau({
      learningRate: 0.1,
      patience: 0,
      verbose: (line) => lines.push(line),
    });
    plateau.step(1);
    plateau.step(1);
    expect(lines).toEqual([
      'Adjusting learning rate of group 0 to 1.0000e-01.',
      'Adjusting learning rate of group 0 to 1.0000e-02.',
      'Epoch 00005: adjusting learning rate of group 0 to 1.0000e-06.',
      'Epoch 00002: reducing learning rate of group 0 to 1.0000e-02.',
    ]);
  });
});

describe('save → restore → continue equals uninterrupted (fast-check)', () => {
  const epoch = fc.integer({ min: 0, max: 60 });
  const plain = fc.constant(null);
  const epochCalls = fc.oneof(
    { weight: 3, arbitrary: plain },
    { weight: 1, arbitrary: epoch.map((e) => ({ epoch: e })) },
  );
  const fractionalCalls = fc.oneof(
    { weight: 3, arbitrary: plain },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 400 }).map((q) => ({ epoch: q / 4 })) },
  );
  const metricCalls = fc
    .tuple(
      fc.double({ min: -2, max: 2, noNaN: true }),
      fc.option(fc.integer({ min: 0, max: 500 }), { nil: undefined }),
    )
    .map(([metrics, at]) => (at === undefined ? { metrics } : { metrics, epoch: at }));

  const child = (type: string, args: Record<string, unknown>) => spec(type, args);
  const subjects: readonly (readonly [SchedulerSpec, fc.Arbitrary<SchedulerCall>])[] = [
    [spec('LambdaLR', { learning_rate: 0.1, lr_lambda: '0.97 ** x' }), epochCalls],
    [spec('MultiplicativeLR', { learning_rate: 0.1, lr_lambda: '0.99' }), epochCalls],
    [spec('StepLR', { learning_rate: 0.1, step_size: 4, gamma: 0.7 }), epochCalls],
    [spec('MultiStepLR', { learning_rate: 0.1, milestones: [5, 11, 11, 20], gamma: 0.5 }), epochCalls],
    [spec('ConstantLR', { learning_rate: 0.1, factor: 0.25, total_iters: 6 }), epochCalls],
    [spec('LinearLR', { learning_rate: 0.1, start_factor: 0.2, total_iters: 9 }), epochCalls],
    [spec('ExponentialLR', { learning_rate: 0.1, gamma: 0.95 }), epochCalls],
    [
      spec('SequentialLR', {
        learning_rate: 0.1,
        schedulers: [
          child('LinearLR', { start_factor: 0.1, total_iters: 5 }),
          child('CosineAnnealingLR', { T_max: 20 }),
        ],
        milestones: [5],
      }),
      plain,
    ],
    [spec('CosineAnnealingLR', { learning_rate: 0.1, T_max: 12, eta_min: 0.001 }), epochCalls],
    [
      spec('ChainedScheduler', {
        learning_rate: 1,
        schedulers: [
          child('ConstantLR', { factor: 0.1, total_iters: 3 }),
          child('ExponentialLR', { gamma: 0.9 }),
        ],
      }),
      plain,
    ],
    [spec('ReduceLROnPlateau', { learning_rate: 0.1, factor: 0.5, patience: 2, cooldown: 2 }), metricCalls],
    [
      spec('CyclicLR', {
        learning_rate: 0.1,
        base_lr: 0.01,
        max_lr: 0.1,
        step_size_up: 3,
        step_size_down: 5,
        mode: 'triangular2',
      }),
      epochCalls,
    ],
    [
      spec('CosineAnnealingWarmRestarts', { learning_rate: 0.1, T_0: 3, T_mult: 2, eta_min: 0.001 }),
      fractionalCalls,
    ],
    [
      spec('OneCycleLR', { learning_rate: 0.1, max_lr: 0.2, total_steps: 200, three_phase: true }),
      epochCalls,
    ],
    [spec('PolynomialLR', { learning_rate: 0.1, total_iters: 25, power: 2 }), epochCalls],
  ];

  it('covers every class', () => {
    expect(subjects.map(([s]) => s.type).sort()).toEqual(Object.keys(TORCH_SCHEDULERS).sort());
  });

  it.each(subjects.map(([s, calls]) => [s.type, s, calls] as const))('%s', (_type, source, callArbitrary) => {
    fc.assert(
      fc.property(fc.array(callArbitrary, { minLength: 1, maxLength: 50 }), fc.nat(), (calls, cut) => {
        const at = cut % (calls.length + 1);
        const uninterrupted = run(source, calls).lrs;
        const { lrs, warnings } = run(source, calls, at);
        expect(warnings).toEqual([]);
        expect(lrs).toEqual(uninterrupted);
      }),
      { numRuns: 60 },
    );
  });
});
