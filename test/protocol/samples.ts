import { type MessageOf, type MessageType, PROTOCOL_VERSION } from '../../src/protocol/index.js';

/** One valid message of every type (the mapped type makes tsc demand a sample for each new type). */
export const SAMPLES: { readonly [T in MessageType]: MessageOf<T> } = {
  join: {
    type: 'join',
    protocol: PROTOCOL_VERSION,
    token: 'secret',
    rank: null,
    pid: 4242,
    host: 'node-1',
    backend: 'wasm',
  },
  assign: {
    type: 'assign',
    rank: 1,
    worldSize: 4,
    runId: 'run-7',
    config: {
      task: 'mnist-mlp',
      seed: 7,
      batchSize: 64,
      optimizer: { name: 'momentum', momentum: 0.9 },
      tags: ['a', null],
    },
    sendParams: false,
  },
  params: {
    type: 'params',
    rank: 0,
    datasetSize: 60_000,
    layout: { sizes: [2, 1], names: ['w0', 'b0'] },
    params: Float32Array.from([1, -2, 0.5]),
  },
  welcome: {
    type: 'welcome',
    step: 0,
    epoch: 0,
    lr: 0.1,
    round: 0,
    stepsPerEpoch: 469,
    totalSteps: 1407,
    params: Float32Array.from([1, -2, 0.5]),
    optimizerState: { velocity: Float32Array.from([0.5, 0, -0.25]) },
  },
  gradient: {
    type: 'gradient',
    rank: 2,
    step: 17,
    round: 18,
    loss: 0.25,
    samples: 64,
    computeMs: 3.1,
    grad: Float32Array.from([0.5, 0.25]),
  },
  update: {
    type: 'update',
    step: 17,
    epoch: 1,
    lr: 0.05,
    round: 18,
    skipped: false,
    grad: Float32Array.from([0.375, -1]),
  },
  evaluate: { type: 'evaluate', step: 1407 },
  evaluation: { type: 'evaluation', rank: 0, step: 1407, lossSum: 712.5, correct: 9781, examples: 10_000 },
  trace: {
    type: 'trace',
    rank: 1,
    final: true,
    spans: { names: ['compute', 'send'], data: [0, 3, 1.5e15, 2100, 1, 3, 1.5e15, 80] },
  },
  applied: { type: 'applied', rank: 2, step: 17, lr: 0.05, digest: 'ab12cd34' },
  heartbeat: { type: 'heartbeat', sentAt: 1_795_612_705_617 },
  error: {
    type: 'error',
    code: 'ERR_ROUND_STEP',
    message: 'gradient for step 3 during step 4',
    rank: 3,
    step: 4,
  },
  leave: { type: 'leave', rank: 3, reason: 'SIGTERM' },
  stop: { type: 'stop', reason: 'finished', step: 1407, failed: false },
};

/** The sample of `type` with some fields replaced, typed loosely so tests can build invalid messages. */
export function sampleWith(
  type: MessageType,
  changes: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  return { ...SAMPLES[type], ...changes };
}
