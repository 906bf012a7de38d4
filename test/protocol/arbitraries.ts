import fc from 'fast-check';
import type { Message, MessageOf, TensorMap } from '../../src/protocol/index.js';

/** Bit patterns that must cross the wire unchanged: NaN with payloads, ±Infinity, −0, subnormals. */
const SPECIAL_BITS = [
  0x7fc00000, 0x7fc00001, 0xffffffff, 0x7f800001, 0x7f800000, 0xff800000, 0x80000000, 0x00000001,
];

/**
 * A Float32Array of `length` floats with pseudo-random bit patterns from `seed`, with special patterns
 * sprinkled in. Filled by a PRNG rather than by fast-check so 100k-float tensors stay cheap.
 */
export function tensorOf(length: number, seed: number): Float32Array {
  const bits = new Uint32Array(length);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    bits[i] = state % 7 === 0 ? (SPECIAL_BITS[state % SPECIAL_BITS.length] ?? 0) : state;
  }
  return new Float32Array(bits.buffer);
}

/** A tensor of 0 to `maxLength` floats; 0-float tensors come up often, since they are easy to get wrong. */
export const tensor = (maxLength: number) =>
  fc
    .tuple(
      fc.oneof(
        { arbitrary: fc.constant(0), weight: 1 },
        { arbitrary: fc.integer({ min: 0, max: maxLength }), weight: 4 },
      ),
      fc.integer(),
    )
    .map(([length, seed]) => tensorOf(length, seed));

/** The accumulator names Paddle's optimizers use, and other plain identifiers a map key may be. */
const tensorKey = fc.oneof(
  fc.constantFrom('velocity', 'moment1', 'moment2', 'beta1_pow_acc', 'beta2_pow_acc', 'moment2_max'),
  fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/).filter((key) => key !== '__proto__'),
);

/**
 * A tensor map of up to `maxEntries` tensors of up to `maxLength` floats each, empty maps included. Keys come in
 * random order (not sorted), so a round trip checks that the order given is kept.
 */
export const tensorMap = (maxLength: number, maxEntries = 6): fc.Arbitrary<TensorMap> =>
  fc
    .uniqueArray(fc.tuple(tensorKey, tensor(maxLength)), {
      maxLength: maxEntries,
      selector: ([key]) => key,
    })
    .map((entries) => Object.fromEntries(entries));

// msgpack sends −0 as the integer 0, so control numbers are generated without it (tensors keep −0).
const double = (finite: boolean) =>
  fc.double({ noNaN: finite, noDefaultInfinity: finite }).map((x) => (Object.is(x, -0) ? 0 : x));
const nat = fc.oneof(fc.nat(), fc.maxSafeNat());
const text = (maxLength: number) => fc.string({ unit: 'grapheme', maxLength });
const json = fc
  .dictionary(text(8), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 })
  .map((value) => JSON.parse(JSON.stringify(value)) as Record<string, unknown>)
  .filter((value) => !Object.hasOwn(value, '__proto__'));

/** A welcome: parameters of up to `maxFloats` floats and an optimizer state of up to six smaller tensors. */
export function welcomeMessage(maxFloats: number): fc.Arbitrary<MessageOf<'welcome'>> {
  return fc.record({
    type: fc.constant('welcome' as const),
    step: nat,
    epoch: nat,
    lr: double(true),
    round: nat,
    stepsPerEpoch: fc.integer({ min: 1, max: 1 << 30 }),
    totalSteps: nat,
    plan: fc.option(json, { nil: null }),
    params: tensor(maxFloats),
    optimizerState: tensorMap(Math.ceil(maxFloats / 4)),
  });
}

/** Any protocol message, with tensors of up to `maxFloats` floats. */
export function message(maxFloats: number): fc.Arbitrary<Message> {
  const t = tensor(maxFloats);
  return fc.oneof(
    fc.record({
      type: fc.constant('join' as const),
      protocol: fc.integer({ min: 1, max: 1000 }),
      token: text(64),
      rank: fc.option(nat, { nil: null }),
      pid: nat,
      host: text(32),
      backend: text(16),
      lanes: fc.option(text(64), { nil: null }),
    }),
    fc.record({
      type: fc.constant('liveness' as const),
      protocol: fc.integer({ min: 1, max: 1000 }),
      token: text(64),
      rank: nat,
      pid: nat,
    }),
    fc.record({
      type: fc.constant('assign' as const),
      rank: nat,
      worldSize: fc.integer({ min: 1, max: 1 << 20 }),
      runId: text(32),
      config: json,
      sendParams: fc.boolean(),
      lanes: fc.boolean(),
    }),
    fc.record({
      type: fc.constant('params' as const),
      rank: nat,
      datasetSize: fc.integer({ min: 1, max: 1 << 30 }),
      layout: json,
      params: t,
    }),
    welcomeMessage(maxFloats),
    fc.record({
      type: fc.constant('push' as const),
      rank: nat,
      shard: nat,
      read: nat,
      lr: double(true),
      round: nat,
      loss: double(false),
      samples: nat,
      computeMs: fc.double({ min: 0, max: 1e9, noNaN: true }).map((x) => (Object.is(x, -0) ? 0 : x)),
      grad: t,
    }),
    fc.record({
      type: fc.constant('pushed' as const),
      round: nat,
      nextShard: nat,
      nextRound: nat,
      applied: fc.boolean(),
      code: fc.option(text(16), { nil: null }),
      tau: nat,
      scale: fc.double({ min: 0, max: 1, noNaN: true }).map((x) => (Object.is(x, -0) ? 0 : x)),
      appliedLr: fc.option(double(true), { nil: null }),
      step: nat,
      epoch: nat,
      lr: double(true),
      params: t,
    }),
    fc.record({
      type: fc.constant('gradient' as const),
      rank: nat,
      step: nat,
      round: nat,
      loss: double(false),
      samples: nat,
      computeMs: fc.double({ min: 0, max: 1e9, noNaN: true }).map((x) => (Object.is(x, -0) ? 0 : x)),
      grad: t,
    }),
    fc.record({
      type: fc.constant('update' as const),
      step: nat,
      epoch: nat,
      lr: double(true),
      round: nat,
      skipped: fc.boolean(),
      world: fc.option(json, { nil: null }),
      grad: fc.option(t, { nil: null }),
    }),
    fc.record({ type: fc.constant('evaluate' as const), step: nat, params: fc.option(t, { nil: null }) }),
    fc.record({
      type: fc.constant('evaluation' as const),
      rank: nat,
      step: nat,
      lossSum: double(false),
      correct: fc.option(nat, { nil: null }),
      examples: nat,
    }),
    fc.record({
      type: fc.constant('applied' as const),
      rank: nat,
      step: nat,
      lr: double(true),
      digest: text(64),
    }),
    fc.record({ type: fc.constant('trace' as const), rank: nat, final: fc.boolean(), spans: json }),
    fc.record({ type: fc.constant('heartbeat' as const), sentAt: double(true) }),
    fc.record({
      type: fc.constant('error' as const),
      code: text(32),
      message: text(200),
      rank: fc.option(nat, { nil: null }),
      step: fc.option(nat, { nil: null }),
    }),
    fc.record({ type: fc.constant('leave' as const), rank: nat, reason: text(100) }),
    fc.record({ type: fc.constant('stop' as const), reason: text(100), step: nat, failed: fc.boolean() }),
  );
}

/** The message's first tensor (`params` or `grad`), or null when it has none. */
export function tensorIn(message: Message): Float32Array | null {
  if ('grad' in message) return message.grad;
  if ('params' in message) return message.params;
  return null;
}

/**
 * Every tensor of a message by path, in the order the protocol sends them (written out here by hand, apart from
 * the table): `params` then `optimizerState.<key>` in the map's order; `grad`. A null tensor is listed as null.
 */
export function tensorsIn(message: Message): [string, Float32Array | null][] {
  switch (message.type) {
    case 'params':
      return [['params', message.params]];
    case 'welcome':
      return [
        ['params', message.params],
        ...Object.entries(message.optimizerState).map(
          ([key, value]) => [`optimizerState.${key}`, value] as [string, Float32Array],
        ),
      ];
    case 'gradient':
    case 'update':
      return [['grad', message.grad]];
    default:
      return [];
  }
}

/** The message without its tensor fields, for comparing control parts. */
export function controlOf(message: Message): Record<string, unknown> {
  const {
    grad: _grad,
    params: _params,
    optimizerState: _state,
    ...rest
  } = message as Message & { grad?: unknown; params?: unknown; optimizerState?: unknown };
  return rest;
}

/** Bytes of a tensor, for exact comparison including NaN payloads and −0. */
export function bytesOf(tensor: Float32Array): Buffer {
  return Buffer.from(tensor.buffer, tensor.byteOffset, tensor.byteLength);
}
