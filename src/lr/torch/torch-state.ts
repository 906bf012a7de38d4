import { SchedulerError } from '../../errors.js';
import { describe } from '../checks.js';
import type { StateDict, StateValue } from '../scheduler.js';

/**
 * A float as a JSON-safe state value: torch keeps `best = inf` in ReduceLROnPlateau, which JSON cannot hold, so
 * non-finite numbers are written as Python's `repr` strings `'inf'`, `'-inf'`, `'nan'`.
 *
 * @example
 * stateFloat(Number.POSITIVE_INFINITY); // 'inf'
 */
export function stateFloat(value: number): number | string {
  if (Number.isFinite(value)) return value;
  if (Number.isNaN(value)) return 'nan';
  return value > 0 ? 'inf' : '-inf';
}

const NON_FINITE: Readonly<Record<string, number>> = {
  inf: Number.POSITIVE_INFINITY,
  '-inf': Number.NEGATIVE_INFINITY,
  nan: Number.NaN,
};

/**
 * A list of nested state dicts (torch's `_schedulers`, `_schedule_phases`) as a state value. `StateValue` has no
 * list-of-dicts member, so the list is typed as a value here, in this one place; at run time it is a plain JSON array.
 *
 * @example
 * stateList([{ last_epoch: 0 }]); // [{ last_epoch: 0 }]
 */
export function stateList(items: readonly StateDict[]): StateValue {
  return items as unknown as StateValue;
}

/**
 * Restores the keys of a torch state dict onto a scheduler, as torch's `__dict__.update` does: every key present
 * is applied (after a type check), keys absent keep the constructed value, and both absent and unknown keys are
 * reported as warnings.
 */
export class StateReader {
  private readonly read = new Set<string>();
  private readonly absent: string[] = [];

  constructor(
    private readonly className: string,
    private readonly state: StateDict,
  ) {
    if (typeof state !== 'object' || state === null || Array.isArray(state)) {
      throw new SchedulerError(
        'ERR_LR_STATE',
        'TypeError',
        `${className}: a state dict must be an object made by stateDict(), received ${describe(state)}`,
      );
    }
  }

  /** Marks a key as known without applying it (state torch saves that has no counterpart here). */
  skip(key: string): void {
    this.read.add(key);
  }

  number(key: string, apply: (value: number) => void): void {
    const value = this.take(key);
    if (value === undefined) return;
    if (typeof value === 'number') apply(value);
    else if (typeof value === 'string' && Object.hasOwn(NON_FINITE, value))
      apply(NON_FINITE[value] as number);
    else throw this.refuse(key, 'a number', value);
  }

  /** A one-element list (torch's per-group lists: `base_lrs`, `_last_lr`, …) holding a number. */
  groupNumber(key: string, apply: (value: number) => void): void {
    this.list(key, (list) => {
      const [only] = list;
      if (list.length !== 1 || typeof only !== 'number') throw this.refuse(key, 'a list of one number', list);
      apply(only);
    });
  }

  numbers(key: string, apply: (value: readonly number[]) => void): void {
    this.list(key, (list) => {
      if (!list.every((item) => typeof item === 'number')) throw this.refuse(key, 'a list of numbers', list);
      apply(list as readonly number[]);
    });
  }

  boolean(key: string, apply: (value: boolean) => void): void {
    const value = this.take(key);
    if (value === undefined) return;
    if (typeof value !== 'boolean') throw this.refuse(key, 'true or false', value);
    apply(value);
  }

  string(key: string, apply: (value: string) => void): void {
    const value = this.take(key);
    if (value === undefined) return;
    if (typeof value !== 'string') throw this.refuse(key, 'a string', value);
    apply(value);
  }

  dict(key: string, apply: (value: StateDict) => void): void {
    const value = this.take(key);
    if (value === undefined) return;
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw this.refuse(key, 'an object', value);
    apply(value as StateDict);
  }

  dicts(key: string, apply: (value: readonly StateDict[]) => void): void {
    this.list(key, (list) => {
      const isDict = (item: unknown) => typeof item === 'object' && item !== null && !Array.isArray(item);
      if (!list.every(isDict)) throw this.refuse(key, 'a list of objects', list);
      apply(list as readonly StateDict[]);
    });
  }

  /** The warnings for keys the state lacked or the scheduler does not know. */
  warnings(): readonly string[] {
    const unknown = Object.keys(this.state).filter((key) => !this.read.has(key));
    const notes: string[] = [];
    if (this.absent.length > 0) {
      notes.push(`${this.className}: state dict lacks ${quote(this.absent)}; kept the constructed values`);
    }
    if (unknown.length > 0)
      notes.push(`${this.className}: state dict has unused keys ${quote(unknown)}; they were ignored`);
    return notes;
  }

  private list(key: string, apply: (value: readonly unknown[]) => void): void {
    const value = this.take(key);
    if (value === undefined) return;
    if (!Array.isArray(value)) throw this.refuse(key, 'a list', value);
    apply(value as readonly unknown[]);
  }

  private take(key: string): StateValue | undefined {
    this.read.add(key);
    if (!Object.hasOwn(this.state, key)) {
      this.absent.push(key);
      return undefined;
    }
    return this.state[key];
  }

  /** The ERR_LR_STATE error for a key holding something this scheduler cannot restore. */
  refuse(key: string, rule: string, value: unknown): SchedulerError {
    return new SchedulerError(
      'ERR_LR_STATE',
      'RuntimeError',
      `${this.className}: state dict key "${key}" must be ${rule}, received ${describe(value)}; pass a state made by stateDict() of the same scheduler class`,
    );
  }
}

function quote(keys: readonly string[]): string {
  return keys.map((key) => `"${key}"`).join(', ');
}
