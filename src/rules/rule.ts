/**
 * Why a value was refused. A wrong `type` is a value of another kind than the rule takes (a string where a
 * number goes, 2.5 where an integer goes, as Python's `int` is a type); a wrong `value` is one of the right kind
 * outside what the rule allows (0 for an integer >= 1, NaN for a number). Callers that mirror Python keep
 * TypeError and ValueError apart on this.
 */
export type RefusalKind = 'type' | 'value';

/** A refused value: what kind of fault, what the rule allows, and advice the value itself suggests. */
export interface Refusal {
  readonly ok: false;
  readonly kind: RefusalKind;
  /** What the rule allows, the same phrase as the rule's `allowed`. */
  readonly allowed: string;
  /** Advice for this particular value (quote a number meant as text), when a rule has some; see `advise`. */
  readonly hint?: string;
}

/** What a check gives back: the value, typed, or why it was refused. Checks never throw. */
export type Checked<T> = { readonly ok: true; readonly value: T } | Refusal;

/**
 * One rule for a value: what it allows, as messages and docs say it ("an integer >= 1"), and a check. Rules
 * know no error class: each caller turns a refusal into its own error (see `mustBe` for the shared wording).
 *
 * @example
 * integer(1).check(0); // { ok: false, kind: 'value', allowed: 'an integer >= 1' }
 */
export interface Rule<T> {
  readonly allowed: string;
  readonly check: (value: unknown) => Checked<T>;
}

/** An accepted value. @example accept(2); // { ok: true, value: 2 } */
export function accept<T>(value: T): Checked<T> {
  return { ok: true, value };
}

/** A refusal of the given kind. @example refuse('type', 'true or false'); // { ok: false, kind: 'type', … } */
export function refuse(kind: RefusalKind, allowed: string): Refusal {
  return { ok: false, kind, allowed };
}
