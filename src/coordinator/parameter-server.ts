import { ConfigError } from '../errors.js';
import { REFUSALS } from '../protocol/index.js';
import type { RunState } from './run-state.js';

/**
 * How an async run treats stale gradients (config `async:`). Staleness τ is measured in global steps: the
 * coordinator's step when the gradient is decided minus the step of the parameters it was computed on.
 */
export interface StalenessPolicy {
  /** a gradient with τ above this is dropped (null: none is) */
  readonly maxStaleness: number | null;
  /** stale synchronous parallel: a worker this many pushes ahead of the slowest live one waits (null: never) */
  readonly sspBound: number | null;
  /** `inverse`: the update uses schedule(t) / τ for τ ≥ 1 (staleness-aware ASGD) */
  readonly lrScale: 'none' | 'inverse';
  /** delay compensation (DC-ASGD): g + λ·g⊙g⊙(θ_now − θ_read); 0 is off */
  readonly dcLambda: number;
}

/** No bound, no scaling, no compensation: plain asynchronous SGD (Hogwild-style, one update at a time). */
export const PLAIN_ASYNC: StalenessPolicy = Object.freeze({
  maxStaleness: null,
  sspBound: null,
  lrScale: 'none',
  dcLambda: 0,
});

/**
 * The policy of a run config's `async:` section (its snake_case keys as the file spells them).
 *
 * @example
 * policyFromConfig({ max_staleness: 6, ssp_bound: null, lr_scale: 'inverse', dc_lambda: 0 }).maxStaleness; // 6
 */
export function policyFromConfig(section: {
  readonly max_staleness: number | null;
  readonly ssp_bound: number | null;
  readonly lr_scale: 'none' | 'inverse';
  readonly dc_lambda: number;
}): StalenessPolicy {
  return checkPolicy({
    maxStaleness: section.max_staleness,
    sspBound: section.ssp_bound,
    lrScale: section.lr_scale,
    dcLambda: section.dc_lambda,
  });
}

/**
 * Checks a policy (the config layer has checked its own copy; this guards programmatic use).
 *
 * @example
 * checkPolicy({ maxStaleness: 6, sspBound: null, lrScale: 'inverse', dcLambda: 0 });
 */
export function checkPolicy(policy: StalenessPolicy): StalenessPolicy {
  const bound = (key: string, value: number | null) => {
    if (value !== null && !(Number.isInteger(value) && value >= 0)) {
      throw new ConfigError(
        'ERR_CONFIG_BAD_VALUE',
        `async.${key}`,
        `must be null or an integer >= 0, received ${value}`,
      );
    }
  };
  bound('max_staleness', policy.maxStaleness);
  bound('ssp_bound', policy.sspBound);
  if (policy.lrScale !== 'none' && policy.lrScale !== 'inverse') {
    throw new ConfigError(
      'ERR_CONFIG_BAD_VALUE',
      'async.lr_scale',
      `must be none or inverse, received ${String(policy.lrScale)}`,
    );
  }
  if (!(Number.isFinite(policy.dcLambda) && policy.dcLambda >= 0)) {
    throw new ConfigError(
      'ERR_CONFIG_BAD_VALUE',
      'async.dc_lambda',
      `must be a number >= 0, received ${policy.dcLambda}`,
    );
  }
  return Object.freeze({ ...policy });
}

/** One gradient as the parameter server decides it. */
export interface Push {
  readonly rank: number;
  /** whose shard the batch is of, when not `rank`'s own (a lost rank's taken over under shrink) */
  readonly shard?: number;
  /** the global step of the parameters it was computed on */
  readonly read: number;
  readonly loss: number;
  readonly samples: number;
  readonly grad: Float32Array;
}

/** What became of a gradient. `lr` is the LR the update used, or the schedule's LR when it was dropped. */
export interface Decision {
  readonly applied: boolean;
  /** why it was not applied (a REFUSALS code), null when applied */
  readonly code: string | null;
  /** the global step it was decided at (the step it became, when applied) */
  readonly step: number;
  readonly tau: number;
  readonly scale: number;
  readonly lr: number;
  /** the schedule's own LR at `step` (never changed by the policy) */
  readonly scheduleLr: number;
}

/**
 * The arithmetic of an async parameter server, apart from any network so that the live run and `dptrain replay`
 * apply gradients by the same code: for a gradient read at step `read`, τ = t − read; a gradient the policy
 * refuses (τ > max_staleness, or not finite) is dropped without moving the step or the schedule; otherwise it is
 * (delay-compensated and) applied with lr = schedule(t) × scale(τ) by the coordinator's optimizer, and the
 * step and the schedule advance.
 *
 * @example
 * const server = new ParameterServer(state, policy); const decision = server.decide(push, readParams);
 */
export class ParameterServer {
  readonly policy: StalenessPolicy;
  /** the compensated gradient (DC-ASGD), reused */
  private compensated: Float32Array | undefined;

  constructor(
    private readonly state: RunState,
    policy: StalenessPolicy,
  ) {
    this.policy = checkPolicy(policy);
  }

  /** Whether `decide` needs the parameters the worker read (delay compensation does). */
  get needsReadParams(): boolean {
    return this.policy.dcLambda > 0;
  }

  /**
   * Decides one gradient and applies it if the policy lets it through. `readParams` are the parameters of step
   * `push.read` (required with delay compensation). `nonfinite` says what a non-finite gradient or loss gets:
   * dropped here, or left to the caller ('abort' returns the drop, and the caller fails the run).
   */
  decide(push: Push, readParams: Float32Array | null): Decision {
    const { state, policy } = this;
    const step = state.step;
    const tau = step - push.read;
    const scheduleLr = state.lr;
    const dropped = (code: string): Decision => {
      state.dropPush(push.shard ?? push.rank);
      return { applied: false, code, step, tau, scale: 1, lr: scheduleLr, scheduleLr };
    };
    if (!allFinite(push.grad) || !Number.isFinite(push.loss)) return dropped(REFUSALS.nonfinite);
    if (policy.maxStaleness !== null && tau > policy.maxStaleness) return dropped(REFUSALS.stale);
    const { scale, lr } = scaled(scheduleLr, tau, policy.lrScale);
    const grad = policy.dcLambda > 0 ? this.compensate(push.grad, readParams) : push.grad;
    state.optimizer.step(state.params, grad, lr);
    state.applyPush(push.shard ?? push.rank, push.loss, push.samples);
    return { applied: true, code: null, step, tau, scale, lr, scheduleLr };
  }

  /** g + λ·g⊙g⊙(θ_now − θ_read), each element in float64 and rounded once to float32. */
  private compensate(grad: Float32Array, read: Float32Array | null): Float32Array {
    const now = this.state.params;
    if (read === null || read.length !== now.length) {
      throw new TypeError('delay compensation needs the parameters the worker read');
    }
    if (this.compensated?.length !== grad.length) this.compensated = new Float32Array(grad.length);
    const out = this.compensated;
    const lambda = this.policy.dcLambda;
    for (let i = 0; i < grad.length; i++) {
      const g = grad[i]!;
      out[i] = g + lambda * g * g * (now[i]! - read[i]!);
    }
    return out;
  }
}

/** The policy's scale for staleness τ and the LR it gives: `inverse` divides in float64 for τ ≥ 1. */
function scaled(scheduleLr: number, tau: number, lrScale: 'none' | 'inverse'): { scale: number; lr: number } {
  if (lrScale === 'inverse' && tau >= 1) return { scale: 1 / tau, lr: scheduleLr / tau };
  return { scale: 1, lr: scheduleLr };
}

function allFinite(values: Float32Array): boolean {
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    if (value - value !== 0) return false;
  }
  return true;
}
