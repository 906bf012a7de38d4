import type { SchedulerArgs, SchedulerEntry } from '../entry.js';
import type { Verbose } from '../scheduler.js';
import { CyclicalCosineDecay } from './cyclical-cosine-decay.js';
import { TwoStepCosineDecay } from './two-step-cosine-decay.js';

const common = (a: SchedulerArgs) => ({
  lastEpoch: a.last_epoch as number | undefined,
  verbose: a.verbose as Verbose,
});

/**
 * PaddleOCR's own LRScheduler subclasses, under `ppocr.` (as PyTorch's are under `torch.`): what PaddleOCR's
 * `CyclicalCosine` and `TwoStepCosine` build, which no Paddle scheduler computes. Arguments as PaddleOCR's constructors.
 */
export const PPOCR_SCHEDULERS: Readonly<Record<string, SchedulerEntry>> = {
  'ppocr.CyclicalCosineDecay': {
    args: ['learning_rate', 'T_max', 'cycle', 'last_epoch', 'eta_min', 'verbose'],
    create: (a) =>
      new CyclicalCosineDecay({
        learningRate: a.learning_rate as number,
        tMax: a.T_max as number,
        cycle: a.cycle as number | undefined,
        etaMin: a.eta_min as number | undefined,
        ...common(a),
      }),
  },
  'ppocr.TwoStepCosineDecay': {
    args: ['learning_rate', 'T_max1', 'T_max2', 'eta_min', 'last_epoch', 'verbose'],
    create: (a) =>
      new TwoStepCosineDecay({
        learningRate: a.learning_rate as number,
        tMax1: a.T_max1 as number,
        tMax2: a.T_max2 as number,
        etaMin: a.eta_min as number | undefined,
        ...common(a),
      }),
  },
};
