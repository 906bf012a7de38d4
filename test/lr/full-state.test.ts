import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SchedulerError } from '../../src/errors.js';
import { applyCall, type SchedulerCall } from '../../src/lr/call.js';
import { createScheduler } from '../../src/lr/config.js';
import { decodeNumber, encodeNumber, FULL_STATE_VERSION } from '../../src/lr/full-state.js';
import { SCHEDULERS } from '../../src/lr/registry.js';
import type { Scheduler, StateDict } from '../../src/lr/scheduler.js';
import {
  closeEnough,
  type FnSpec,
  fnExpression,
  type GoldenCase,
  readFixture,
  type SchedulerSpec,
} from '../support/lr-golden.js';

// The expected values here are never computed by the code under test alone: a restored instance is compared
// with a second instance that ran without interruption, and the CosineAnnealingWarmRestarts pitfall is anchored
// to the golden values Paddle produced.

interface Case {
  readonly name: string;
  readonly config: Record<string, unknown>;
  readonly calls: readonly SchedulerCall[];
}

const paddleGolden = readFixture<GoldenCase[]>('lr-golden.json');
const torchGolden = readFixture<{ cases: GoldenCase[] }>('torch-golden.json').cases;

/** A golden `{type, args}` as a config, nested schedulers (also in lists) and callables converted. */
function configOf(spec: SchedulerSpec): Record<string, unknown> {
  const convert = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(convert);
    if (typeof value === 'object' && value !== null && 'fn' in value) return fnExpression(value as FnSpec);
    if (typeof value === 'object' && value !== null && 'type' in value)
      return configOf(value as SchedulerSpec);
    return value;
  };
  const config: Record<string, unknown> = { name: spec.type };
  for (const [key, value] of Object.entries(spec.args)) config[key] = convert(value);
  return config;
}

const fromGolden = (golden: GoldenCase): Case => ({
  name: golden.name,
  config: configOf(golden.scheduler),
  calls: golden.calls ?? Array<null>(golden.steps).fill(null),
});

const plain = (n: number): SchedulerCall[] => Array<null>(n).fill(null);
const metrics = (values: readonly number[]): SchedulerCall[] => values.map((m) => ({ metrics: m }));

/** Nestings and values the goldens do not hold: nested cycles and recursions, non-finite numbers, -0. */
const extraCases: readonly Case[] = [
  {
    name: 'LinearWarmup(CosineAnnealingWarmRestarts)',
    config: {
      name: 'LinearWarmup',
      learning_rate: { name: 'CosineAnnealingWarmRestarts', learning_rate: 0.5, T_0: 3, T_mult: 2 },
      warmup_steps: 4,
      start_lr: 0,
      end_lr: 0.5,
    },
    calls: plain(30),
  },
  {
    name: 'LinearWarmup(LinearLR), a recursive inner',
    config: {
      name: 'LinearWarmup',
      learning_rate: { name: 'LinearLR', learning_rate: 0.2, total_steps: 8, start_factor: 0.25 },
      warmup_steps: 3,
      start_lr: 0.01,
      end_lr: 0.05,
    },
    calls: plain(20),
  },
  {
    name: 'LinearWarmup(LinearWarmup(CosineAnnealingWarmRestarts))',
    config: {
      name: 'LinearWarmup',
      learning_rate: {
        name: 'LinearWarmup',
        learning_rate: { name: 'CosineAnnealingWarmRestarts', learning_rate: 0.3, T_0: 4 },
        warmup_steps: 2,
        start_lr: 0,
        end_lr: 0.3,
      },
      warmup_steps: 3,
      start_lr: 0,
      end_lr: 0.1,
    },
    calls: plain(25),
  },
  {
    name: 'ReduceOnPlateau fed infinite and NaN metrics',
    config: { name: 'ReduceOnPlateau', learning_rate: 1, patience: 1, factor: 0.5, cooldown: 1 },
    calls: metrics([Number.POSITIVE_INFINITY, 3, Number.NEGATIVE_INFINITY, 2, Number.NaN, 1, 1, 0, -1, 5]),
  },
  {
    name: 'torch.ReduceLROnPlateau fed infinite and NaN metrics',
    config: { name: 'torch.ReduceLROnPlateau', learning_rate: 1, patience: 1, factor: 0.5, mode: 'max' },
    calls: metrics([Number.NaN, 1, Number.POSITIVE_INFINITY, 2, 3, Number.NEGATIVE_INFINITY, 0, 0, 0]),
  },
  {
    name: 'torch.ChainedScheduler(ConstantLR, CosineAnnealingWarmRestarts)',
    config: {
      name: 'torch.ChainedScheduler',
      learning_rate: 0.4,
      schedulers: [
        { name: 'torch.ConstantLR', factor: 0.5, total_iters: 3 },
        { name: 'torch.CosineAnnealingWarmRestarts', T_0: 3, T_mult: 2 },
      ],
    },
    calls: plain(20),
  },
  {
    // 0 * -0.5 = -0: the lr alternates between 0 and -0, which JSON alone would turn into 0.
    name: 'torch.ExponentialLR with a negative gamma on lr 0 (-0 values)',
    config: { name: 'torch.ExponentialLR', learning_rate: 0, gamma: -0.5 },
    calls: plain(6),
  },
  {
    // PaddleOCR's own schedulers: a restart every cycle, and a recursion that changes its half period at T_max1.
    name: 'ppocr.CyclicalCosineDecay',
    config: { name: 'ppocr.CyclicalCosineDecay', learning_rate: 0.1, T_max: 12, cycle: 4 },
    calls: plain(10),
  },
  {
    name: 'ppocr.TwoStepCosineDecay',
    config: { name: 'ppocr.TwoStepCosineDecay', learning_rate: 0.1, T_max1: 3, T_max2: 8 },
    calls: plain(12),
  },
];

const allCases: readonly Case[] = [
  ...paddleGolden.map(fromGolden),
  ...torchGolden.map(fromGolden),
  ...extraCases,
];

/** Deep equality with Object.is on every leaf (so NaN equals NaN and -0 differs from 0). */
function same(a: unknown, b: unknown): boolean {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return Object.is(a, b);
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length || keysA.some((key, i) => key !== keysB[i])) return false;
  return keysA.every((key) => same((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}

const throughJson = (state: StateDict) => JSON.parse(JSON.stringify(state)) as StateDict;

interface Trace {
  readonly lrs: number[];
  readonly stateDicts: StateDict[];
}

/** Runs `calls` on `scheduler` from call `from` on, recording lastLr and stateDict() after each. */
function trace(scheduler: Scheduler, calls: readonly SchedulerCall[], from = 0): Trace {
  const lrs = [scheduler.lastLr];
  const stateDicts = [scheduler.stateDict()];
  for (const call of calls.slice(from)) {
    applyCall(scheduler, call);
    lrs.push(scheduler.lastLr);
    stateDicts.push(scheduler.stateDict());
  }
  return { lrs, stateDicts };
}

/** Where a restored run differs from the uninterrupted one (empty when it continues exactly). */
function divergence(
  uninterrupted: Trace,
  restored: Trace,
  k: number,
): { k: number; at: number; what: string }[] {
  const found: { k: number; at: number; what: string }[] = [];
  restored.lrs.forEach((lr, i) => {
    const at = k + i;
    if (!Object.is(lr, uninterrupted.lrs[at]))
      found.push({ k, at, what: `lr ${lr} != ${uninterrupted.lrs[at]}` });
    if (!same(restored.stateDicts[i], uninterrupted.stateDicts[at])) {
      found.push({ k, at, what: `stateDict ${JSON.stringify(restored.stateDicts[i])}` });
    }
  });
  return found;
}

/** The full states of one run after 0, 1, … N calls, each through JSON (what a checkpoint file holds). */
function savedStates(config: Record<string, unknown>, calls: readonly SchedulerCall[]): StateDict[] {
  const b = createScheduler(config);
  const saved = [throughJson(b.fullState())];
  for (const call of calls) {
    applyCall(b, call);
    saved.push(throughJson(b.fullState()));
  }
  return saved;
}

function classesOf(config: unknown): string[] {
  if (Array.isArray(config)) return config.flatMap(classesOf);
  if (typeof config !== 'object' || config === null) return [];
  const record = config as Record<string, unknown>;
  return [
    ...(typeof record.name === 'string' ? [record.name] : []),
    ...Object.values(record).flatMap(classesOf),
  ];
}

describe('fullState: save at any call, restore into a fresh instance, continue', () => {
  it('the cases cover all 34 scheduler classes, Paddle, torch and PaddleOCR', () => {
    const covered = new Set(allCases.flatMap((c) => classesOf(c.config)));
    const all = Object.keys(SCHEDULERS).filter((name) => name !== 'LRScheduler');
    expect(all).toHaveLength(34);
    expect([...covered].sort()).toEqual(all.sort());
  });

  it.each(allCases.map((c) => [c.name, c] as const))(
    '%s: from every save point 0 … N (first, cycle boundaries, middle, last) the values and state dicts equal the uninterrupted run bit for bit',
    (_name, c) => {
      const uninterrupted = trace(createScheduler(c.config), c.calls);
      const saved = savedStates(c.config, c.calls);
      const problems: { k: number; at: number; what: string }[] = [];
      for (let k = 0; k <= c.calls.length; k++) {
        const restored = createScheduler(c.config);
        restored.setFullState(saved[k] as StateDict);
        problems.push(...divergence(uninterrupted, trace(restored, c.calls, k), k));
      }
      expect(problems.slice(0, 5)).toEqual([]);
    },
  );

  it('fullState() has no side effects: the run that was saved at every call matches the uninterrupted one', () => {
    for (const c of allCases) {
      const uninterrupted = trace(createScheduler(c.config), c.calls);
      const saving = createScheduler(c.config);
      const lrs = [saving.lastLr];
      for (const call of c.calls) {
        saving.fullState();
        applyCall(saving, call);
        lrs.push(saving.lastLr);
      }
      expect(lrs.every((lr, i) => Object.is(lr, uninterrupted.lrs[i]))).toBe(true);
    }
  });

  it('starts with class and version 1 for every class', () => {
    for (const c of allCases) {
      const state = createScheduler(c.config).fullState();
      expect({ class: state.class, version: state.version }).toEqual({
        class: c.config.name,
        version: FULL_STATE_VERSION,
      });
      expect(FULL_STATE_VERSION).toBe(1);
    }
  });
});

describe('what a state dict alone loses', () => {
  const pitfall = paddleGolden.find((c) => c.name === 'Restore_CosineAnnealingWarmRestarts_PITFALL');

  it("CosineAnnealingWarmRestarts: Paddle's stateDict restarts the cycle, fullState continues it", () => {
    expect(pitfall?.restore?.matches_uninterrupted).toBe(false);
    const golden = pitfall as GoldenCase & { restore: NonNullable<GoldenCase['restore']> };
    const config = configOf(golden.scheduler);
    const calls = plain(golden.steps);
    const at = golden.restore.at;

    const uninterrupted = trace(createScheduler(config), calls);
    const saver = createScheduler(config);
    for (const call of calls.slice(0, at)) applyCall(saver, call);
    const byStateDict = createScheduler(config);
    expect(byStateDict.setStateDict(throughJson(saver.stateDict()))).toEqual([]);
    const byFullState = createScheduler(config);
    byFullState.setFullState(throughJson(saver.fullState()));
    // Both restored instances look the same to Paddle's state dict; only the cycle position differs.
    expect(byStateDict.stateDict()).toEqual(byFullState.stateDict());

    const viaStateDict = [...uninterrupted.lrs.slice(0, at), ...trace(byStateDict, calls, at).lrs];
    const viaFullState = [...uninterrupted.lrs.slice(0, at), ...trace(byFullState, calls, at).lrs];
    expect(viaStateDict.some((lr, i) => !Object.is(lr, uninterrupted.lrs[i]))).toBe(true);
    expect(viaFullState.every((lr, i) => Object.is(lr, uninterrupted.lrs[i]))).toBe(true);
    // Anchored to Paddle: the state-dict restore is what Paddle observed, the full-state one its uninterrupted run.
    const uninterruptedGolden = golden.restore.lrs_uninterrupted as number[];
    expect(viaStateDict.every((lr, i) => closeEnough(lr, golden.lrs[i] as number, false))).toBe(true);
    expect(viaFullState.every((lr, i) => closeEnough(lr, uninterruptedGolden[i] as number, false))).toBe(
      true,
    );
  });

  it('ReduceOnPlateau: an infinite best becomes null through JSON in the state dict, and stays -inf in the full state', () => {
    const config = { name: 'ReduceOnPlateau', learning_rate: 1, patience: 0, factor: 0.5 };
    const calls = metrics([Number.NEGATIVE_INFINITY, 5, 5]);
    const uninterrupted = trace(createScheduler(config), calls);
    const saver = createScheduler(config);
    applyCall(saver, calls[0] as SchedulerCall);
    const full = throughJson(saver.fullState());
    expect(full.best).toBe('-inf');
    expect(throughJson(saver.stateDict()).best).toBeNull();

    const byStateDict = createScheduler(config);
    byStateDict.setStateDict(throughJson(saver.stateDict()));
    const byFullState = createScheduler(config);
    byFullState.setFullState(full);
    // Uninterrupted, 5 is worse than -inf and halves the lr; after the JSON state dict it is the first best.
    expect(uninterrupted.lrs).toEqual([1, 1, 0.5, 0.25]);
    expect(trace(byStateDict, calls, 1).lrs).toEqual([1, 1, 0.5]);
    expect(trace(byFullState, calls, 1).lrs).toEqual([1, 0.5, 0.25]);
  });
});

describe('numbers in a full state survive JSON', () => {
  it('encodes NaN, ±Infinity and -0 as "nan", "inf", "-inf", "-0.0", every other number as itself', () => {
    expect(
      [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0, 0.1].map(encodeNumber),
    ).toEqual(['nan', 'inf', '-inf', '-0.0', 0, 0.1]);
    expect(['Infinity', 'NaN', null, true, '0.1'].map(decodeNumber)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('any double, through encodeNumber, JSON and decodeNumber, comes back bit for bit', () => {
    fc.assert(
      fc.property(fc.double(), (x) => {
        const back = decodeNumber(JSON.parse(JSON.stringify(encodeNumber(x))));
        expect(Object.is(back, x)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it("torch.ReduceLROnPlateau's best starts at ±inf and is written as a string", () => {
    const min = createScheduler({ name: 'torch.ReduceLROnPlateau', learning_rate: 0.1 });
    const max = createScheduler({ name: 'torch.ReduceLROnPlateau', learning_rate: 0.1, mode: 'max' });
    expect([min.fullState().best, max.fullState().best]).toEqual(['inf', '-inf']);
  });
});

describe('save, restore, continue under random calls', () => {
  const cawr = fc.record({
    family: fc.constantFrom('CosineAnnealingWarmRestarts', 'torch.CosineAnnealingWarmRestarts'),
    T_0: fc.integer({ min: 1, max: 6 }),
    T_mult: fc.integer({ min: 1, max: 3 }),
    eta_min: fc.constantFrom(0, 0.001),
  });
  // Plain steps, with now and then an explicit (possibly fractional) epoch, as in a resumed SGDR run.
  const cawrCall: fc.Arbitrary<SchedulerCall> = fc.oneof(
    { weight: 4, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.double({ min: 0, max: 60, noNaN: true }).map((epoch) => ({ epoch })) },
  );

  function restoredMatches(
    config: Record<string, unknown>,
    calls: readonly SchedulerCall[],
    at: number,
  ): void {
    const uninterrupted = trace(createScheduler(config), calls);
    const saved = savedStates(config, calls.slice(0, at))[at] as StateDict;
    const restored = createScheduler(config);
    restored.setFullState(saved);
    expect(divergence(uninterrupted, trace(restored, calls, at), at)).toEqual([]);
  }

  it('CosineAnnealingWarmRestarts (Paddle and torch) continues its cycle from any save point', () => {
    fc.assert(
      fc.property(
        cawr,
        fc.array(cawrCall, { minLength: 1, maxLength: 40 }),
        fc.nat(),
        ({ family, ...args }, calls, seed) => {
          restoredMatches({ name: family, learning_rate: 0.5, ...args }, calls, seed % (calls.length + 1));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('ReduceOnPlateau and torch.ReduceLROnPlateau keep best and counters, infinite and NaN metrics included', () => {
    const metric = fc.oneof(
      { weight: 8, arbitrary: fc.double({ min: -3, max: 3, noNaN: true }) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
      },
    );
    fc.assert(
      fc.property(
        fc.constantFrom('ReduceOnPlateau', 'torch.ReduceLROnPlateau'),
        fc.constantFrom('min', 'max'),
        fc.array(metric, { minLength: 1, maxLength: 40 }),
        fc.nat(),
        (name, mode, values, seed) => {
          const config = { name, learning_rate: 1, mode, patience: 1, cooldown: 2, factor: 0.5 };
          restoredMatches(config, metrics(values), seed % (values.length + 1));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('setFullState refusals', () => {
  const error = (action: () => unknown): SchedulerError => {
    try {
      action();
    } catch (caught) {
      expect(caught).toBeInstanceOf(SchedulerError);
      return caught as SchedulerError;
    }
    throw new Error('expected a SchedulerError, but nothing was thrown');
  };
  const refusal = (action: () => unknown, key: string) => {
    const e = error(action);
    expect(e.code).toBe('ERR_LR_STATE');
    // The message must name the key at fault (the wording is free).
    expect(e.message).toContain(key);
  };
  const cawrConfig = { name: 'CosineAnnealingWarmRestarts', learning_rate: 0.5, T_0: 3 };
  const advanced = (config: Record<string, unknown>, calls: readonly SchedulerCall[]) => {
    const scheduler = createScheduler(config);
    for (const call of calls) applyCall(scheduler, call);
    return throughJson(scheduler.fullState());
  };
  const cawrState = advanced(cawrConfig, plain(4));
  const without = (state: StateDict, key: string): StateDict =>
    Object.fromEntries(Object.entries(state).filter(([k]) => k !== key));

  it('refuses a state of another class, Paddle or torch', () => {
    const step = advanced({ name: 'StepDecay', learning_rate: 0.5, step_size: 2 }, plain(3));
    refusal(
      () => createScheduler({ name: 'ExponentialDecay', learning_rate: 0.5, gamma: 0.9 }).setFullState(step),
      '"class"',
    );
    const torchStep = advanced({ name: 'torch.StepLR', learning_rate: 0.5, step_size: 2 }, plain(3));
    refusal(
      () => createScheduler({ name: 'StepDecay', learning_rate: 0.5, step_size: 2 }).setFullState(torchStep),
      '"class"',
    );
    refusal(() => createScheduler(cawrConfig).setFullState(without(cawrState, 'class')), '"class"');
  });

  it('refuses a missing key', () => {
    refusal(() => createScheduler(cawrConfig).setFullState(without(cawrState, 'T_cur')), '"T_cur"');
    refusal(() => createScheduler(cawrConfig).setFullState(without(cawrState, 'last_lr')), '"last_lr"');
  });

  it('refuses a wrong type, inside nested objects too', () => {
    refusal(() => createScheduler(cawrConfig).setFullState({ ...cawrState, T_i: '3' }), '"T_i"');
    refusal(() => createScheduler(cawrConfig).setFullState({ ...cawrState, last_lr: null }), '"last_lr"');
    refusal(
      () => createScheduler(cawrConfig).setFullState({ ...cawrState, last_epoch: 'Infinity' }),
      '"last_epoch"',
    );
    const torchConfig = { name: 'torch.StepLR', learning_rate: 0.5, step_size: 2 };
    const torchState = advanced(torchConfig, plain(3));
    const badGroup = { ...torchState, group: { ...(torchState.group as StateDict), lr: true } };
    refusal(() => createScheduler(torchConfig).setFullState(badGroup), '"group.lr"');
    refusal(() => createScheduler(cawrConfig).setFullState(null as unknown as StateDict), 'object');
    refusal(() => createScheduler(cawrConfig).setFullState([] as unknown as StateDict), 'object');
  });

  it('refuses another version, and unknown keys', () => {
    refusal(() => createScheduler(cawrConfig).setFullState({ ...cawrState, version: 2 }), '"version"');
    refusal(() => createScheduler(cawrConfig).setFullState(without(cawrState, 'version')), '"version"');
    refusal(() => createScheduler(cawrConfig).setFullState({ ...cawrState, T_0: 3 }), '"T_0"');
  });

  it('refuses a nested state of another class or shape, naming where it sits', () => {
    const warmup = (inner: unknown) => ({
      name: 'LinearWarmup',
      learning_rate: inner,
      warmup_steps: 2,
      start_lr: 0,
      end_lr: 0.5,
    });
    const overStep = warmup({ name: 'StepDecay', learning_rate: 0.5, step_size: 2 });
    const overExp = warmup({ name: 'ExponentialDecay', learning_rate: 0.5, gamma: 0.9 });
    refusal(() => createScheduler(overStep).setFullState(advanced(overExp, plain(4))), 'LinearWarmup_LR');
    refusal(() => createScheduler(warmup(0.5)).setFullState(advanced(overStep, plain(4))), 'LinearWarmup_LR');
    refusal(() => createScheduler(overStep).setFullState(advanced(warmup(0.5), plain(4))), 'LinearWarmup_LR');

    const sequential = torchGolden.find((c) => c.scheduler.type === 'torch.SequentialLR') as GoldenCase;
    const config = configOf(sequential.scheduler);
    const state = advanced(config, plain(12));
    const children = state._schedulers as unknown as StateDict[];
    refusal(
      () => createScheduler(config).setFullState({ ...state, _schedulers: children.slice(1) }),
      '_schedulers',
    );
    const wrongChild = { ...state, _schedulers: [children[0], { ...children[1], class: 'torch.StepLR' }] };
    refusal(() => createScheduler(config).setFullState(wrongChild as StateDict), '_schedulers[1]');
  });

  it('a refused state changes nothing: any key removed or mistyped, anywhere in the tree, for every class', () => {
    // One case per class; the state comes from the middle of its run, the target is fresh, so a half-done
    // restore (a composite's first child, say) would show.
    const perClass = new Map<string, Case>();
    for (const c of allCases)
      if (!perClass.has(String(c.config.name))) perClass.set(String(c.config.name), c);
    const samples = [...perClass.values()].map((c) => ({
      c,
      state: advanced(c.config, c.calls.slice(0, Math.floor(c.calls.length / 2))),
    }));
    const paths = (value: unknown, prefix: (string | number)[] = []): (string | number)[][] => {
      if (typeof value !== 'object' || value === null) return [];
      const entries = Array.isArray(value)
        ? value.map((item, i) => [i, item] as const)
        : Object.entries(value as Record<string, unknown>);
      return entries.flatMap(([key, item]) => [[...prefix, key], ...paths(item, [...prefix, key])]);
    };
    const damaged = (state: unknown, path: readonly (string | number)[], remove: boolean): unknown => {
      const [head, ...rest] = path;
      if (Array.isArray(state)) {
        const copy = [...state];
        copy[head as number] =
          rest.length === 0 ? { bogus: true } : damaged(state[head as number], rest, remove);
        return copy;
      }
      const copy = { ...(state as Record<string, unknown>) };
      if (rest.length > 0) copy[head as string] = damaged(copy[head as string], rest, remove);
      else if (remove) delete copy[head as string];
      else copy[head as string] = { bogus: true };
      return copy;
    };
    fc.assert(
      fc.property(fc.constantFrom(...samples), fc.nat(), fc.boolean(), ({ c, state }, pick, remove) => {
        const all = paths(state);
        const path = all[pick % all.length] as (string | number)[];
        const target = createScheduler(c.config);
        const before = target.fullState();
        const e = error(() => target.setFullState(damaged(state, path, remove) as StateDict));
        expect(e.code).toBe('ERR_LR_STATE');
        expect(same(target.fullState(), before)).toBe(true);
      }),
      { numRuns: 600 },
    );
  });
});
