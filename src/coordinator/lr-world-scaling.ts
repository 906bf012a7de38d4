/**
 * The LR rescaled for the size of the world that takes a step: Goyal et al. 2017 ("Accurate, Large Minibatch SGD:
 * Training ImageNet in 1 Hour"), whose linear scaling rule multiplies the LR by k when the minibatch grows k times.
 */

/** How the applied LR follows the number of workers: `none`, or `linear` against `referenceWorkers`. */
export interface LrWorldScaling {
  readonly mode: 'none' | 'linear';
  /** the world size the schedule's values are meant for (linear: the factor is 1 there) */
  readonly referenceWorkers: number;
}

export const NO_LR_WORLD_SCALING: LrWorldScaling = Object.freeze({ mode: 'none', referenceWorkers: 1 });

/**
 * The LR applied at a step whose schedule gives `lr` and whose world has `workers` ranks: `lr` itself with `none`;
 * with `linear`, lr × (workers ÷ referenceWorkers) in double precision (exact when the ratio is a power of two).
 *
 * @example
 * worldScaledLr(0.1, 4, { mode: 'linear', referenceWorkers: 2 }); // 0.2
 */
export function worldScaledLr(lr: number, workers: number, scaling: LrWorldScaling): number {
  return scaling.mode === 'none' ? lr : lr * (workers / scaling.referenceWorkers);
}
