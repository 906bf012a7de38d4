/**
 * Every message dptrain's coordinator and workers exchange, written once as a table (`MESSAGES`). The
 * TypeScript types, the validator and the codec are all derived from it: to add a message, add a row.
 *
 * @example
 * const hello: JoinMessage = { type: 'join', protocol: PROTOCOL_VERSION, token: 't', rank: null, pid: 1, host: 'h', backend: 'wasm', lanes: null };
 */

/** Bumped whenever a message's shape or the frame layout changes; peers with another version are refused. */
export const PROTOCOL_VERSION = 6;

/** Upper bounds (UTF-8 bytes) of the strings messages carry. */
export const STRING_LIMITS = {
  /** the shared secret in `join` */
  token: 4096,
  /** free text: error messages, leave and stop reasons */
  text: 4096,
  /** host names (DNS allows 253) */
  host: 255,
  /** identifiers: backend names, run ids, error codes, digests */
  name: 256,
} as const;

/** A plain, msgpack-able description of the run that a worker needs (task, seed, batch size, optimizer, …). */
export type RunSpec = Readonly<Record<string, unknown>>;

/** An integer field of at least `min`. */
export interface IntegerField {
  readonly kind: 'integer';
  readonly min: number;
}

/** A number field; `finite: false` lets NaN and ±Infinity through (e.g. a diverged loss). */
export interface NumberField {
  readonly kind: 'number';
  readonly finite: boolean;
  readonly min: number;
}

/** A string field of at most `maxBytes` UTF-8 bytes. */
export interface StringField {
  readonly kind: 'string';
  readonly maxBytes: number;
}

export interface BooleanField {
  readonly kind: 'boolean';
}

/** A plain-data object (`RunSpec`): nested objects, arrays, strings, numbers, booleans and null only. */
export interface RecordField {
  readonly kind: 'record';
}

export type ScalarField = IntegerField | NumberField | StringField | BooleanField | RecordField;

/** A scalar field that may also be `null`. */
export interface NullableField {
  readonly kind: 'nullable';
  readonly inner: ScalarField;
}

export type FieldSpec = ScalarField | NullableField;

/** Who sends a message: a worker, the coordinator, or both. */
export type Party = 'worker' | 'coordinator' | 'both';

/** A Float32Array field; a `nullable` one may be `null` (sent as `null` in the control part). */
export interface TensorField {
  readonly kind: 'tensor';
  readonly nullable: boolean;
}

/**
 * A named map of Float32Arrays (`TensorMap`), e.g. an optimizer's accumulators: at most `maxEntries` keys,
 * each matching `TENSOR_KEY_PATTERN` and at most `maxKeyLength` characters long. May be empty.
 */
export interface TensorMapField {
  readonly kind: 'tensorMap';
  readonly maxEntries: number;
  readonly maxKeyLength: number;
}

export type TensorFieldSpec = TensorField | TensorMapField;

/** The value of a `TensorMapField`: Float32Arrays by name, in the order they were sent. */
export type TensorMap = Readonly<Record<string, Float32Array>>;

/** Default bounds of a tensor map: room for every Paddle optimizer's accumulators (Adam keeps five) and more. */
export const TENSOR_MAP_LIMITS = { entries: 16, keyLength: 64 } as const;

/**
 * The keys a tensor map accepts: plain identifiers, so a key never needs escaping in a descriptor path
 * (`optimizerState.moment1`) and never reorders (integer-like keys would). `__proto__` is excluded: assigning
 * it on a plain object replaces the prototype instead of adding an entry.
 */
export const TENSOR_KEY_PATTERN = /^(?!__proto__$)[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * One row of the table. `tensors` lists the message's Float32Array fields in the order the codec sends them:
 * all of them travel back to back as raw little-endian float32 bytes after the MessagePack control part,
 * never through msgpack. A tensor field's name never appears in `fields`.
 */
export interface MessageSpec {
  readonly from: Party;
  readonly fields: Readonly<Record<string, FieldSpec>>;
  readonly tensors?: Readonly<Record<string, TensorFieldSpec>>;
}

const integer = (min: number) => ({ kind: 'integer', min }) as const;
const number = (options: { finite: boolean; min?: number }) =>
  ({ kind: 'number', finite: options.finite, min: options.min ?? Number.NEGATIVE_INFINITY }) as const;
const string = (maxBytes: number) => ({ kind: 'string', maxBytes }) as const;
const boolean = () => ({ kind: 'boolean' }) as const;
const record = () => ({ kind: 'record' }) as const;
const nullable = <F extends ScalarField>(inner: F) => ({ kind: 'nullable', inner }) as const;
const tensor = <const N extends boolean>(options: { nullable: N }) =>
  ({ kind: 'tensor', nullable: options.nullable }) as const;
const tensorMap = (options: { maxEntries?: number; maxKeyLength?: number } = {}) =>
  ({
    kind: 'tensorMap',
    maxEntries: options.maxEntries ?? TENSOR_MAP_LIMITS.entries,
    maxKeyLength: options.maxKeyLength ?? TENSOR_MAP_LIMITS.keyLength,
  }) as const;

const rank = integer(0);
const step = integer(0);
const epoch = integer(0);
const lr = number({ finite: true });

/**
 * The protocol. `from` says who sends it; every field is required (a nullable field is sent as `null`).
 * `loss` may be NaN or ±Infinity: a diverged step is the coordinator's policy to handle, like a NaN gradient.
 */
export const MESSAGES = {
  /**
   * a worker asks to join the run (`rank: null` lets the coordinator choose); `lanes` is the tensor-lane directory
   * its launcher gave it (workers on the coordinator's host), null for none
   */
  join: {
    from: 'worker',
    fields: {
      protocol: integer(1),
      token: string(STRING_LIMITS.token),
      rank: nullable(rank),
      pid: integer(0),
      host: string(STRING_LIMITS.host),
      backend: string(STRING_LIMITS.name),
      lanes: nullable(string(STRING_LIMITS.text)),
    },
  },
  /**
   * the first message of a worker process's second connection, opened by its liveness thread after `assign`:
   * the connection then carries only heartbeats, both ways, so a worker whose main thread computes for longer
   * than `heartbeat_timeout` is still heard, and one whose process hangs is not. `rank` and `pid` must be those
   * of the member already admitted; the token is checked as a join's is
   */
  liveness: {
    from: 'worker',
    fields: { protocol: integer(1), token: string(STRING_LIMITS.token), rank, pid: integer(0) },
  },
  /**
   * rendezvous complete: the worker's rank and the run; only rank 0 gets `sendParams: true`; `lanes: true` when the
   * coordinator takes the worker's `join.lanes`: its sync gradients and updates then go through the lanes there
   */
  assign: {
    from: 'coordinator',
    fields: {
      rank,
      worldSize: integer(1),
      runId: string(STRING_LIMITS.name),
      config: record(),
      sendParams: boolean(),
      lanes: boolean(),
    },
  },
  /**
   * rank 0's initial parameters, the size of its training set and the parameter layout
   * (`{ sizes: number[], names: string[] }`, per tensor in flat order)
   */
  params: {
    from: 'worker',
    fields: { rank, datasetSize: integer(1), layout: record() },
    tensors: { params: tensor({ nullable: false }) },
  },
  /**
   * the coordinator's copy of the parameters and of its optimizer's accumulators (Paddle's names: `velocity`;
   * `moment1`, `moment2`, `beta1_pow_acc`, `beta2_pow_acc`, `moment2_max`; none for SGD), so a worker that joins
   * or restarts mid-run continues bit-identically: training starts at global `step` after `round` batches were
   * consumed (skipped steps consume a batch too); `stepsPerEpoch` lets a worker check it sees the same data
   */
  welcome: {
    from: 'coordinator',
    fields: {
      step,
      epoch,
      lr,
      round: integer(0),
      stepsPerEpoch: integer(1),
      totalSteps: integer(0),
      plan: nullable(record()),
    },
    tensors: { params: tensor({ nullable: false }), optimizerState: tensorMap() },
  },
  /**
   * one worker's gradient for `step`, computed on batch `round` (a skipped step consumes a batch, so the two
   * differ after a skip)
   */
  gradient: {
    from: 'worker',
    fields: {
      rank,
      step,
      round: integer(0),
      loss: number({ finite: false }),
      samples: integer(0),
      computeMs: number({ finite: true, min: 0 }),
    },
    tensors: { grad: tensor({ nullable: false }) },
  },
  /**
   * the averaged gradient for `step` (batch `round`); `grad: null` when the step was skipped; `world` (null when it
   * stays) is the world from batch `round + 1` on after a lost rank (`on_worker_failure: shrink`): `{round, members,
   * unfinished}` as the data plan's `resize` takes it
   */
  update: {
    from: 'coordinator',
    fields: { step, epoch, lr, round: integer(0), skipped: boolean(), world: nullable(record()) },
    tensors: { grad: tensor({ nullable: true }) },
  },
  /**
   * async mode: a worker's gradient of batch `round` of rank `shard`'s shard (a batch count: epoch × batches per
   * shard + position), computed on the parameters of global step `read`; `shard` is the worker's own rank, or a lost
   * rank's whose batches the coordinator handed it (`on_worker_failure: shrink`); `lr` is the LR the coordinator sent
   * with those parameters, reported back so the consistency check can compare it with the coordinator's record
   */
  push: {
    from: 'worker',
    fields: {
      rank,
      shard: rank,
      read: step,
      lr,
      round: integer(0),
      loss: number({ finite: false }),
      samples: integer(0),
      computeMs: number({ finite: true, min: 0 }),
    },
    tensors: { grad: tensor({ nullable: false }) },
  },
  /**
   * async mode: the answer to every `push` (a dropped gradient too: never an `error`). `applied` says whether
   * the gradient of batch `round` was applied; if not, `code` says why. `tau` is its staleness (global step
   * minus `read`), `scale` the factor of the staleness policy and `appliedLr` the LR the update used (null when
   * dropped). `params` are the coordinator's parameters at global step `step`, whose scheduled LR is `lr`:
   * the worker computes its next gradient on them, of batch `nextRound` of rank `nextShard`'s shard (its own next
   * batch, or under shrink a lost rank's). `step` equal to the run's total steps means the run is over.
   */
  pushed: {
    from: 'coordinator',
    fields: {
      round: integer(0),
      nextShard: rank,
      nextRound: integer(0),
      applied: boolean(),
      code: nullable(string(STRING_LIMITS.name)),
      tau: integer(0),
      scale: number({ finite: true, min: 0 }),
      appliedLr: nullable(lr),
      step,
      epoch,
      lr,
    },
    tensors: { params: tensor({ nullable: false }) },
  },
  /** the LR a worker used for `step` and a digest of its parameters after applying the update */
  applied: { from: 'worker', fields: { rank, step, lr, digest: string(STRING_LIMITS.name) } },
  /**
   * the coordinator asks for an evaluation of the parameters after `step` on the test split: its own `params`
   * in async mode (a worker's copy is stale there), null in sync mode (every replica equals the coordinator's)
   */
  evaluate: { from: 'coordinator', fields: { step }, tensors: { params: tensor({ nullable: true }) } },
  /** a worker's evaluation: summed loss, correct predictions (null for regression) and examples seen */
  evaluation: {
    from: 'worker',
    fields: {
      rank,
      step,
      lossSum: number({ finite: false }),
      correct: nullable(integer(0)),
      examples: integer(0),
    },
  },
  /**
   * a batch of a worker's timeline spans for trace.json: `spans` is `{ names: string[], data: number[] }`
   * with four numbers per span (name index, step, start µs since the Unix epoch, duration µs); `final` on the last
   */
  trace: { from: 'worker', fields: { rank, final: boolean(), spans: record() } },
  /** liveness, both ways */
  heartbeat: { from: 'both', fields: { sentAt: number({ finite: true }) } },
  /** the coordinator refused something; `rank` and `step` say what, when known */
  error: {
    from: 'coordinator',
    fields: {
      code: string(STRING_LIMITS.name),
      message: string(STRING_LIMITS.text),
      rank: nullable(rank),
      step: nullable(step),
    },
  },
  /** a worker leaves the run */
  leave: { from: 'worker', fields: { rank, reason: string(STRING_LIMITS.text) } },
  /** the run ended at `step`; workers exit, with a failure status when `failed` */
  stop: { from: 'coordinator', fields: { reason: string(STRING_LIMITS.text), step, failed: boolean() } },
} as const satisfies Readonly<Record<string, MessageSpec>>;

export type MessageType = keyof typeof MESSAGES;

/** Every message type, in table order. */
export const MESSAGE_TYPES = Object.freeze(Object.keys(MESSAGES)) as readonly MessageType[];

type ScalarValue<F> = F extends { kind: 'integer' | 'number' }
  ? number
  : F extends { kind: 'string' }
    ? string
    : F extends { kind: 'boolean' }
      ? boolean
      : F extends { kind: 'record' }
        ? RunSpec
        : never;

type FieldValue<F> = F extends { kind: 'nullable'; inner: infer I } ? ScalarValue<I> | null : ScalarValue<F>;

type TensorValue<F> = F extends { kind: 'tensorMap' }
  ? TensorMap
  : F extends { kind: 'tensor'; nullable: true }
    ? Float32Array | null
    : Float32Array;

type TensorsOf<S> = S extends { tensors: infer R } ? { readonly [K in keyof R]: TensorValue<R[K]> } : unknown;

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The message of type `T`, e.g. `MessageOf<'gradient'>`. */
export type MessageOf<T extends MessageType> = Simplify<
  { readonly type: T } & {
    readonly [K in keyof (typeof MESSAGES)[T]['fields']]: FieldValue<(typeof MESSAGES)[T]['fields'][K]>;
  } & TensorsOf<(typeof MESSAGES)[T]>
>;

/** Any protocol message: a union discriminated by `type`. */
export type Message = { [T in MessageType]: MessageOf<T> }[MessageType];

/** Messages a worker sends. */
export type WorkerMessage = Extract<Message, { type: SentBy<'worker'> }>;
/** Messages the coordinator sends. */
export type CoordinatorMessage = Extract<Message, { type: SentBy<'coordinator'> }>;

type SentBy<S extends Party> = {
  [T in MessageType]: (typeof MESSAGES)[T]['from'] extends S | 'both' ? T : never;
}[MessageType];

export type JoinMessage = MessageOf<'join'>;
export type LivenessMessage = MessageOf<'liveness'>;
export type AssignMessage = MessageOf<'assign'>;
export type ParamsMessage = MessageOf<'params'>;
export type WelcomeMessage = MessageOf<'welcome'>;
export type GradientMessage = MessageOf<'gradient'>;
export type UpdateMessage = MessageOf<'update'>;
export type PushMessage = MessageOf<'push'>;
export type PushedMessage = MessageOf<'pushed'>;
export type AppliedMessage = MessageOf<'applied'>;
export type HeartbeatMessage = MessageOf<'heartbeat'>;
export type ErrorMessage = MessageOf<'error'>;
export type LeaveMessage = MessageOf<'leave'>;
export type StopMessage = MessageOf<'stop'>;
