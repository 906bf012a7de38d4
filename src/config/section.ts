/**
 * Sections of the run config: a key whose value is a mapping of sub-keys (`async.max_staleness`), each with its
 * own default, rule and meaning, so that adding a sub-key is one `part(...)` line in keys.ts. Refusals say where
 * inside the section they lie, so that messages name the whole key path.
 */
import { isMapping } from '../key-path.js';
import { accept, type Checked, integer, type Refusal, type Rule, refuse } from '../rules/index.js';
import { closestKey } from './closest.js';
import { deepFreeze } from './key-rules.js';

/** One sub-key of a section: its snake_case key, its default, its rule and its meaning (one README row). */
export interface Part<K extends string = string, T = unknown> {
  readonly key: K;
  readonly default: T;
  readonly rule: Rule<T>;
  /** One line, as the README table says it (markdown). */
  readonly meaning: string;
}

/** A sub-key; the default is frozen. @example part({ key: 'dc_lambda', default: 0, rule: number({ min: 0 }), meaning: '…' }) */
export function part<const K extends string, T>(entry: {
  key: K;
  default: NoInfer<T>;
  rule: Rule<T>;
  meaning: string;
}): Part<K, T> {
  return Object.freeze({ ...entry, default: deepFreeze(entry.default) });
}

type PartValue<P> = P extends Part<string, infer T> ? T : never;

/** The value of a section: one readonly field per part, under the part's snake_case key. */
export type SectionValue<P extends readonly Part[]> = { readonly [E in P[number] as E['key']]: PartValue<E> };

/**
 * A refusal that says where inside a mapping it lies: `at` is the key path below the checked value (`['dc_lambda']`,
 * `['slow', '2']`) and `value` what was found there. `unknown` marks a key the mapping does not have; `closest` is
 * then the key it most likely meant.
 */
export type PlacedRefusal = Refusal & {
  readonly at?: readonly string[];
  readonly value?: unknown;
  readonly unknown?: boolean;
  readonly closest?: string;
  /** With `unknown`: the keys the mapping has. */
  readonly keys?: readonly string[];
};

/** A section's rule: every part's default filled in, the result deeply frozen; refusals are placed. */
export interface Section<T> extends Rule<T> {
  readonly parts: readonly Part[];
  /** Every part at its default. */
  readonly defaults: T;
  readonly check: (value: unknown) => { readonly ok: true; readonly value: T } | PlacedRefusal;
}

/**
 * A section of the given parts: a mapping whose keys are parts' keys (another key is refused with the closest
 * one), each checked by its part's rule; a key left out takes its part's default.
 *
 * @example
 * section([part({ key: 'jitter', default: 0, rule: number({ min: 0, below: 1 }), meaning: '…' })]).check({}); // { ok: true, value: { jitter: 0 } }
 */
export function section<const P extends readonly Part[]>(parts: P): Section<SectionValue<P>> {
  const keys = parts.map((entry) => entry.key);
  const allowed = `a mapping with keys among ${keys.join(', ')}`;
  const defaults = deepFreeze(Object.fromEntries(parts.map((entry) => [entry.key, entry.default])));
  return {
    parts,
    allowed,
    defaults: defaults as SectionValue<P>,
    check: (value) => {
      if (!isMapping(value)) return refuse('type', allowed);
      for (const key of Object.keys(value)) {
        if (keys.includes(key)) continue;
        const closest = closestKey(key, keys);
        return {
          ...refuse('value', `one of the keys ${keys.join(', ')}`),
          at: [key],
          value: value[key],
          unknown: true,
          keys,
          ...(closest === undefined ? {} : { closest }),
        };
      }
      const checked: Record<string, unknown> = {};
      for (const entry of parts) {
        if (!Object.hasOwn(value, entry.key)) {
          checked[entry.key] = entry.default;
          continue;
        }
        const result: Checked<unknown> | PlacedRefusal = entry.rule.check(value[entry.key]);
        if (!result.ok) {
          const inner = result as PlacedRefusal;
          return {
            ...inner,
            at: [entry.key, ...(inner.at ?? [])],
            value: inner.at === undefined ? value[entry.key] : inner.value,
          };
        }
        checked[entry.key] = result.value;
      }
      return accept(deepFreeze(checked) as SectionValue<P>);
    },
  };
}

/**
 * A mapping of some of a section's sub-keys, each checked by its part's rule; a key left out stays out (no
 * default), so the value can overlay another (a per-rank link over the all-workers one).
 *
 * @example
 * partial(section([part({ key: 'latency_ms', default: 0, rule: number({ min: 0 }), meaning: '…' })])).check({}); // { ok: true, value: {} }
 */
export function partial<T>(whole: Section<T>): Rule<Partial<T>> {
  return {
    allowed: whole.allowed.replace('a mapping with keys among', 'a mapping of some of'),
    check: (value) => {
      const checked = whole.check(value);
      if (!checked.ok) return checked;
      const filled = checked.value as Readonly<Record<string, unknown>>;
      const kept = Object.keys(value as object).map((key) => [key, filled[key]] as const);
      return accept(Object.freeze(Object.fromEntries(kept)) as Partial<T>);
    },
  };
}

const rank = integer(0);

/**
 * A mapping of worker rank → value. A rank is written as a key `2:` (YAML reads a number) or `"2":` (a string); it is
 * kept as the canonical string "2". A key that is not a canonical integer >= 0 ("02", "-1", "x") is refused at that
 * key, and so is a value its rule refuses. The result is a frozen copy.
 *
 * @example
 * byRank(number({ min: 1 }), 'a number >= 1').check({ 2: 3 }); // { ok: true, value: { '2': 3 } }
 */
export function byRank<T>(item: Rule<T>, what: string): Rule<Readonly<Record<string, T>>> {
  const allowed = `a mapping of worker ranks (integers >= 0) to ${what}`;
  return {
    allowed,
    check: (value): Checked<Readonly<Record<string, T>>> | PlacedRefusal => {
      if (!isMapping(value)) return refuse('type', allowed);
      const checked: Record<string, T> = {};
      for (const [key, given] of Object.entries(value)) {
        // Object keys are strings already ({ 2: 3 } has the key "2"); only the canonical spelling is a rank.
        const asNumber = /^(0|[1-9][0-9]*)$/.test(key) ? Number(key) : Number.NaN;
        if (!rank.check(asNumber).ok) {
          const hint = /^[0-9]+$/.test(key) ? `write the rank as ${Number(key)}` : undefined;
          return {
            ...refuse('value', `a worker rank (an integer >= 0) as the key`),
            ...(hint === undefined ? {} : { hint }),
            at: [key],
            value: key,
          };
        }
        const result: Checked<T> | PlacedRefusal = item.check(given);
        if (!result.ok) {
          const inner = result as PlacedRefusal;
          return {
            ...inner,
            at: [key, ...(inner.at ?? [])],
            value: inner.at === undefined ? given : inner.value,
          };
        }
        checked[key] = result.value;
      }
      return accept(Object.freeze(checked));
    },
  };
}
