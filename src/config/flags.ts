/**
 * The command-line flags of `dptrain launch` and `dptrain coordinator`: run-config overrides, nested by key
 * path, plus the positionals (the config file).
 */
import { parseDocument } from 'yaml';
import { UsageError } from '../errors.js';
import { isMapping } from '../key-path.js';
import { TABLE } from './keys.js';

const BOOLEAN_KEYS: ReadonlySet<string> = new Set(
  TABLE.filter((entry) => typeof entry.default === 'boolean').map((entry) => entry.key),
);

/**
 * Splits command-line arguments into run-config overrides and positionals. `--batch-size 32` gives
 * `{ batch_size: 32 }`, `--lr.warmup-steps 50` gives `{ lr: { warmup_steps: 50 } }`, and `--key=value` works
 * too. Values are YAML scalars (numbers, true/false, null, strings) or flow lists (`[1, 2]`); anything else
 * stays text. `--no-progress` gives `progress: false`; a boolean key alone (`--progress`) gives true. After
 * `--` everything is positional. Throws UsageError for a flag without a value, a malformed key path, a key
 * given twice or a short option.
 *
 * @example
 * parseOverrideFlags(['run.yaml', '--batch-size', '32']); // { overrides: { batch_size: 32 }, positionals: ['run.yaml'] }
 */
export function parseOverrideFlags(argv: readonly string[]): {
  overrides: Record<string, unknown>;
  positionals: string[];
} {
  const overrides: Record<string, unknown> = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!token.startsWith('--')) {
      if (token.startsWith('-') && token !== '-' && !isNumber(token)) {
        throw new UsageError(`unknown option ${token}: options are long, --key value or --key=value`);
      }
      positionals.push(token);
      continue;
    }
    const equals = token.indexOf('=');
    const flag = equals < 0 ? token : token.slice(0, equals);
    const path = keyPath(flag);
    let raw = equals < 0 ? undefined : token.slice(equals + 1);
    const next = argv[i + 1];
    if (path.length === 1 && path[0]!.startsWith('no_')) {
      // `--no-progress config.yaml`: a negation takes no value, so what follows is a positional.
      if (raw !== undefined) throw new UsageError(`${flag} takes no value; write ${flag} alone`);
      setOverride(overrides, [path[0]!.slice(3)], false, flag);
      continue;
    }
    if (raw === undefined && path.length === 1 && BOOLEAN_KEYS.has(path[0]!)) {
      raw = next === 'true' || next === 'false' ? next : 'true';
      if (raw === next) i += 1;
    }
    if (raw === undefined) {
      if (next === undefined || next.startsWith('--')) {
        throw new UsageError(`${flag} needs a value: ${flag} <value> or ${flag}=<value>`);
      }
      raw = next;
      i += 1;
    }
    setOverride(overrides, path, parseFlagValue(raw), flag);
  }
  return { overrides, positionals };
}

function isNumber(token: string): boolean {
  return Number.isFinite(Number(token));
}

/** `--lr.warmup-steps` → ['lr', 'warmup_steps']: kebab-case becomes snake_case, case is kept (`T_max`). */
function keyPath(flag: string): string[] {
  const segments = flag
    .slice(2)
    .split('.')
    .map((segment) => segment.replaceAll('-', '_'));
  if (segments.some((segment) => segment === '')) {
    throw new UsageError(
      `${flag} is not a key path: write --key or --key.subkey (e.g. --lr.warmup-steps 50)`,
    );
  }
  return segments;
}

/** A flag's text as a YAML scalar or flow list; anything else (a mapping, a comment, bad YAML) stays text. */
function parseFlagValue(raw: string): unknown {
  const trimmed = raw.trim();
  if (trimmed === '' || trimmed.startsWith('#')) return raw;
  const document = parseDocument(raw);
  if (document.errors.length > 0) return raw;
  const value: unknown = document.toJS();
  if (isMapping(value) || (Array.isArray(value) && !trimmed.startsWith('['))) return raw;
  return value;
}

function setOverride(
  overrides: Record<string, unknown>,
  path: readonly string[],
  value: unknown,
  flag: string,
): void {
  let target = overrides;
  for (const [depth, segment] of path.entries()) {
    const existing = target[segment];
    const last = depth === path.length - 1;
    if (existing !== undefined && (last || !isMapping(existing))) {
      const earlier = path.slice(0, depth + 1).join('.');
      throw new UsageError(
        `${flag} sets ${earlier} again (or inside a value already given): give each key once`,
      );
    }
    if (last) {
      target[segment] = value;
      return;
    }
    const child = (existing as Record<string, unknown> | undefined) ?? {};
    target[segment] = child;
    target = child;
  }
}
