/**
 * PyTorch's learning-rate schedulers (1.13 semantics, torch's argument names), as `torch.*` in configs. Each
 * drives a `TorchParamGroup` (the optimizer's one parameter group), so chained schedulers compose as in torch.
 *
 * @example
 * import { TorchStepLR } from './torch/index.js';
 * new TorchStepLR({ learningRate: 0.1, stepSize: 30 }).lastLr; // 0.1
 */
export { TorchChainedScheduler, type TorchChainedSchedulerOptions } from './chained-scheduler.js';
export { TorchConstantLR, type TorchConstantLROptions } from './constant-lr.js';
export { TorchCosineAnnealingLR, type TorchCosineAnnealingLROptions } from './cosine-annealing-lr.js';
export {
  TorchCosineAnnealingWarmRestarts,
  type TorchCosineAnnealingWarmRestartsOptions,
} from './cosine-annealing-warm-restarts.js';
export { TorchCyclicLR, type TorchCyclicLROptions } from './cyclic-lr.js';
export { TorchExponentialLR, type TorchExponentialLROptions } from './exponential-lr.js';
export { TorchLambdaLR, type TorchLambdaLROptions } from './lambda-lr.js';
export { TorchLinearLR, type TorchLinearLROptions } from './linear-lr.js';
export {
  isTorchEpochScheduler,
  type TorchEpochScheduler,
  TorchLRScheduler,
  type TorchSchedulerOptions,
} from './lr-scheduler.js';
export { TorchMultiStepLR, type TorchMultiStepLROptions } from './multi-step-lr.js';
export { TorchMultiplicativeLR, type TorchMultiplicativeLROptions } from './multiplicative-lr.js';
export { TorchOneCycleLR, type TorchOneCycleLROptions } from './one-cycle-lr.js';
export {
  createParamGroup,
  isParamGroup,
  type TorchGroupOptions,
  type TorchParamGroup,
} from './param-group.js';
export { TorchPolynomialLR, type TorchPolynomialLROptions } from './polynomial-lr.js';
export { TorchReduceLROnPlateau, type TorchReduceLROnPlateauOptions } from './reduce-lr-on-plateau.js';
export { TORCH_SCHEDULERS } from './registry.js';
export { TorchSequentialLR, type TorchSequentialLROptions } from './sequential-lr.js';
export { TorchStepLR, type TorchStepLROptions } from './step-lr.js';
