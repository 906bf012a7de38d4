import { LineCounter, parseDocument } from 'yaml';
import { ConfigError, ExpressionError, SchedulerError } from '../errors.js';
import { isMapping, joinKeyPath } from '../key-path.js';
import { closestKey } from '../rules/index.js';
import { describe } from './checks.js';
import type { BuildContext, SchedulerArgs } from './entry.js';
import { compileExpression, compileLambda } from './expression.js';
import { SCHEDULERS } from './registry.js';
import type { Scheduler } from './scheduler.js';

export interface CreateSchedulerOptions {
  /** Key path of the config inside its file, used in error messages. Default `lr`. */
  readonly path?: string;
  /**
   * Values of the variables numeric arguments may be written over (`T_max: "total_steps - 100"`); without them a
   * string where a number belongs is refused by the scheduler, as Paddle refuses it.
   */
  readonly variables?: Readonly<Record<string, number>>;
}

/**
 * Builds any scheduler from a config: a plain object, or JSON/YAML text, with the class in `name` and the
 * constructor's arguments under their Paddle (or PyTorch, for `torch.` names) spelling.
 *
 * @example
 * createScheduler({ name: 'StepDecay', learning_rate: 0.5, step_size: 2, gamma: 0.8 }).lastLr; // 0.5
 */
export function createScheduler(config: unknown, options: CreateSchedulerOptions = {}): Scheduler {
  const path = options.path ?? 'lr';
  const value = typeof config === 'string' ? parseConfigText(config, path) : config;
  return build(value, path, {}, options.variables);
}

/**
 * Reads a scheduler config file's text: the scheduler at the top level, or under `lr:` (as in a run config).
 *
 * @example
 * loadSchedulerConfig('lr:\n  name: StepDecay\n  learning_rate: 0.5\n  step_size: 2\n'); // { config: {...}, path: 'lr' }
 */
export function loadSchedulerConfig(text: string): { config: unknown; path: string } {
  const document = parseConfigText(text, '');
  if (isMapping(document) && !('name' in document) && 'lr' in document)
    return { config: document.lr, path: 'lr' };
  return { config: document, path: '' };
}

/** Parses YAML (a superset of JSON), refusing syntax errors and duplicate keys with the line they are on. */
export function parseConfigText(text: string, path: string): unknown {
  const lines = new LineCounter();
  const document = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter: lines });
  const [first] = document.errors;
  if (first !== undefined) {
    const where = lines.linePos(first.pos[0]);
    const at = ` (line ${where.line}, column ${where.col})`;
    throw new ConfigError(
      'ERR_CONFIG_SYNTAX',
      path,
      `not valid YAML or JSON${at}: ${first.message.split('\n')[0]}`,
    );
  }
  return document.toJS();
}

// Errors already given their key path by a nested build; they pass through outer builds unchanged.
const placed = new WeakSet<SchedulerError>();

function build(
  config: unknown,
  path: string,
  inherited: SchedulerArgs,
  variables: Readonly<Record<string, number>> | undefined,
): Scheduler {
  if (!isMapping(config)) {
    throw new ConfigError(
      'ERR_CONFIG_BAD_VALUE',
      path,
      `must be a mapping with a "name", received ${describe(config)}`,
    );
  }
  const name = config.name;
  if (name === undefined) {
    throw new ConfigError(
      'ERR_CONFIG_MISSING_KEY',
      joinKeyPath(path, 'name'),
      'is required: the scheduler class, e.g. StepDecay',
    );
  }
  if (typeof name !== 'string') {
    throw new ConfigError(
      'ERR_CONFIG_BAD_VALUE',
      joinKeyPath(path, 'name'),
      `must be a string, received ${describe(name)}`,
    );
  }
  const entry = Object.hasOwn(SCHEDULERS, name) ? SCHEDULERS[name] : undefined;
  if (entry === undefined) {
    throw new ConfigError('ERR_CONFIG_UNKNOWN_NAME', joinKeyPath(path, 'name'), unknownNameMessage(name));
  }
  const args: Record<string, unknown> = { ...inherited };
  const writtenAs = new Map<string, string>();
  for (const [key, raw] of Object.entries(config)) {
    if (key === 'name') continue;
    const argument = entry.aliases?.[key] ?? key;
    if (!entry.args.includes(argument)) {
      const close = closestKey(key, entry.args);
      const hint = close === undefined ? '' : ` (did you mean ${close}?)`;
      throw new ConfigError(
        'ERR_CONFIG_UNKNOWN_KEY',
        joinKeyPath(path, key),
        `is not an argument of ${name}${hint}; it takes ${entry.args.join(', ')}`,
      );
    }
    const earlier = writtenAs.get(argument);
    if (earlier !== undefined) {
      throw new ConfigError(
        'ERR_CONFIG_CONFLICT',
        joinKeyPath(path, key),
        `repeats ${earlier}; give only one of them`,
      );
    }
    writtenAs.set(argument, key);
    if (raw === null && entry.nones?.includes(argument)) continue;
    const keyPath = joinKeyPath(path, key);
    args[argument] = entry.callables?.includes(argument)
      ? toCallable(raw, keyPath)
      : entry.strings?.includes(argument)
        ? raw
        : resolveNumbers(raw, keyPath, variables);
  }
  const context: BuildContext = {
    build: (child, key, childInherited = {}) => {
      const [head, ...rest] = key.split('.');
      const written = [writtenAs.get(head ?? '') ?? head, ...rest].join('.');
      return build(child, joinKeyPath(path, written), childInherited, variables);
    },
  };
  try {
    return entry.create(args, context);
  } catch (error) {
    if (!(error instanceof SchedulerError) || placed.has(error)) throw error;
    const at =
      error.argument === undefined
        ? path
        : joinKeyPath(path, writtenAs.get(error.argument) ?? error.argument);
    const located = new SchedulerError(
      error.code,
      error.pythonClass,
      at === '' ? error.message : `${at}: ${error.message}`,
      {
        cause: error,
        ...(error.argument === undefined ? {} : { argument: error.argument }),
      },
    );
    placed.add(located);
    throw located;
  }
}

/** Scheduler names of PaddleOCR's and PaddleDetection's configs, lower-cased, and what dptrain's own config calls them. */
const OTHER_DIALECT_NAMES: Readonly<Record<string, string>> = {
  cosine: 'CosineAnnealingDecay (T_max in scheduler calls)',
  cosinedecay: 'CosineAnnealingDecay (T_max in scheduler calls)',
  piecewise: 'PiecewiseDecay',
  step: 'StepDecay',
  linear: 'PolynomialDecay (power 1)',
};

function unknownNameMessage(name: string): string {
  const lower = name.toLowerCase();
  const names = Object.keys(SCHEDULERS).filter((known) => known !== 'LRScheduler');
  const close = names.filter(
    (known) => known.toLowerCase() === lower || known.toLowerCase() === `torch.${lower}`,
  );
  if (close.length > 0) {
    return `unknown scheduler "${name}". Did you mean ${close.join(' or ')}? (bare names are Paddle's; PyTorch's start with "torch.")`;
  }
  const dialect = OTHER_DIALECT_NAMES[lower];
  if (dialect !== undefined) {
    return `unknown scheduler "${name}": that is a PaddleOCR/PaddleDetection name; here it is ${dialect}, or give the dialect's whole Optimizer/LearningRate block (see Bringing a Paddle config)`;
  }
  // A typo gets the one name it most likely meant; the whole list only helps when nothing is that close.
  const typo = closestKey(name, names);
  if (typo !== undefined) return `unknown scheduler "${name}". Did you mean ${typo}?`;
  return `unknown scheduler "${name}". Known: ${names.join(', ')}`;
}

function toCallable(raw: unknown, keyPath: string): unknown {
  if (typeof raw !== 'string') return raw;
  try {
    return compileLambda(raw);
  } catch (error) {
    if (error instanceof ExpressionError) {
      throw new ConfigError('ERR_CONFIG_BAD_VALUE', keyPath, error.message, { cause: error });
    }
    throw error;
  }
}

/** Evaluates expression strings over the run variables, in a value or a list of values. */
function resolveNumbers(
  raw: unknown,
  keyPath: string,
  variables: Readonly<Record<string, number>> | undefined,
): unknown {
  if (variables === undefined) return raw;
  if (Array.isArray(raw)) return raw.map((item, i) => resolveNumbers(item, `${keyPath}.${i}`, variables));
  if (typeof raw !== 'string') return raw;
  try {
    return compileExpression(raw, Object.keys(variables)).evaluate(variables);
  } catch (error) {
    if (error instanceof ExpressionError) {
      throw new ConfigError('ERR_CONFIG_BAD_VALUE', keyPath, error.message, { cause: error });
    }
    throw error;
  }
}
