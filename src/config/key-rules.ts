/**
 * The run config's own rules, composed from the shared ones: advice for values YAML users write by mistake,
 * and mappings kept as frozen copies (sections of sub-keys are in section.ts).
 */
import { isMapping } from '../key-path.js';
import { accept, advise, mapping, type Rule, text } from '../rules/index.js';

/**
 * A non-empty string; a number (YAML reads `out: 2024` as one) gets the advice to quote it.
 *
 * @example
 * quotedText('a folder').check(2024); // { ok: false, …, hint: 'quote it to mean the text: "2024"' }
 */
export function quotedText(what: string): Rule<string> {
  return advise(text(what), (value) =>
    typeof value === 'number' ? `quote it to mean the text: "${value}"` : undefined,
  );
}

/**
 * A mapping, returned as a deeply frozen copy so that neither the caller nor the config can change the other.
 *
 * @example
 * frozenMapping('an optimizer config').check({ name: 'SGD' }); // { ok: true, value: { name: 'SGD' } (frozen) }
 */
export function frozenMapping(what: string): Rule<Readonly<Record<string, unknown>>> {
  const inner = mapping(what);
  return {
    allowed: inner.allowed,
    check: (value) => {
      const checked = inner.check(value);
      return checked.ok ? accept(deepFreeze(copyPlain(checked.value))) : checked;
    },
  };
}

/** A copy of nested mappings and lists; other values (numbers, strings, callables) are shared. */
function copyPlain<T>(value: T): T {
  if (Array.isArray(value)) return value.map(copyPlain) as T;
  if (!isMapping(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, copyPlain(item)])) as T;
}

/** Freezes a value and everything it holds. @example deepFreeze({ a: [1] }).a; // frozen too */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}

const DIALECT_ALLOWED = 'a mapping {dialect: paddleocr or paddledet, lr: the dialect’s schedule block}';

/**
 * A schedule kept in a Paddle application dialect until the run's steps per epoch are known:
 * `{ dialect: paddleocr | paddledet, lr: <its block> }`, as a dialect file sets it; a frozen copy.
 *
 * @example
 * dialectSchedule.check({ dialect: 'paddledet', lr: { base_lr: 0.01 } }).ok; // true
 */
export const dialectSchedule: Rule<{
  readonly dialect: 'paddleocr' | 'paddledet';
  readonly lr: Readonly<Record<string, unknown>>;
}> = {
  allowed: DIALECT_ALLOWED,
  check: (value) => {
    const fits =
      isMapping(value) &&
      (value.dialect === 'paddleocr' || value.dialect === 'paddledet') &&
      isMapping(value.lr) &&
      Object.keys(value).every((key) => key === 'dialect' || key === 'lr');
    return fits
      ? accept(deepFreeze(copyPlain(value)) as never)
      : { ok: false, kind: isMapping(value) ? 'value' : 'type', allowed: DIALECT_ALLOWED };
  },
};
