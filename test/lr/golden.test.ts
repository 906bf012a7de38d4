import { describe, expect, it } from 'vitest';
import { SchedulerError } from '../../src/errors.js';
import { applyCall } from '../../src/lr/call.js';
import { createScheduler } from '../../src/lr/config.js';
import type { StateDict } from '../../src/lr/scheduler.js';
import {
  closeEnough,
  type GoldenCase,
  type GoldenError,
  readFixture,
  toConfig,
} from '../support/lr-golden.js';

const cases = readFixture<GoldenCase[]>('lr-golden.json');
const errors = readFixture<GoldenError[]>('lr-golden-errors.json');

function run(golden: GoldenCase): number[] {
  const config = toConfig(golden.scheduler);
  let scheduler = createScheduler(config);
  const lrs = [scheduler.lastLr];
  for (let k = 1; k <= golden.steps; k++) {
    applyCall(scheduler, golden.calls?.[k - 1] ?? null);
    lrs.push(scheduler.lastLr);
    if (golden.restore?.at === k) {
      const saved = JSON.parse(JSON.stringify(scheduler.stateDict())) as StateDict;
      expect(saved).toEqual(golden.restore.state_dict);
      scheduler = createScheduler(config);
      scheduler.setStateDict(saved);
    }
  }
  return lrs;
}

describe('Paddle golden LR sequences', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s matches Paddle', (_name, golden) => {
    const exact = golden.libm.length === 0;
    const lrs = run(golden);
    expect(lrs).toHaveLength(golden.lrs.length);
    const wrong = lrs
      .map((lr, k) => ({ k, lr, expected: golden.lrs[k]! }))
      .filter(({ lr, expected }) => !closeEnough(lr, expected, exact));
    expect(wrong).toEqual([]);
  });

  it('covers all 17 Paddle scheduler classes', () => {
    const classes = new Set(cases.map((c) => c.scheduler.type));
    expect(classes.size).toBe(17);
  });
});

describe('Paddle argument refusals', () => {
  const expectedCode = (e: GoldenError) =>
    e.raised_in === 'step'
      ? 'ERR_LR_STEP'
      : e.error === 'TypeError'
        ? 'ERR_LR_ARGUMENT_TYPE'
        : e.error === 'NotImplementedError'
          ? 'ERR_LR_ABSTRACT'
          : 'ERR_LR_ARGUMENT_VALUE';

  const distinguishable = errors.filter((e) => e.js_distinguishable !== false);

  it.each(distinguishable.map((e) => [e.name, e] as const))('%s is refused like Paddle', (_name, golden) => {
    const attempt = () => {
      const scheduler = createScheduler(toConfig(golden.scheduler));
      expect(golden.raised_in).toBe('step');
      for (const call of golden.calls ?? []) applyCall(scheduler, call);
    };
    let caught: unknown;
    try {
      attempt();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SchedulerError);
    const error = caught as SchedulerError;
    expect({ code: error.code, pythonClass: error.pythonClass }).toEqual({
      code: expectedCode(golden),
      pythonClass: golden.error,
    });
  });

  it.each(errors.filter((e) => e.js_distinguishable === false).map((e) => [e.name, e] as const))(
    '%s is accepted: its only fault is a Python int/float distinction a JS number cannot express',
    (_name, golden) => {
      const scheduler = createScheduler(toConfig(golden.scheduler));
      expect(Number.isFinite(scheduler.lastLr)).toBe(true);
    },
  );
});
