/**
 * A whole PaddleOCR or PaddleDetection file as a run config. What maps onto dptrain's keys is read (the optimizer,
 * the run length, a seed); the schedule is kept in its dialect (`lr_dialect`) until the run's steps per epoch are
 * known, since PaddleDetection's boundary lists and PaddleOCR's epoch lengths are multiples of them.
 */
import {
  DIALECT_NAMES,
  type Dialect,
  dialectOf,
  scheduleBlockOf,
  translatePaddleDetLr,
  translatePaddleDetOptimizer,
  translatePaddleOcrLr,
  translatePaddleOcrOptimizer,
} from '../dialects/index.js';
import { ConfigError } from '../errors.js';
import { isMapping } from '../key-path.js';

/** A schedule in a dialect's terms: PaddleOCR's `Optimizer.lr` block or PaddleDetection's `LearningRate`. */
export interface DialectSchedule {
  readonly dialect: Dialect;
  readonly lr: Readonly<Record<string, unknown>>;
}

/** A dialect file read as run-config keys, and the one warning line naming what was read and what was ignored. */
export interface DialectRunFile {
  readonly file: Readonly<Record<string, unknown>>;
  readonly note: string;
}

/** Where each dialect keeps its schedule, for messages. */
const SCHEDULE_AT: Readonly<Record<Dialect, string>> = {
  paddleocr: 'Optimizer.lr',
  paddledet: 'LearningRate',
};

/**
 * The run-config keys of a dialect file (null for dptrain's own files, read as they are): `optimizer` translated,
 * `lr_dialect` holding the schedule block, `epochs` from PaddleOCR's `Global.epoch_num` or PaddleDetection's
 * `epoch` (left out when `overrides` give the run length), `seed` from `Global.seed`. A key of dptrain's own in
 * the file (`lr:`, `optimizer:`, `task:`, …) is refused: the file is read as the dialect, dptrain's keys come as
 * flags. `runKeys` are dptrain's key names.
 *
 * @example
 * dialectRunFile({ Global: { epoch_num: 3 }, Optimizer: { name: 'Adam', lr: { learning_rate: 0.1 } } }, {}, keys)?.file;
 * // { optimizer: { name: 'Adam' }, lr_dialect: { dialect: 'paddleocr', lr: { learning_rate: 0.1 } }, epochs: 3 }
 */
export function dialectRunFile(
  document: unknown,
  overrides: Readonly<Record<string, unknown>>,
  runKeys: readonly string[],
): DialectRunFile | null {
  const dialect = dialectOf(document);
  if (dialect === null || !isMapping(document)) return null;
  const name = DIALECT_NAMES[dialect];
  for (const key of Object.keys(document)) {
    if (!runKeys.includes(key) && key !== 'lr_scheduler') continue;
    const mixed =
      key === 'lr' || key === 'lr_scheduler' || key === 'optimizer'
        ? `${key}: is dptrain's own ${key === 'optimizer' ? 'optimizer' : 'schedule'}, and the file's ${key === 'optimizer' ? optimizerAt(dialect) : SCHEDULE_AT[dialect]} is ${name}'s; keep one of them (remove ${key}: to use ${name}'s)`
        : `${key}: is dptrain's key, but this file is read as ${name}'s; give it as a flag (--${key.replaceAll('_', '-')}) instead`;
    throw new ConfigError('ERR_CONFIG_CONFLICT', key, mixed);
  }
  const lengthFlag =
    overrides.steps !== undefined ? '--steps' : overrides.epochs !== undefined ? '--epochs' : null;
  const lengthGiven = lengthFlag !== null;
  const overridden = (key: string) => `${key} (${lengthFlag} gives the run length)`;
  const read: string[] = [];
  const ignored: string[] = [];
  const file: Record<string, unknown> = {};
  if (dialect === 'paddleocr') {
    const optimizer = scheduleBlockOf(document, dialect) as Readonly<Record<string, unknown>>;
    const translated = translatePaddleOcrOptimizer(optimizer, 'Optimizer');
    file.optimizer = translated.value;
    file.lr_dialect = { dialect, lr: lrBlock(optimizer.lr, 'Optimizer.lr') };
    read.push(`Optimizer (${String(optimizer.name)}, lr ${String(lrName(optimizer.lr))})`);
    ignored.push(...translated.ignored);
    const global = isMapping(document.Global) ? document.Global : {};
    const taken: string[] = [];
    if (global.epoch_num !== undefined && !lengthGiven) {
      file.epochs = global.epoch_num;
      taken.push(`epoch_num as epochs (${String(global.epoch_num)})`);
    }
    if (global.seed !== undefined) {
      file.seed = global.seed;
      taken.push('seed');
    }
    if (taken.length > 0) read.push(`Global.${taken.join(', Global.')}`);
    if (global.epoch_num !== undefined && lengthGiven) ignored.push(overridden('Global.epoch_num'));
    const rest = Object.keys(global).filter((key) => key !== 'seed' && key !== 'epoch_num');
    if (document.Global !== undefined && rest.length > 0) {
      ignored.push(rest.length === Object.keys(global).length ? 'Global' : 'the rest of Global');
    }
    ignored.push(...Object.keys(document).filter((key) => key !== 'Optimizer' && key !== 'Global'));
  } else {
    file.lr_dialect = { dialect, lr: lrBlock(scheduleBlockOf(document, dialect), 'LearningRate') };
    read.push('LearningRate');
    // PaddleDetection builds its default optimizer (Momentum 0.9, L2 1e-4) without an OptimizerBuilder block.
    const translated = translatePaddleDetOptimizer(document.OptimizerBuilder ?? {}, 'OptimizerBuilder');
    file.optimizer = translated.value;
    read.push(
      document.OptimizerBuilder === undefined
        ? "PaddleDetection's default optimizer (no OptimizerBuilder)"
        : 'OptimizerBuilder',
    );
    ignored.push(...translated.ignored);
    if (document.epoch !== undefined && !lengthGiven) {
      file.epochs = document.epoch;
      read.push(`epoch as epochs (${String(document.epoch)})`);
    }
    const used = ['LearningRate', 'OptimizerBuilder', 'epoch'];
    if (document.epoch !== undefined && lengthGiven) ignored.push(overridden('epoch'));
    ignored.push(...Object.keys(document).filter((key) => !used.includes(key)));
  }
  const note = `${name} file: read ${read.join(', ')}; ignored ${ignored.length === 0 ? 'nothing' : ignored.join(', ')}`;
  return { file, note };
}

/**
 * The dialect's schedule as dptrain's own `lr` config, for a run of `stepsPerEpoch` global steps per epoch over
 * `epochs` (a fractional run, given in steps, counts the epochs it touches: the dialects' epochs are whole).
 *
 * @example
 * dialectLr({ dialect: 'paddleocr', lr: { name: 'Cosine', learning_rate: 0.1 } }, { stepsPerEpoch: 4, epochs: 2 });
 * // { name: 'CosineAnnealingDecay', learning_rate: 0.1, T_max: 8 }
 */
export function dialectLr(
  schedule: DialectSchedule,
  run: { readonly stepsPerEpoch: number; readonly epochs: number },
): Readonly<Record<string, unknown>> {
  const variables = { stepsPerEpoch: run.stepsPerEpoch, epochs: Math.ceil(run.epochs) };
  // Both variables are always given here, so a translation never asks for a missing one.
  const missing = (variable: string): never => {
    throw new ConfigError('ERR_CONFIG_MISSING_KEY', 'lr_dialect', `needs ${variable}`);
  };
  const path = SCHEDULE_AT[schedule.dialect];
  const translated =
    schedule.dialect === 'paddleocr'
      ? translatePaddleOcrLr(schedule.lr, variables, path, missing)
      : translatePaddleDetLr(schedule.lr, variables, path, missing);
  return translated.value;
}

function optimizerAt(dialect: Dialect): string {
  return dialect === 'paddleocr' ? 'Optimizer' : 'OptimizerBuilder';
}

function lrName(block: unknown): unknown {
  return isMapping(block) && block.name !== undefined ? block.name : 'constant';
}

function lrBlock(value: unknown, path: string): Readonly<Record<string, unknown>> {
  if (!isMapping(value)) {
    throw new ConfigError(
      'ERR_CONFIG_BAD_VALUE',
      path,
      `must be a mapping (the schedule block), received ${JSON.stringify(value)}`,
    );
  }
  return value;
}
