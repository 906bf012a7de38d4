import { OptimizerError } from '../errors.js';

/** An `optimizer:` section as a user writes it: Paddle's argument names, snake_case. */
export type OptimizerConfig = Readonly<Record<string, unknown>>;

/** Per-tensor boundaries of the flat parameter vector, in flat order (used by per-tensor clipping). */
export interface ParameterLayout {
  readonly sizes: readonly number[];
  readonly names?: readonly string[];
}

/**
 * An optimizer's accumulators under Paddle's names (`velocity`, `moment1`, `moment2`, `moment2_max`,
 * `beta1_pow_acc`, `beta2_pow_acc`): one flat Float32Array each, beta pows of length 1.
 */
export type OptimizerState = Readonly<Record<string, Float32Array>>;

/** The optimizers dptrain ports from `paddle.optimizer`. */
export type OptimizerName = 'SGD' | 'Momentum' | 'Adam' | 'AdamW';

/**
 * One optimizer over a flat float32 parameter vector; the same code runs on the coordinator and on workers.
 *
 * @example
 * const opt = createOptimizer({ name: 'Adam' }, { sizes: [7] }); opt.step(params, grad, 0.001);
 */
export interface Optimizer {
  readonly name: OptimizerName;
  /** Number of floats in the parameter vector. */
  readonly size: number;
  /** clip -> decay -> update, in place on `params`; `grad` is only read; `lr` is rounded to float32 inside. */
  step(params: Float32Array, grad: Float32Array, lr: number): void;
  /** Copies of the accumulators, under Paddle's names. */
  stateDict(): OptimizerState;
  /** Copies a state made by `stateDict()` into this optimizer; throws ERR_OPTIM_STATE if it does not fit. */
  setStateDict(state: OptimizerState): void;
}

/** Refuses a step whose vectors do not have the optimizer's size, or a learning rate that is not a finite number >= 0. */
export function checkStep(
  name: OptimizerName,
  size: number,
  params: Float32Array,
  grad: Float32Array,
  lr: number,
): void {
  if (params.length !== size || grad.length !== size) {
    throw new OptimizerError(
      'ERR_OPTIM_SIZE',
      `${name}.step: params and grad must both hold ${size} floats (the parameter layout), ` +
        `received params of ${params.length} and grad of ${grad.length}`,
    );
  }
  if (!(lr >= 0 && lr < Number.POSITIVE_INFINITY)) {
    throw new OptimizerError(
      'ERR_OPTIM_ARGUMENT',
      `${name}.step: lr must be a finite number >= 0, received ${lr}`,
    );
  }
}

/**
 * Checks that `state` holds exactly the accumulators in `lengths` (name -> length), each a Float32Array.
 *
 * @example
 * checkState('Momentum', state, { velocity: 7 });
 */
export function checkState(
  name: OptimizerName,
  state: OptimizerState,
  lengths: Readonly<Record<string, number>>,
): void {
  if (typeof state !== 'object' || state === null) {
    throw stateFault(name, `the state must be an object of Float32Arrays, received ${String(state)}`);
  }
  const expected = Object.keys(lengths);
  const keeps = expected.length === 0 ? 'keeps no state' : `keeps ${expected.join(', ')}`;
  for (const key of Object.keys(state)) {
    if (!(key in lengths)) {
      throw stateFault(
        name,
        `unexpected key "${key}" (${name} with this config ${keeps}); was it saved by another config?`,
      );
    }
  }
  for (const [key, length] of Object.entries(lengths)) {
    const value = state[key];
    if (value === undefined)
      throw stateFault(name, `the state lacks "${key}" (${name} with this config ${keeps})`);
    if (!(value instanceof Float32Array) || value.length !== length) {
      throw stateFault(
        name,
        `"${key}" must be a Float32Array of length ${length}, received ${describeArray(value)}`,
      );
    }
  }
}

/** The error for a state that does not fit. */
export function stateFault(name: OptimizerName, message: string): OptimizerError {
  return new OptimizerError('ERR_OPTIM_STATE', `${name}.setStateDict: ${message}`);
}

function describeArray(value: unknown): string {
  if (ArrayBuffer.isView(value)) {
    return `a ${value.constructor.name} of length ${(value as unknown as ArrayLike<number>).length}`;
  }
  if (Array.isArray(value)) return `an Array of length ${value.length}`;
  return typeof value;
}
