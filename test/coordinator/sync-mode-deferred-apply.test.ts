import { describe, expect, it } from 'vitest';
import type { ModeContext, ProcessGroup, RunPlan } from '../../src/coordinator/index.js';
import { RunState, SyncMode, Trigger } from '../../src/coordinator/index.js';
import type { TrainingError } from '../../src/errors.js';
import { createScheduler, ScheduleClock } from '../../src/lr/index.js';
import { createOptimizer } from '../../src/optim/index.js';
import { type Message, type MessageOf, parameterDigest } from '../../src/protocol/index.js';
import { DataPlan, fixedWorldHistory } from '../../src/sharding/index.js';

const SIZE = 4;
const LR = 0.5;
const STEPS = 2;

/** Rank r's gradient at step t: small exact values, so the mean is known by hand. */
const gradientOf = (rank: number, step: number) =>
  Float32Array.from({ length: SIZE }, (_, i) => rank + 2 * step + i);

/**
 * A process group with two members and no network: it records when an update is broadcast and when its delivery
 * completes (a turn of the event loop later, as a socket's write callback would), and lets the test play the
 * workers by calling the handlers the mode registered.
 */
function fakeGroup(order: string[], options: { failSendAt?: number } = {}) {
  const handlers = new Map<string, (rank: number, message: never) => void>();
  const updates: MessageOf<'update'>[] = [];
  const listeners: ((update: MessageOf<'update'>) => void)[] = [];
  const group = {
    worldSize: 2,
    members: [{ rank: 0 }, { rank: 1 }],
    failure: undefined as TrainingError | undefined,
    isEnding: false,
    handle: (type: string, handler: (rank: number, message: never) => void) => handlers.set(type, handler),
    onClose: () => {},
    isLost: () => false,
    isOpen: () => true,
    refuse: (rank: number, code: string, message: string) =>
      order.push(`refused ${rank} ${code}: ${message}`),
    within: <T>(work: Promise<T>) => work,
    race: <T>(work: Promise<T>) => work,
    lose(_rank: number, error: TrainingError) {
      group.failure ??= error;
    },
    broadcast(message: Message): Promise<void>[] {
      const update = message as MessageOf<'update'>;
      // The encoder copies the tensor when it sends: so does the fake, and the copy is what the workers apply.
      updates.push({ ...update, grad: update.grad === null ? null : Float32Array.from(update.grad) });
      order.push(`broadcast ${update.step}`);
      // A worker's answer comes in a later turn, never inside the broadcast call.
      const copy = updates.at(-1)!;
      queueMicrotask(() => {
        for (const listener of listeners) listener(copy);
      });
      return [0, 1].map(
        (rank) =>
          new Promise<void>((resolve, reject) =>
            setImmediate(() => {
              if (options.failSendAt === update.step && rank === 1) {
                order.push(`send failed ${update.step}`);
                reject(new Error('socket closed'));
                return;
              }
              order.push(`delivered ${update.step} to ${rank}`);
              resolve();
            }),
          ),
      );
    },
  };
  const send = (type: 'gradient' | 'applied', rank: number, message: object) =>
    handlers.get(type)!(rank, message as never);
  return {
    group: group as unknown as ProcessGroup,
    updates,
    send,
    onUpdate: (f: (u: MessageOf<'update'>) => void) => listeners.push(f),
  };
}

function setup(order: string[], options: { failSendAt?: number } = {}) {
  const fake = fakeGroup(order, options);
  const optimizer = createOptimizer({ name: 'SGD' }, { sizes: [SIZE] });
  const step = optimizer.step.bind(optimizer);
  optimizer.step = (params: Float32Array, grad: Float32Array, lr: number) => {
    order.push('coordinator applies');
    step(params, grad, lr);
  };
  const clock = new ScheduleClock(createScheduler({ name: 'StepDecay', learning_rate: LR, step_size: 100 }), {
    granularity: 'step',
    stepsPerEpoch: 4,
  });
  const data = new DataPlan({ datasetSize: 16, seed: 1, batchSize: 2, history: fixedWorldHistory(2, 0, 4) });
  const state = new RunState({
    params: new Float32Array(SIZE).fill(1),
    optimizer,
    clock,
    seed: 1,
    worldSize: 2,
    data,
  });
  const stepped: number[] = [];
  const mismatches: unknown[] = [];
  const context: ModeContext = {
    group: fake.group,
    state,
    plan: { totalSteps: STEPS, epochs: null, lrWorldScaling: { mode: 'none' } } as unknown as RunPlan,
    stop: new Trigger<string>(),
    onNonfinite: 'skip',
    policy: undefined as never,
    roundTimeoutMs: 10_000,
    settleMs: 1_000,
    events: {
      step: (record) => {
        order.push(`step ${record.step} recorded`);
        stepped.push(record.step);
      },
      skipped: () => {},
      mismatch: (mismatch) => mismatches.push(mismatch),
    },
    span: () => {},
    log: () => {},
  };
  return { ...fake, state, context, stepped, mismatches };
}

/** A worker's replica: its own optimizer applies each update as a real worker's does. */
function replica() {
  const params = new Float32Array(SIZE).fill(1);
  const optimizer = createOptimizer({ name: 'SGD' }, { sizes: [SIZE] });
  return {
    apply(update: MessageOf<'update'>) {
      optimizer.step(params, update.grad!, update.lr);
      return parameterDigest(params);
    },
  };
}

const gradient = (rank: number, step: number) => ({
  type: 'gradient',
  rank,
  step,
  round: step,
  loss: 1,
  samples: 2,
  computeMs: 1,
  grad: gradientOf(rank, step),
});

describe('SyncMode: the coordinator applies after the update is handed to the transport', () => {
  it('broadcasts, waits for every delivery, then applies; reports that come first are compared and agree', async () => {
    const order: string[] = [];
    const run = setup(order);
    const replicas = [replica(), replica()];
    // Both workers apply the update and report at once, before its delivery completes and before the coordinator applies.
    run.onUpdate((update) => {
      for (const rank of [0, 1]) {
        const digest = replicas[rank]!.apply(update);
        run.send('applied', rank, { type: 'applied', rank, step: update.step, lr: update.lr, digest });
        order.push(`report ${update.step} from ${rank}`);
      }
      if (update.step + 1 < STEPS)
        for (const rank of [1, 0]) run.send('gradient', rank, gradient(rank, update.step + 1));
    });
    const mode = new SyncMode(run.context);
    const done = mode.run();
    for (const rank of [0, 1]) run.send('gradient', rank, gradient(rank, 0));
    await done;
    const stepOrder = (t: number) => [
      `broadcast ${t}`,
      `report ${t} from 0`,
      `report ${t} from 1`,
      `delivered ${t} to 0`,
      `delivered ${t} to 1`,
      'coordinator applies',
      `step ${t} recorded`,
    ];
    expect(order).toEqual([...stepOrder(0), ...stepOrder(1)]);
    // By hand: step 0's mean is (g0 + g1) / 2 = [0.5, 1.5, 2.5, 3.5]; step 1's is [2.5, 3.5, 4.5, 5.5].
    expect(Array.from(run.updates[0]!.grad!)).toEqual([0.5, 1.5, 2.5, 3.5]);
    expect(Array.from(run.updates[1]!.grad!)).toEqual([2.5, 3.5, 4.5, 5.5]);
    // SGD by hand: 1 − 0.5 · (0.5 + 2.5), …
    expect(Array.from(run.state.params)).toEqual([-0.5, -1.5, -2.5, -3.5]);
    expect(mode.report().consistency).toMatchObject({
      steps: 2,
      checkedSteps: 2,
      consistent: true,
      missingReports: 0,
    });
    expect(run.mismatches).toEqual([]);
  });

  it('catches a replica that differs even when its report comes before the coordinator applied', async () => {
    const order: string[] = [];
    const run = setup(order);
    const replicas = [replica(), replica()];
    run.onUpdate((update) => {
      for (const rank of [0, 1]) {
        const digest = replicas[rank]!.apply(update);
        const reported = rank === 1 && update.step === 0 ? 'sha256:wrong' : digest;
        run.send('applied', rank, {
          type: 'applied',
          rank,
          step: update.step,
          lr: update.lr,
          digest: reported,
        });
      }
      if (update.step + 1 < STEPS)
        for (const rank of [0, 1]) run.send('gradient', rank, gradient(rank, update.step + 1));
    });
    const mode = new SyncMode(run.context);
    const done = mode.run();
    for (const rank of [0, 1]) run.send('gradient', rank, gradient(rank, 0));
    await done;
    const expectedDigest = parameterDigest(Float32Array.of(0.75, 0.25, -0.25, -0.75));
    expect(run.mismatches).toEqual([
      { rank: 1, step: 0, expectedLr: LR, appliedLr: LR, expectedDigest, digest: 'sha256:wrong' },
    ]);
    expect(mode.report().consistency).toMatchObject({
      digestMismatches: 1,
      consistent: false,
      replicasIdentical: false,
    });
  });

  it('welcomes a rejoining rank only after the deferred apply of the step that is going out', async () => {
    const order: string[] = [];
    const run = setup(order);
    const mode = new SyncMode(run.context);
    let welcomed: Promise<void> | undefined;
    run.onUpdate((update) => {
      if (update.step === 0) {
        welcomed = mode.readmit({ rank: 1 } as never, (round) => {
          order.push(`welcome at round ${round} of ${run.state.round}`);
        });
      }
      for (const rank of [0, 1]) {
        run.send('applied', rank, { type: 'applied', rank, step: update.step, lr: update.lr, digest: 'x' });
      }
      if (update.step + 1 < STEPS)
        for (const rank of [0, 1]) run.send('gradient', rank, gradient(rank, update.step + 1));
    });
    const done = mode.run();
    for (const rank of [0, 1]) run.send('gradient', rank, gradient(rank, 0));
    await done;
    await welcomed;
    const welcome = order.findIndex((entry) => entry.startsWith('welcome'));
    // Welcomed after step 0 was applied and recorded, with the run state's batch position of that moment.
    expect(order.indexOf('step 0 recorded')).toBeGreaterThan(order.indexOf('coordinator applies'));
    expect(welcome).toBeGreaterThan(order.indexOf('step 0 recorded'));
    expect(order[welcome]).toMatch(/^welcome at round (\d+) of \1$/);
    // It never comes between a broadcast and the apply that follows it.
    const last = order
      .slice(0, welcome)
      .filter((entry) => entry.startsWith('broadcast') || entry.startsWith('step'));
    expect(last.at(-1)).toMatch(/recorded$/);
  });

  it('still applies and records a step whose update could not be sent to a rank, then fails the run', async () => {
    const order: string[] = [];
    const run = setup(order, { failSendAt: 0 });
    const mode = new SyncMode(run.context);
    const done = mode.run();
    for (const rank of [0, 1]) run.send('gradient', rank, gradient(rank, 0));
    await expect(done).rejects.toMatchObject({ code: 'ERR_TRAINING_WORKER_LOST' });
    expect(order.slice(0, 5)).toEqual([
      'broadcast 0',
      'delivered 0 to 0',
      'send failed 0',
      'coordinator applies',
      'step 0 recorded',
    ]);
    expect(run.state.step).toBe(1);
    expect(Array.from(run.state.params)).toEqual([0.75, 0.25, -0.25, -0.75]);
  });
});
