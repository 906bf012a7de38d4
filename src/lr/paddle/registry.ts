import { SchedulerError } from '../../errors.js';
import type { SchedulerArgs, SchedulerEntry } from '../entry.js';
import type { LrLambda, Scheduler, Verbose } from '../scheduler.js';
import { CosineAnnealingDecay } from './cosine-annealing-decay.js';
import { CosineAnnealingWarmRestarts } from './cosine-annealing-warm-restarts.js';
import { CyclicLR } from './cyclic-lr.js';
import { ExponentialDecay } from './exponential-decay.js';
import { InverseTimeDecay } from './inverse-time-decay.js';
import { LambdaDecay } from './lambda-decay.js';
import { LinearLR } from './linear-lr.js';
import { LinearWarmup } from './linear-warmup.js';
import { MultiStepDecay } from './multi-step-decay.js';
import { MultiplicativeDecay } from './multiplicative-decay.js';
import { NaturalExpDecay } from './natural-exp-decay.js';
import { NoamDecay } from './noam-decay.js';
import { OneCycleLR } from './one-cycle-lr.js';
import { PiecewiseDecay } from './piecewise-decay.js';
import { PolynomialDecay } from './polynomial-decay.js';
import { ReduceOnPlateau } from './reduce-on-plateau.js';
import { StepDecay } from './step-decay.js';

// Config values arrive unchecked; each constructor validates its own arguments with Paddle's rules, so the
// casts below only name the option a value goes to.
const n = (value: unknown) => value as number;
const common = (a: SchedulerArgs) => ({
  lastEpoch: a.last_epoch as number | undefined,
  verbose: a.verbose as Verbose,
});
const TAIL = ['last_epoch', 'verbose'] as const;

/** Paddle's 17 schedulers (and the abstract base), keyed by Paddle's class name. */
export const PADDLE_SCHEDULERS: Readonly<Record<string, SchedulerEntry>> = {
  NoamDecay: {
    args: ['d_model', 'warmup_steps', 'learning_rate', ...TAIL],
    create: (a) =>
      new NoamDecay({
        dModel: n(a.d_model),
        warmupSteps: n(a.warmup_steps),
        learningRate: a.learning_rate as number | undefined,
        ...common(a),
      }),
  },
  PiecewiseDecay: {
    args: ['boundaries', 'values', ...TAIL],
    create: (a) =>
      new PiecewiseDecay({
        boundaries: a.boundaries as number[],
        values: a.values as number[],
        ...common(a),
      }),
  },
  NaturalExpDecay: {
    args: ['learning_rate', 'gamma', ...TAIL],
    create: (a) => new NaturalExpDecay({ learningRate: n(a.learning_rate), gamma: n(a.gamma), ...common(a) }),
  },
  InverseTimeDecay: {
    args: ['learning_rate', 'gamma', ...TAIL],
    create: (a) =>
      new InverseTimeDecay({ learningRate: n(a.learning_rate), gamma: n(a.gamma), ...common(a) }),
  },
  PolynomialDecay: {
    args: ['learning_rate', 'decay_steps', 'end_lr', 'power', 'cycle', ...TAIL],
    create: (a) =>
      new PolynomialDecay({
        learningRate: n(a.learning_rate),
        decaySteps: n(a.decay_steps),
        endLr: a.end_lr as number | undefined,
        power: a.power as number | undefined,
        cycle: a.cycle as boolean | undefined,
        ...common(a),
      }),
  },
  LinearWarmup: {
    args: ['learning_rate', 'warmup_steps', 'start_lr', 'end_lr', ...TAIL],
    aliases: { scheduler: 'learning_rate' },
    create: (a, context) => {
      const inner = a.learning_rate;
      const learningRate =
        typeof inner === 'object' && inner !== null && !Array.isArray(inner)
          ? // The guide's blocks nest a scheduler without its own learning_rate: it starts where the warmup ends.
            context.build(inner, 'learning_rate', { learning_rate: a.end_lr })
          : (inner as number);
      return new LinearWarmup({
        learningRate,
        warmupSteps: n(a.warmup_steps),
        startLr: n(a.start_lr),
        endLr: n(a.end_lr),
        ...common(a),
      });
    },
  },
  ExponentialDecay: {
    args: ['learning_rate', 'gamma', ...TAIL],
    create: (a) =>
      new ExponentialDecay({ learningRate: n(a.learning_rate), gamma: n(a.gamma), ...common(a) }),
  },
  MultiStepDecay: {
    args: ['learning_rate', 'milestones', 'gamma', ...TAIL],
    create: (a) =>
      new MultiStepDecay({
        learningRate: n(a.learning_rate),
        milestones: a.milestones as number[],
        gamma: a.gamma as number | undefined,
        ...common(a),
      }),
  },
  StepDecay: {
    args: ['learning_rate', 'step_size', 'gamma', ...TAIL],
    create: (a) =>
      new StepDecay({
        learningRate: n(a.learning_rate),
        stepSize: n(a.step_size),
        gamma: a.gamma as number | undefined,
        ...common(a),
      }),
  },
  LambdaDecay: {
    args: ['learning_rate', 'lr_lambda', ...TAIL],
    callables: ['lr_lambda'],
    create: (a) =>
      new LambdaDecay({ learningRate: n(a.learning_rate), lrLambda: a.lr_lambda as LrLambda, ...common(a) }),
  },
  ReduceOnPlateau: {
    args: [
      'learning_rate',
      'mode',
      'factor',
      'patience',
      'threshold',
      'threshold_mode',
      'cooldown',
      'min_lr',
      'epsilon',
      'verbose',
    ],
    strings: ['mode', 'threshold_mode'],
    create: (a) =>
      new ReduceOnPlateau({
        learningRate: n(a.learning_rate),
        mode: a.mode as string | undefined,
        factor: a.factor as number | undefined,
        patience: a.patience as number | undefined,
        threshold: a.threshold as number | undefined,
        thresholdMode: a.threshold_mode as string | undefined,
        cooldown: a.cooldown as number | undefined,
        minLr: a.min_lr as number | undefined,
        epsilon: a.epsilon as number | undefined,
        verbose: a.verbose as Verbose,
      }),
  },
  CosineAnnealingDecay: {
    args: ['learning_rate', 'T_max', 'eta_min', ...TAIL],
    create: (a) =>
      new CosineAnnealingDecay({
        learningRate: n(a.learning_rate),
        tMax: n(a.T_max),
        etaMin: a.eta_min as number | undefined,
        ...common(a),
      }),
  },
  MultiplicativeDecay: {
    args: ['learning_rate', 'lr_lambda', ...TAIL],
    callables: ['lr_lambda'],
    create: (a) =>
      new MultiplicativeDecay({
        learningRate: n(a.learning_rate),
        lrLambda: a.lr_lambda as LrLambda,
        ...common(a),
      }),
  },
  OneCycleLR: {
    args: [
      'max_learning_rate',
      'total_steps',
      'divide_factor',
      'end_learning_rate',
      'phase_pct',
      'anneal_strategy',
      'three_phase',
      ...TAIL,
    ],
    strings: ['anneal_strategy'],
    create: (a) =>
      new OneCycleLR({
        maxLearningRate: n(a.max_learning_rate),
        totalSteps: n(a.total_steps),
        divideFactor: a.divide_factor as number | undefined,
        endLearningRate: a.end_learning_rate as number | undefined,
        phasePct: a.phase_pct as number | undefined,
        annealStrategy: a.anneal_strategy as 'cos' | 'linear' | undefined,
        threePhase: a.three_phase as boolean | undefined,
        ...common(a),
      }),
  },
  CyclicLR: {
    args: [
      'base_learning_rate',
      'max_learning_rate',
      'step_size_up',
      'step_size_down',
      'mode',
      'exp_gamma',
      'scale_fn',
      'scale_mode',
      ...TAIL,
    ],
    callables: ['scale_fn'],
    strings: ['mode', 'scale_mode'],
    nones: ['step_size_down', 'scale_fn'],
    create: (a) =>
      new CyclicLR({
        baseLearningRate: n(a.base_learning_rate),
        maxLearningRate: n(a.max_learning_rate),
        stepSizeUp: n(a.step_size_up),
        stepSizeDown: a.step_size_down as number | undefined,
        mode: a.mode as string | undefined,
        expGamma: a.exp_gamma as number | undefined,
        scaleFn: a.scale_fn as LrLambda | undefined,
        scaleMode: a.scale_mode as string | undefined,
        ...common(a),
      }),
  },
  LinearLR: {
    args: ['learning_rate', 'total_steps', 'start_factor', 'end_factor', ...TAIL],
    create: (a) =>
      new LinearLR({
        learningRate: n(a.learning_rate),
        totalSteps: n(a.total_steps),
        startFactor: a.start_factor as number | undefined,
        endFactor: a.end_factor as number | undefined,
        ...common(a),
      }),
  },
  CosineAnnealingWarmRestarts: {
    args: ['learning_rate', 'T_0', 'T_mult', 'eta_min', ...TAIL],
    create: (a) =>
      new CosineAnnealingWarmRestarts({
        learningRate: n(a.learning_rate),
        t0: n(a.T_0),
        tMult: a.T_mult as number | undefined,
        etaMin: a.eta_min as number | undefined,
        ...common(a),
      }),
  },
  LRScheduler: {
    args: ['learning_rate', ...TAIL],
    create: (): Scheduler => {
      throw new SchedulerError(
        'ERR_LR_ABSTRACT',
        'NotImplementedError',
        'LRScheduler is the abstract base class and has no schedule; name a concrete scheduler such as StepDecay',
      );
    },
  },
};
