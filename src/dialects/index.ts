/**
 * Paddle's application config dialects (PaddleOCR's `Optimizer:`, PaddleDetection's `LearningRate:`) translated into
 * dptrain's own `lr` and `optimizer` configs, so that nothing past this folder knows a dialect exists.
 *
 * @example
 * const { config, note } = readLrFile(parseConfigFile(text), { stepsPerEpoch: 100 }, refuse);
 */
export { DIALECT_NAMES, type Dialect, dialectOf } from './detect.js';
export { translatePaddleDetLr, translatePaddleDetOptimizer } from './paddledet.js';
export { type Translated, translatePaddleOcrLr, translatePaddleOcrOptimizer } from './paddleocr.js';
export { parseConfigFile } from './parse.js';
export { type LrFile, readLrFile, scheduleBlockOf } from './read.js';
export { type DialectRun, type MissingRunVariable, pyRound } from './run.js';
