import { typeFault } from '../checks.js';
import type { BuildContext, SchedulerArgs, SchedulerEntry } from '../entry.js';
import type { LrLambda, Scheduler, Verbose } from '../scheduler.js';
import { TorchChainedScheduler } from './chained-scheduler.js';
import { TorchConstantLR } from './constant-lr.js';
import { TorchCosineAnnealingLR } from './cosine-annealing-lr.js';
import { TorchCosineAnnealingWarmRestarts } from './cosine-annealing-warm-restarts.js';
import { TorchCyclicLR } from './cyclic-lr.js';
import { TorchExponentialLR } from './exponential-lr.js';
import { TorchLambdaLR } from './lambda-lr.js';
import { TorchLinearLR } from './linear-lr.js';
import type { TorchEpochScheduler, TorchLRScheduler } from './lr-scheduler.js';
import { TorchMultiStepLR } from './multi-step-lr.js';
import { TorchMultiplicativeLR } from './multiplicative-lr.js';
import { TorchOneCycleLR } from './one-cycle-lr.js';
import { resolveGroup, type TorchGroupOptions, type TorchParamGroup } from './param-group.js';
import { TorchPolynomialLR } from './polynomial-lr.js';
import { TorchReduceLROnPlateau } from './reduce-lr-on-plateau.js';
import { TorchSequentialLR } from './sequential-lr.js';
import { TorchStepLR } from './step-lr.js';

// Config values arrive unchecked; each constructor checks its own arguments, so the casts below only name the
// option a value goes to. `group` is the hidden key a composite passes to its children (never a user key).
const n = (value: unknown) => value as number;
const on = (value: unknown) => value as number | undefined;
const ons = (value: unknown) => value as number | readonly number[];
const attach = (a: SchedulerArgs): TorchGroupOptions => ({
  learningRate: on(a.learning_rate),
  group: a.group as TorchParamGroup | undefined,
});
const tail = (a: SchedulerArgs) => ({
  lastEpoch: on(a.last_epoch),
  verbose: a.verbose as Verbose | undefined,
});
const firstOf = (value: unknown) => (Array.isArray(value) ? value[0] : value);
const HEAD = ['learning_rate'] as const;
const TAIL = ['last_epoch', 'verbose'] as const;

/** Builds a composite's children on its group: each inherits `learning_rate` and shares the group. */
function buildChildren(
  name: string,
  a: SchedulerArgs,
  context: BuildContext,
  group: TorchParamGroup,
): Scheduler[] {
  const configs = a.schedulers;
  if (!Array.isArray(configs)) throw typeFault(name, 'schedulers', 'a list of scheduler configs', configs);
  return configs.map((config, i) =>
    context.build(config, `schedulers.${i}`, { learning_rate: group.learningRate, group }),
  );
}

/**
 * PyTorch's 15 schedulers, keyed by `torch.` + torch's class name; arguments are torch's (minus `optimizer`) plus
 * `learning_rate`, the optimizer's initial lr. Composites build their `schedulers` configs on one shared group.
 *
 * @example
 * TORCH_SCHEDULERS['torch.StepLR']?.args; // ['learning_rate', 'step_size', 'gamma', 'last_epoch', 'verbose']
 */
export const TORCH_SCHEDULERS: Readonly<Record<string, SchedulerEntry>> = {
  'torch.LambdaLR': {
    args: [...HEAD, 'lr_lambda', ...TAIL],
    callables: ['lr_lambda'],
    create: (a) => new TorchLambdaLR({ ...attach(a), lrLambda: a.lr_lambda as LrLambda, ...tail(a) }),
  },
  'torch.MultiplicativeLR': {
    args: [...HEAD, 'lr_lambda', ...TAIL],
    callables: ['lr_lambda'],
    create: (a) => new TorchMultiplicativeLR({ ...attach(a), lrLambda: a.lr_lambda as LrLambda, ...tail(a) }),
  },
  'torch.StepLR': {
    args: [...HEAD, 'step_size', 'gamma', ...TAIL],
    create: (a) =>
      new TorchStepLR({ ...attach(a), stepSize: n(a.step_size), gamma: on(a.gamma), ...tail(a) }),
  },
  'torch.MultiStepLR': {
    args: [...HEAD, 'milestones', 'gamma', ...TAIL],
    create: (a) =>
      new TorchMultiStepLR({
        ...attach(a),
        milestones: a.milestones as number[],
        gamma: on(a.gamma),
        ...tail(a),
      }),
  },
  'torch.ConstantLR': {
    args: [...HEAD, 'factor', 'total_iters', ...TAIL],
    create: (a) =>
      new TorchConstantLR({ ...attach(a), factor: on(a.factor), totalIters: on(a.total_iters), ...tail(a) }),
  },
  'torch.LinearLR': {
    args: [...HEAD, 'start_factor', 'end_factor', 'total_iters', ...TAIL],
    create: (a) =>
      new TorchLinearLR({
        ...attach(a),
        startFactor: on(a.start_factor),
        endFactor: on(a.end_factor),
        totalIters: on(a.total_iters),
        ...tail(a),
      }),
  },
  'torch.ExponentialLR': {
    args: [...HEAD, 'gamma', ...TAIL],
    create: (a) => new TorchExponentialLR({ ...attach(a), gamma: n(a.gamma), ...tail(a) }),
  },
  'torch.SequentialLR': {
    args: [...HEAD, 'schedulers', 'milestones', ...TAIL],
    create: (a, context) => {
      const group = resolveGroup('torch.SequentialLR', attach(a), false);
      const schedulers = buildChildren('torch.SequentialLR', a, context, group) as TorchLRScheduler[];
      return new TorchSequentialLR({ group, schedulers, milestones: a.milestones as number[], ...tail(a) });
    },
  },
  'torch.CosineAnnealingLR': {
    args: [...HEAD, 'T_max', 'eta_min', ...TAIL],
    create: (a) =>
      new TorchCosineAnnealingLR({ ...attach(a), tMax: n(a.T_max), etaMin: on(a.eta_min), ...tail(a) }),
  },
  'torch.ChainedScheduler': {
    args: [...HEAD, 'schedulers'],
    create: (a, context) => {
      const group = resolveGroup('torch.ChainedScheduler', attach(a), false);
      const schedulers = buildChildren('torch.ChainedScheduler', a, context, group) as TorchEpochScheduler[];
      return new TorchChainedScheduler({ group, schedulers });
    },
  },
  'torch.ReduceLROnPlateau': {
    args: [
      ...HEAD,
      'mode',
      'factor',
      'patience',
      'threshold',
      'threshold_mode',
      'cooldown',
      'min_lr',
      'eps',
      'verbose',
    ],
    strings: ['mode', 'threshold_mode'],
    create: (a) =>
      new TorchReduceLROnPlateau({
        ...attach(a),
        mode: a.mode as string | undefined,
        factor: on(a.factor),
        patience: on(a.patience),
        threshold: on(a.threshold),
        thresholdMode: a.threshold_mode as string | undefined,
        cooldown: on(a.cooldown),
        minLr: a.min_lr as number | undefined,
        eps: on(a.eps),
        verbose: a.verbose as Verbose | undefined,
      }),
  },
  'torch.CyclicLR': {
    args: [
      ...HEAD,
      'base_lr',
      'max_lr',
      'step_size_up',
      'step_size_down',
      'mode',
      'gamma',
      'scale_fn',
      'scale_mode',
      'cycle_momentum',
      'base_momentum',
      'max_momentum',
      ...TAIL,
    ],
    callables: ['scale_fn'],
    strings: ['mode', 'scale_mode'],
    nones: ['step_size_down', 'scale_fn'],
    create: (a) =>
      new TorchCyclicLR({
        // A fresh torch.CyclicLR overwrites the optimizer's lr with base_lr, so the optimizer's own may be left out.
        ...attach({ ...a, learning_rate: a.learning_rate ?? firstOf(a.base_lr) }),
        baseLr: ons(a.base_lr),
        maxLr: ons(a.max_lr),
        stepSizeUp: on(a.step_size_up),
        stepSizeDown: on(a.step_size_down),
        mode: a.mode as string | undefined,
        gamma: on(a.gamma),
        scaleFn: a.scale_fn as LrLambda | undefined,
        scaleMode: a.scale_mode as string | undefined,
        cycleMomentum: a.cycle_momentum as boolean | undefined,
        baseMomentum: ons(a.base_momentum),
        maxMomentum: ons(a.max_momentum),
        ...tail(a),
      }),
  },
  'torch.CosineAnnealingWarmRestarts': {
    args: [...HEAD, 'T_0', 'T_mult', 'eta_min', ...TAIL],
    create: (a) =>
      new TorchCosineAnnealingWarmRestarts({
        ...attach(a),
        t0: n(a.T_0),
        tMult: on(a.T_mult),
        etaMin: on(a.eta_min),
        ...tail(a),
      }),
  },
  'torch.OneCycleLR': {
    args: [
      ...HEAD,
      'max_lr',
      'total_steps',
      'epochs',
      'steps_per_epoch',
      'pct_start',
      'anneal_strategy',
      'cycle_momentum',
      'base_momentum',
      'max_momentum',
      'div_factor',
      'final_div_factor',
      'three_phase',
      ...TAIL,
    ],
    strings: ['anneal_strategy'],
    nones: ['total_steps', 'epochs', 'steps_per_epoch'],
    create: (a) =>
      new TorchOneCycleLR({
        // A fresh torch.OneCycleLR overwrites the optimizer's lr (max_lr / div_factor), so it may be left out.
        ...attach({ ...a, learning_rate: a.learning_rate ?? firstOf(a.max_lr) }),
        maxLr: ons(a.max_lr),
        totalSteps: on(a.total_steps),
        epochs: on(a.epochs),
        stepsPerEpoch: on(a.steps_per_epoch),
        pctStart: on(a.pct_start),
        annealStrategy: a.anneal_strategy as string | undefined,
        cycleMomentum: a.cycle_momentum as boolean | undefined,
        baseMomentum: ons(a.base_momentum),
        maxMomentum: ons(a.max_momentum),
        divFactor: on(a.div_factor),
        finalDivFactor: on(a.final_div_factor),
        threePhase: a.three_phase as boolean | undefined,
        ...tail(a),
      }),
  },
  'torch.PolynomialLR': {
    args: [...HEAD, 'total_iters', 'power', ...TAIL],
    create: (a) =>
      new TorchPolynomialLR({ ...attach(a), totalIters: on(a.total_iters), power: on(a.power), ...tail(a) }),
  },
};
