import { SchedulerError } from '../errors.js';
import { describe } from './checks.js';
import type { Scheduler, StateDict, StateValue } from './scheduler.js';

/**
 * A scheduler's full state: what `stateDict()` keeps (Paddle's keys, which must stay exactly Paddle's) plus what it
 * leaves out and the next values still depend on (CosineAnnealingWarmRestarts' `T_cur`/`T_i`, a nested scheduler's
 * own full state, a torch scheduler's parameter group, …), as plain JSON. Every full state starts with
 * `class` (the scheduler's `className`) and `version` (FULL_STATE_VERSION); the rest are the class's fields under
 * snake_case names (Paddle's or torch's where they have one). Hyper-parameters are not in it: they come from the
 * config the restoring scheduler is built from, which must be the config that made the state.
 */

/** The layout of every full state; a state written with another version is refused. */
export const FULL_STATE_VERSION = 1;

/**
 * A number as a full state writes it. JSON has no NaN, ±Infinity or -0 (`JSON.stringify` turns the first three into
 * `null` and the last into `0`), and each can matter — torch's ReduceLROnPlateau starts with `best = inf`, a NaN loss
 * makes a NaN mean — so those four are written as Python's `repr` strings; every other number is a JSON number.
 */
export type EncodedNumber = number | 'nan' | 'inf' | '-inf' | '-0.0';

/**
 * Writes a number so that it survives a JSON round trip bit for bit.
 *
 * @example
 * encodeNumber(Number.NEGATIVE_INFINITY); // '-inf'
 */
export function encodeNumber(value: number): EncodedNumber {
  if (Number.isNaN(value)) return 'nan';
  if (value === Number.POSITIVE_INFINITY) return 'inf';
  if (value === Number.NEGATIVE_INFINITY) return '-inf';
  if (Object.is(value, -0)) return '-0.0';
  return value;
}

const SPECIAL: Readonly<Record<string, number>> = {
  nan: Number.NaN,
  inf: Number.POSITIVE_INFINITY,
  '-inf': Number.NEGATIVE_INFINITY,
  '-0.0': -0,
};

/**
 * Reads a number written by `encodeNumber`; undefined for anything else (another string, a boolean, null, …).
 *
 * @example
 * decodeNumber('inf'); // Infinity
 */
export function decodeNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && Object.hasOwn(SPECIAL, value)) return SPECIAL[value];
  return undefined;
}

/**
 * A full state with its header: `{ class, version, ...fields }`.
 *
 * @example
 * fullStateOf('StepDecay', { last_epoch: 3 }); // { class: 'StepDecay', version: 1, last_epoch: 3 }
 */
export function fullStateOf(className: string, fields: Readonly<Record<string, StateValue>>): StateDict {
  return { class: className, version: FULL_STATE_VERSION, ...fields };
}

const NUMBER_RULE = 'a number (NaN, Infinity, -Infinity and -0 written "nan", "inf", "-inf", "-0.0")';

/**
 * Reads a full state strictly, so `setFullState` can check everything before it changes anything: each key must
 * be present with its type, and `done()` refuses keys nobody read. Refusals are SchedulerError ERR_LR_STATE naming
 * the key (with its path inside nested objects) and what was expected.
 *
 * @example
 * const reader = FullStateReader.open('StepDecay', state); const lastLr = reader.number('last_lr'); reader.done();
 */
export class FullStateReader {
  private readonly read = new Set<string>();

  private constructor(
    private readonly className: string,
    private readonly state: Readonly<Record<string, unknown>>,
    private readonly path: string,
    private readonly madeBy: string,
  ) {}

  /**
   * Checks that `state` is an object holding a full state of `className` at this version. `madeBy` names what
   * writes such states, for the messages.
   */
  static open(
    className: string,
    state: unknown,
    madeBy = 'fullState() of a scheduler built from the same config',
  ): FullStateReader {
    if (!isObject(state)) {
      throw stateFault(
        className,
        `a saved state must be an object made by ${madeBy}, received ${describe(state)}`,
      );
    }
    if (state.class !== className) {
      throw stateFault(
        className,
        `full state key "class" must be "${className}", received ${describe(state.class)}; a state of one class ` +
          `cannot be restored into another (pass a state made by ${madeBy})`,
      );
    }
    if (state.version !== FULL_STATE_VERSION) {
      throw stateFault(
        className,
        `full state key "version" must be ${FULL_STATE_VERSION}, received ${describe(state.version)}; ` +
          'this dptrain reads only its own layout',
      );
    }
    const reader = new FullStateReader(className, state, '', madeBy);
    reader.read.add('class').add('version');
    return reader;
  }

  /** A number (decoded from `EncodedNumber`). */
  number(key: string): number {
    const value = decodeNumber(this.take(key, NUMBER_RULE));
    if (value === undefined) throw this.refuse(key, NUMBER_RULE);
    return value;
  }

  /** A number or null (Paddle's ReduceOnPlateau `best` before the first metric, an unset group key). */
  nullableNumber(key: string): number | null {
    const rule = `${NUMBER_RULE} or null`;
    const raw = this.take(key, rule);
    if (raw === null) return null;
    const value = decodeNumber(raw);
    if (value === undefined) throw this.refuse(key, rule);
    return value;
  }

  boolean(key: string): boolean {
    const value = this.take(key, 'true or false');
    if (typeof value !== 'boolean') throw this.refuse(key, 'true or false');
    return value;
  }

  string(key: string): string {
    const value = this.take(key, 'a string');
    if (typeof value !== 'string') throw this.refuse(key, 'a string');
    return value;
  }

  /** A nested object (a nested scheduler's full state, checked by that scheduler), or null when `nullable`. */
  nested(key: string, rule: string): StateDict;
  nested(key: string, rule: string, nullable: true): StateDict | null;
  nested(key: string, rule: string, nullable = false): StateDict | null {
    const value = this.take(key, rule);
    if (nullable && value === null) return null;
    if (!isObject(value)) throw this.refuse(key, rule);
    return value as StateDict;
  }

  /** A list of exactly `count` nested objects (the full states of a composite's children). */
  nestedList(key: string, count: number, rule: string): readonly StateDict[] {
    const listRule = `a list of ${count} ${rule}`;
    const value = this.take(key, listRule);
    if (!Array.isArray(value) || value.length !== count || !value.every(isObject)) {
      throw this.refuse(key, listRule);
    }
    return value as readonly StateDict[];
  }

  /** A plain object of fields (no header), read with the same rules; its keys are named `key.field` in errors. */
  section(key: string): FullStateReader {
    const value = this.take(key, 'an object');
    if (!isObject(value)) throw this.refuse(key, 'an object');
    return new FullStateReader(this.className, value, `${this.path}${key}.`, this.madeBy);
  }

  /** Refuses keys that were not read (a state of another layout, or a typo). */
  done(): void {
    const unknown = Object.keys(this.state).filter((key) => !this.read.has(key));
    if (unknown.length > 0) {
      const names = unknown.map((key) => `"${this.path}${key}"`).join(', ');
      throw stateFault(
        this.className,
        `full state has unknown key${unknown.length > 1 ? 's' : ''} ${names}; pass a state made by ${this.madeBy}`,
      );
    }
  }

  /** The ERR_LR_STATE error for `key` holding something other than `rule`. */
  refuse(key: string, rule: string): SchedulerError {
    const received = Object.hasOwn(this.state, key)
      ? describe(this.state[key])
      : 'nothing (the key is missing)';
    return stateFault(
      this.className,
      `full state key "${this.path}${key}" must be ${rule}, received ${received}; pass a state made by ${this.madeBy}`,
    );
  }

  /** The value at `key`; a missing key is refused with the rule of the value that was expected there. */
  private take(key: string, rule: string): unknown {
    this.read.add(key);
    if (!Object.hasOwn(this.state, key)) throw this.refuse(key, rule);
    return this.state[key];
  }
}

/**
 * Restores a composite's children from their full states so that either all are restored or none is: a refusal
 * by child i puts children 0 … i-1 back (their own full states taken before), then reports the child's refusal
 * under `key[i]`.
 *
 * @example
 * setChildrenFullState('torch.SequentialLR', '_schedulers', children, states);
 */
export function setChildrenFullState(
  className: string,
  key: string,
  children: readonly Scheduler[],
  states: readonly StateDict[],
): void {
  const before = children.map((child) => child.fullState());
  for (const [i, child] of children.entries()) {
    try {
      child.setFullState(states[i] as StateDict);
    } catch (error) {
      for (let j = 0; j < i; j++) (children[j] as Scheduler).setFullState(before[j] as StateDict);
      throw nestedFault(className, `${key}[${i}]`, error);
    }
  }
}

/** A nested scheduler's refusal, re-thrown under the key of the composite that holds it. */
export function nestedFault(className: string, key: string, error: unknown): unknown {
  if (!(error instanceof SchedulerError) || error.code !== 'ERR_LR_STATE') return error;
  return new SchedulerError(
    'ERR_LR_STATE',
    error.pythonClass,
    `${className}: full state key "${key}": ${error.message}`,
    {
      cause: error,
    },
  );
}

function stateFault(className: string, message: string): SchedulerError {
  return new SchedulerError('ERR_LR_STATE', 'RuntimeError', `${className}: ${message}`);
}

function isObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
