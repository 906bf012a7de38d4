import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newestValidCheckpoint, writeCheckpoint } from '../../src/checkpoint/index.js';
import { parseRunConfig } from '../../src/config/index.js';
import { RunState, type SerializedRunState } from '../../src/coordinator/index.js';
import { createScheduler, ScheduleClock } from '../../src/lr/index.js';
import { createOptimizer } from '../../src/optim/index.js';

// A run state built as test/coordinator/run-state.test.ts builds one: Adam over a [6, 4] layout, ReduceOnPlateau
// per epoch, three workers, driven by a fixed stream of gradients with a skipped round.
const LR = { name: 'ReduceOnPlateau', learning_rate: 0.1, patience: 0, factor: 0.5, threshold: 0.3 };
const OPTIMIZER = { name: 'Adam' };
const STEPS_PER_EPOCH = 4;

function gradientAt(t: number): { grad: Float32Array; loss: number } {
  let x = (t * 2654435761 + 12345) >>> 0;
  const grad = new Float32Array(10).map(() => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32 - 0.5;
  });
  return { grad, loss: 2 / (1 + t) + (x % 7) / 100 };
}

function parts() {
  return {
    optimizer: createOptimizer(OPTIMIZER, { sizes: [6, 4] }),
    scheduler: createScheduler(LR),
    granularity: 'epoch' as const,
    stepsPerEpoch: STEPS_PER_EPOCH,
    worldSize: 3,
  };
}

function fresh(): RunState {
  const { optimizer, scheduler, granularity, stepsPerEpoch, worldSize } = parts();
  const clock = new ScheduleClock(scheduler, { granularity, stepsPerEpoch });
  return new RunState({ params: new Float32Array(10).fill(0.5), optimizer, clock, seed: 7, worldSize });
}

function drive(state: RunState, steps: number): void {
  while (state.step < steps) {
    if (state.round === 5) {
      state.skipRound();
      continue;
    }
    const { grad, loss } = gradientAt(state.round);
    state.optimizer.step(state.params, grad, state.lr);
    state.completeStep(loss, 96);
  }
}

function bytesOf(values: Float32Array): Buffer {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
}

/** The serialised state as bytes and JSON: every tensor's raw bytes, by name, and the JSON half as text. */
function asBytes(saved: SerializedRunState): { json: string; tensors: [string, string][] } {
  const tensors: [string, string][] = [['params', bytesOf(saved.tensors.params).toString('hex')]];
  for (const [name, values] of Object.entries(saved.tensors.optimizer)) {
    tensors.push([name, bytesOf(values).toString('hex')]);
  }
  return { json: JSON.stringify(saved.json), tensors };
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dptrain-ckpt-state-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('a RunState through a checkpoint file', () => {
  it('serialized, written, read and restored, serializes to the same bytes and continues as the uninterrupted run', async () => {
    const config = parseRunConfig({ lr: LR, optimizer: OPTIMIZER, workers: 3, steps: 23 });
    const uninterrupted = fresh();
    drive(uninterrupted, 23);

    const first = fresh();
    drive(first, 9);
    const saved = first.serialize();
    expect(Object.keys(saved.tensors.optimizer).length).toBeGreaterThan(0); // Adam's moments travel too
    const written = await writeCheckpoint(
      join(dir, 'checkpoints'),
      first.step,
      { config, metadata: { reason: 'every_steps' }, state: saved },
      { keep: 3 },
    );
    drive(first, 12); // the run goes on after the save; the file holds step 9

    const found = await newestValidCheckpoint(dir);
    expect(found.path).toBe(written.path);
    expect(found.step).toBe(9);
    expect(found.content.config).toEqual(JSON.parse(JSON.stringify(config)));
    expect(found.content.metadata).toEqual({ reason: 'every_steps' });
    const restored = RunState.restore(found.content.state as SerializedRunState, parts());

    expect(asBytes(restored.serialize())).toEqual(asBytes(saved));
    expect(restored.step).toBe(9);
    expect(restored.positions).toEqual(saved.json.positions);

    drive(restored, 23);
    expect(bytesOf(restored.params).equals(bytesOf(uninterrupted.params))).toBe(true);
    expect(asBytes(restored.serialize())).toEqual(asBytes(uninterrupted.serialize()));
  });

  it('writes the tensors into the file as their raw float32 bytes, params first', async () => {
    const state = fresh();
    drive(state, 3);
    const saved = state.serialize();
    const { path } = await writeCheckpoint(dir, 3, { config: null, metadata: {}, state: saved });
    const file = await readFile(path);
    const tensors = Buffer.concat([
      bytesOf(saved.tensors.params),
      ...Object.values(saved.tensors.optimizer).map(bytesOf),
    ]);
    // The tensors end where the 32-byte checksum starts.
    expect(file.subarray(file.length - 32 - tensors.length, file.length - 32).equals(tensors)).toBe(true);
  });
});
