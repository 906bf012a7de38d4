import { expectArgument, numberList, valueFault } from '../checks.js';
import { LRScheduler, type Verbose } from '../scheduler.js';

export interface PiecewiseDecayOptions {
  /** Epochs where the value changes. */
  boundaries: readonly number[];
  /** One more value than boundaries: `values[i]` holds while `e < boundaries[i]`. */
  values: readonly number[];
  lastEpoch?: number;
  verbose?: Verbose;
}

/**
 * Paddle's `PiecewiseDecay`: `values[i]` for the first boundary with `e < boundaries[i]`, else the last value
 * (extra values beyond `boundaries.length + 1` are skipped, as in Paddle).
 *
 * @example
 * new PiecewiseDecay({ boundaries: [3, 6], values: [0.1, 0.2, 0.3] }); // 0.1, 0.1, 0.1, 0.2, 0.2, 0.2, 0.3, …
 */
export class PiecewiseDecay extends LRScheduler {
  readonly className = 'PiecewiseDecay';
  readonly boundaries: readonly number[];
  readonly values: readonly number[];

  constructor(options: PiecewiseDecayOptions) {
    super();
    const name = this.className;
    this.boundaries = [...expectArgument(name, 'boundaries', options.boundaries, numberList)];
    this.values = [...expectArgument(name, 'values', options.values, numberList)];
    if (this.boundaries.length === 0)
      throw valueFault(name, 'boundaries', 'a non-empty list', this.boundaries);
    if (this.values.length < this.boundaries.length + 1) {
      throw valueFault(
        name,
        'values',
        `a list one longer than boundaries (${this.boundaries.length + 1} values)`,
        this.values,
      );
    }
    this.begin(0.1, options.lastEpoch, options.verbose);
  }

  getLr(): number {
    const index = this.boundaries.findIndex((boundary) => this.lastEpoch < boundary);
    return this.values[index === -1 ? this.values.length - 1 : index]!;
  }
}
