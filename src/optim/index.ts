/**
 * Paddle's SGD, Momentum, Adam and AdamW over one flat Float32Array, in float32 in the GPU kernels' operation order
 * (checked bit for bit against goldens computed so; real Paddle may fuse multiply-adds and differ by a few ulp).
 */
export {
  type AdamSpec,
  type AdamWSpec,
  type ClipSpec,
  DEFAULT_ADAMW_WEIGHT_DECAY,
  DEFAULT_AMSGRAD,
  DEFAULT_APPLY_DECAY,
  DEFAULT_BETA1,
  DEFAULT_BETA2,
  DEFAULT_EPSILON,
  DEFAULT_LR_RATIO,
  DEFAULT_MOMENTUM,
  DEFAULT_RESCALE_GRAD,
  DEFAULT_USE_NESTEROV,
  type DecaySpec,
  type MomentumSpec,
  OPTIMIZER_NAMES,
  type OptimizerSpec,
  parseOptimizerConfig,
  type SgdSpec,
} from './config.js';
export { createOptimizer } from './create-optimizer.js';
export type {
  Optimizer,
  OptimizerConfig,
  OptimizerName,
  OptimizerState,
  ParameterLayout,
} from './optimizer.js';
