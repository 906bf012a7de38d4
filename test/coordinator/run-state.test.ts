import { describe, expect, it } from 'vitest';
import { RunState, type SerializedRunState } from '../../src/coordinator/index.js';
import { createScheduler, type LrGranularity, ScheduleClock } from '../../src/lr/index.js';
import { createOptimizer } from '../../src/optim/index.js';

const SIZE = 10;
const STEPS_PER_EPOCH = 4;

/** A deterministic stream of gradients and losses (an LCG), with a NaN round at `nanAt` that the run skips. */
function gradientAt(t: number): { grad: Float32Array; loss: number } {
  let x = (t * 2654435761 + 12345) >>> 0;
  const grad = new Float32Array(SIZE).map(() => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32 - 0.5;
  });
  return { grad, loss: 2 / (1 + t) + (x % 7) / 100 };
}

interface Setup {
  readonly lr: Record<string, unknown>;
  readonly granularity: LrGranularity;
  readonly optimizer: Record<string, unknown>;
}

function fresh(setup: Setup): RunState {
  const optimizer = createOptimizer(setup.optimizer, { sizes: [6, 4] });
  const clock = new ScheduleClock(createScheduler(setup.lr), {
    granularity: setup.granularity,
    stepsPerEpoch: STEPS_PER_EPOCH,
  });
  return new RunState({ params: new Float32Array(SIZE).fill(0.5), optimizer, clock, seed: 7, worldSize: 3 });
}

/** Advances `state` through rounds until it has `steps` completed steps; round 5 is a skipped one. */
function drive(state: RunState, steps: number, lrs: number[]): void {
  while (state.step < steps) {
    if (state.round === 5) {
      state.skipRound();
      continue;
    }
    const { grad, loss } = gradientAt(state.round);
    lrs.push(state.lr);
    state.optimizer.step(state.params, grad, state.lr);
    state.completeStep(loss, 96);
  }
}

/** A JSON round trip of the JSON half, copies of the tensors: what a checkpoint on disk gives back. */
function throughDisk(saved: SerializedRunState): SerializedRunState {
  const optimizer = Object.fromEntries(
    Object.entries(saved.tensors.optimizer).map(([k, v]) => [k, new Float32Array(v)]),
  );
  return {
    json: JSON.parse(JSON.stringify(saved.json)),
    tensors: { params: Float32Array.from(saved.tensors.params), optimizer },
  };
}

const SETUPS: readonly [string, Setup][] = [
  [
    'Adam with ReduceOnPlateau per epoch, saved mid-epoch',
    {
      lr: { name: 'ReduceOnPlateau', learning_rate: 0.1, patience: 0, factor: 0.5, threshold: 0.3 },
      granularity: 'epoch',
      optimizer: { name: 'Adam' },
    },
  ],
  [
    "Momentum with CosineAnnealingWarmRestarts per step (whose cycle Paddle's state_dict leaves out)",
    {
      lr: { name: 'CosineAnnealingWarmRestarts', learning_rate: 0.2, T_0: 3, T_mult: 2 },
      granularity: 'step',
      optimizer: { name: 'Momentum', momentum: 0.9, use_nesterov: true },
    },
  ],
];

describe('RunState', () => {
  for (const [what, setup] of SETUPS) {
    it(`saved, serialised and restored continues bit for bit as the uninterrupted run: ${what}`, () => {
      const total = 23;
      const uninterrupted = fresh(setup);
      const expectedLrs: number[] = [];
      drive(uninterrupted, total, expectedLrs);
      for (const saveAt of [0, 3, 6, 9, 14]) {
        const first = fresh(setup);
        const lrs: number[] = [];
        drive(first, saveAt, lrs);
        const saved = throughDisk(first.serialize());
        const restored = RunState.restore(saved, {
          optimizer: createOptimizer(setup.optimizer, { sizes: [6, 4] }),
          scheduler: createScheduler(setup.lr),
          granularity: setup.granularity,
          stepsPerEpoch: STEPS_PER_EPOCH,
          worldSize: 3,
        });
        drive(restored, total, lrs);
        expect(lrs).toEqual(expectedLrs);
        expect(Array.from(restored.params)).toEqual(Array.from(uninterrupted.params));
        expect(restored.optimizer.stateDict()).toEqual(uninterrupted.optimizer.stateDict());
        expect(restored.serialize().json).toEqual(uninterrupted.serialize().json);
        expect(restored).toMatchObject({
          step: total,
          round: total + 1,
          skippedSteps: 1,
          samples: total * 96,
        });
      }
    });
  }

  it('keeps a copy: the run going on after serialize() does not change what was saved', () => {
    const state = fresh(SETUPS[0]![1]);
    drive(state, 2, []);
    const saved = state.serialize();
    const before = Array.from(saved.tensors.params);
    drive(state, 4, []);
    expect(Array.from(saved.tensors.params)).toEqual(before);
    expect(saved.json.step).toBe(2);
  });

  it('refuses a state of another version, optimizer or world size, or with damaged counters, naming what does not fit', () => {
    const setup = SETUPS[0]![1];
    const state = fresh(setup);
    drive(state, 3, []);
    const saved = throughDisk(state.serialize());
    const parts = (over: Partial<{ optimizer: Record<string, unknown>; worldSize: number }> = {}) => ({
      optimizer: createOptimizer(over.optimizer ?? setup.optimizer, { sizes: [6, 4] }),
      scheduler: createScheduler(setup.lr),
      granularity: setup.granularity,
      stepsPerEpoch: STEPS_PER_EPOCH,
      worldSize: over.worldSize ?? 3,
    });
    const damaged: [string, SerializedRunState, ReturnType<typeof parts>][] = [
      ['version 3', { ...saved, json: { ...saved.json, version: 3 as 2 } }, parts()],
      ['Momentum', saved, parts({ optimizer: { name: 'Momentum' } })],
      ['4 workers', saved, parts({ worldSize: 4 })],
      ['do not add up', { ...saved, json: { ...saved.json, skippedSteps: 5 } }, parts()],
      ['step must be', { ...saved, json: { ...saved.json, step: -1 } }, parts()],
      ['float32', { ...saved, tensors: { ...saved.tensors, params: new Float32Array(3) } }, parts()],
    ];
    for (const [message, bad, with_] of damaged) {
      expect(() => RunState.restore(bad, with_), message).toThrow(
        expect.objectContaining({ code: 'ERR_TRAINING_STATE', message: expect.stringContaining(message) }),
      );
    }
  });

  it('reads a version 1 state (no data plan): its world never changed, so the epoch follows from the round', () => {
    const setup = SETUPS[1]![1];
    const state = fresh(setup);
    drive(state, 5, []);
    const { data: _, ...rest } = throughDisk(state.serialize()).json;
    const v1 = { ...throughDisk(state.serialize()), json: { ...rest, version: 1 as const } };
    const parts = (worldSize: number) => ({
      optimizer: createOptimizer(setup.optimizer, { sizes: [6, 4] }),
      scheduler: createScheduler(setup.lr),
      granularity: setup.granularity,
      stepsPerEpoch: STEPS_PER_EPOCH,
      worldSize,
      data: { datasetSize: 10, batchSize: 2 },
    });
    // 5 steps: round 5. Ten examples over 3 ranks in batches of 2 take 2 rounds an epoch: epoch 2 began at round 4.
    const same = RunState.restore(v1, parts(3));
    expect(same.data?.history).toEqual({ epoch: 2, worlds: [{ round: 4, members: [0, 1, 2] }] });
    // Two workers take over at round 5, in the middle of epoch 2.
    const fewer = RunState.restore(v1, parts(2));
    expect(fewer.data?.history).toEqual({
      epoch: 2,
      worlds: [
        { round: 4, members: [0, 1, 2] },
        { round: 5, members: [0, 1] },
      ],
    });
    expect(fewer.positions).toEqual([5, 5]);
    expect(fewer.serialize().json).toMatchObject({ version: 2, data: fewer.data?.history });
  });
});
