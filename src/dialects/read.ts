import { ConfigError } from '../errors.js';
import { isMapping } from '../key-path.js';
import { DIALECT_NAMES, type Dialect, dialectOf } from './detect.js';
import { translatePaddleDetLr } from './paddledet.js';
import { translatePaddleOcrLr } from './paddleocr.js';
import type { DialectRun, MissingRunVariable } from './run.js';

/** The scheduler config a file holds, where it sits, and what the file said that was not read. */
export interface LrFile {
  readonly config: unknown;
  /** The key path of the scheduler config in the file, for error messages (`lr`, `Optimizer.lr`, '' at the top). */
  readonly path: string;
  /** One line naming the dialect, what was read and what was ignored; null for dptrain's own files. */
  readonly note: string | null;
}

/**
 * The LR schedule of a config file, translated from its dialect: dptrain's own scheduler file (the scheduler at the
 * top, or under `lr:` or its alias `lr_scheduler:`), PaddleOCR's `Optimizer.lr` or PaddleDetection's `LearningRate`
 * (the run variables from `run`, PaddleOCR's epochs from `Global.epoch_num` when `run` has none).
 *
 * @example readLrFile({ lr_scheduler: { name: 'StepDecay', learning_rate: 1, step_size: 2 } }, {}, refuse).path; // 'lr_scheduler'
 */
export function readLrFile(document: unknown, run: DialectRun, missing: MissingRunVariable): LrFile {
  const dialect = dialectOf(document);
  if (dialect === null || !isMapping(document)) return { ...ownLr(document), note: null };
  if (dialect === 'paddleocr') {
    const optimizer = scheduleBlockOf(document, dialect) as Readonly<Record<string, unknown>>;
    const global = isMapping(document.Global) ? document.Global : {};
    const fileEpochs = typeof global.epoch_num === 'number' ? global.epoch_num : undefined;
    const epochs = run.epochs ?? fileEpochs;
    const lr = translatePaddleOcrLr(
      optimizer.lr,
      { ...run, ...(epochs === undefined ? {} : { epochs }) },
      'Optimizer.lr',
      missing,
    );
    const from =
      run.epochs === undefined && fileEpochs !== undefined
        ? ` with epochs from Global.epoch_num (${fileEpochs})`
        : '';
    return {
      config: lr.value,
      path: 'Optimizer.lr',
      note: note(dialect, `Optimizer.lr${from}`, document, ['Optimizer'], lr.ignored),
    };
  }
  const lr = translatePaddleDetLr(scheduleBlockOf(document, dialect), run, 'LearningRate', missing);
  return {
    config: lr.value,
    path: 'LearningRate',
    note: note(dialect, 'LearningRate', document, ['LearningRate'], lr.ignored),
  };
}

/**
 * The block a dialect file holds its schedule in — PaddleOCR's `Optimizer` (with its `lr`), PaddleDetection's
 * `LearningRate` — refusing a file without it (ConfigError ERR_CONFIG_MISSING_KEY at that key).
 *
 * @example
 * scheduleBlockOf({ Global: {}, LearningRate: { base_lr: 0.01 } }, 'paddledet'); // { base_lr: 0.01 }
 */
export function scheduleBlockOf(document: Readonly<Record<string, unknown>>, dialect: Dialect): unknown {
  if (dialect === 'paddleocr') {
    const optimizer = document.Optimizer;
    if (!isMapping(optimizer) || optimizer.lr === undefined) {
      throw new ConfigError(
        'ERR_CONFIG_MISSING_KEY',
        'Optimizer.lr',
        'is required: a PaddleOCR file gives its schedule in Optimizer.lr',
      );
    }
    return optimizer;
  }
  if (document.LearningRate === undefined) {
    throw new ConfigError(
      'ERR_CONFIG_MISSING_KEY',
      'LearningRate',
      'is required: a PaddleDetection file gives its schedule in LearningRate',
    );
  }
  return document.LearningRate;
}

function ownLr(document: unknown): { config: unknown; path: string } {
  if (!isMapping(document) || Object.hasOwn(document, 'name')) return { config: document, path: '' };
  const hasLr = Object.hasOwn(document, 'lr');
  const hasAlias = Object.hasOwn(document, 'lr_scheduler');
  if (hasLr && hasAlias) {
    throw new ConfigError(
      'ERR_CONFIG_CONFLICT',
      'lr_scheduler',
      'is another name for lr:, and both are given; keep one of them',
    );
  }
  if (hasAlias) return { config: document.lr_scheduler, path: 'lr_scheduler' };
  if (hasLr) return { config: document.lr, path: 'lr' };
  return { config: document, path: '' };
}

function note(
  dialect: keyof typeof DIALECT_NAMES,
  read: string,
  document: Readonly<Record<string, unknown>>,
  used: readonly string[],
  inside: readonly string[],
): string {
  const blocks = Object.keys(document).filter(
    (key) => !used.includes(key) && !(key === 'Global' && read.includes('Global')),
  );
  const ignored = [...blocks, ...inside];
  return `${DIALECT_NAMES[dialect]} file: read ${read}; ignored ${ignored.length === 0 ? 'nothing' : ignored.join(', ')}`;
}
