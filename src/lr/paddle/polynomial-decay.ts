import { boolean, integer, number } from '../../rules/index.js';
import { ASSERTS_VALUE, expectArgument, raisesOnly } from '../checks.js';
import { pyDiv, pyPow } from '../python-math.js';
import { LRScheduler, type Verbose } from '../scheduler.js';

export interface PolynomialDecayOptions {
  learningRate: number;
  /** Length of the decay (positive integer). */
  decaySteps: number;
  /** Final value. Default 0.0001. */
  endLr?: number;
  /** Exponent, > 0. Default 1.0. */
  power?: number;
  /** Stretch the period by whole multiples once it is passed, instead of holding `end_lr`. Default false. */
  cycle?: boolean;
  lastEpoch?: number;
  verbose?: Verbose;
}

/**
 * Paddle's `PolynomialDecay`: `lr = (B - end_lr) * (1 - E / D) ** power + end_lr` with `E = min(e, decay_steps)`,
 * `D = decay_steps`; with `cycle`, `E = e` and `D = decay_steps * ceil(e / decay_steps)` (1 at e = 0), so the
 * value jumps back up after each period instead of restarting at `B`.
 *
 * @example
 * new PolynomialDecay({ learningRate: 0.5, decaySteps: 20, endLr: 0 }); // 0.5, 0.475, 0.45, … 0 from e = 20
 */
export class PolynomialDecay extends LRScheduler {
  readonly className = 'PolynomialDecay';
  readonly decaySteps: number;
  readonly endLr: number;
  readonly power: number;
  readonly cycle: boolean;

  constructor(options: PolynomialDecayOptions) {
    super();
    const name = this.className;
    const steps = options.decaySteps;
    // Paddle asserts type and value at once: AssertionError for either.
    this.decaySteps = expectArgument(name, 'decay_steps', steps, integer(1), raisesOnly('AssertionError'));
    this.power = expectArgument(name, 'power', options.power ?? 1.0, number({ above: 0 }), ASSERTS_VALUE);
    this.endLr = expectArgument(name, 'end_lr', options.endLr ?? 0.0001, number());
    this.cycle = expectArgument(name, 'cycle', options.cycle ?? false, boolean);
    this.begin(options.learningRate, options.lastEpoch, options.verbose);
  }

  getLr(): number {
    let epoch = this.lastEpoch;
    let decaySteps = this.decaySteps;
    if (this.cycle) {
      const periods = epoch === 0 ? 1 : Math.ceil(epoch / this.decaySteps);
      decaySteps = this.decaySteps * periods;
    } else {
      epoch = Math.min(epoch, this.decaySteps);
    }
    return (this.baseLr - this.endLr) * pyPow(1 - pyDiv(epoch, decaySteps), this.power) + this.endLr;
  }
}
