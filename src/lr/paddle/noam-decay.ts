import { number } from '../../rules/index.js';
import { expectArgument, valueFault } from '../checks.js';
import { pyPow } from '../python-math.js';
import { LRScheduler, type Verbose } from '../scheduler.js';

export interface NoamDecayOptions {
  /** Model width (the Transformer's d_model), > 0. */
  dModel: number;
  /** Steps of linear rise, > 0. */
  warmupSteps: number;
  /** Multiplier `B`. Default 1.0. */
  learningRate?: number;
  lastEpoch?: number;
  verbose?: Verbose;
}

/**
 * Paddle's `NoamDecay` ("Attention is all you need"):
 * `lr = B * d_model ** -0.5 * min(a, warmup_steps ** -1.5 * e)` with `a = 1` at e = 0, else `e ** -0.5`.
 *
 * @example
 * new NoamDecay({ dModel: 512, warmupSteps: 40, learningRate: 2 }); // 0, 0.000349, 0.000699, … peak at e = 40
 */
export class NoamDecay extends LRScheduler {
  readonly className = 'NoamDecay';
  readonly dModel: number;
  readonly warmupSteps: number;

  constructor(options: NoamDecayOptions) {
    super();
    const name = this.className;
    this.dModel = expectArgument(name, 'd_model', options.dModel, number({ above: 0 }));
    this.warmupSteps = expectArgument(name, 'warmup_steps', options.warmupSteps, number());
    // Paddle does not check it, then fails in its first step (0 ** -1.5, or a complex number for < 0);
    // refuse it up front with the same Python class.
    if (this.warmupSteps <= 0) {
      const pythonClass = this.warmupSteps === 0 ? 'ZeroDivisionError' : 'TypeError';
      throw valueFault(name, 'warmup_steps', '> 0', this.warmupSteps, pythonClass);
    }
    this.begin(options.learningRate ?? 1.0, options.lastEpoch, options.verbose);
  }

  getLr(): number {
    const e = this.lastEpoch;
    const a = e === 0 ? 1 : pyPow(e, -0.5);
    const b = pyPow(this.warmupSteps, -1.5) * e;
    return this.baseLr * pyPow(this.dModel, -0.5) * Math.min(a, b);
  }
}
