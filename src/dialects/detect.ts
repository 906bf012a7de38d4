import { isMapping } from '../key-path.js';

/** A config file in one of Paddle's application dialects; dptrain's own files are `null`. */
export type Dialect = 'paddleocr' | 'paddledet';

/** The names the README and warnings use. */
export const DIALECT_NAMES: Readonly<Record<Dialect, string>> = {
  paddleocr: 'PaddleOCR',
  paddledet: 'PaddleDetection',
};

// The blocks that mark a file: PaddleOCR's `Global`/`Optimizer`, PaddleDetection's `LearningRate`/`OptimizerBuilder`.
const MARKS: Readonly<Record<Dialect, readonly string[]>> = {
  paddleocr: ['Global', 'Optimizer'],
  paddledet: ['LearningRate', 'OptimizerBuilder'],
};

/**
 * Which dialect a parsed config file is written in, from its capitalised top-level blocks; `null` for dptrain's own
 * run configs and scheduler files (which keep refusing keys they do not know).
 *
 * @example dialectOf({ Global: { epoch_num: 500 }, Optimizer: { name: 'Adam' } }); // 'paddleocr'
 */
export function dialectOf(document: unknown): Dialect | null {
  if (!isMapping(document)) return null;
  for (const dialect of Object.keys(MARKS) as Dialect[]) {
    if (MARKS[dialect].some((key) => Object.hasOwn(document, key))) return dialect;
  }
  return null;
}
