import { UsageError } from '../errors.js';

/**
 * Deliberate misbehaviour, for tests of the coordinator's checks (never for training): each fault fires at one
 * global step.
 * - `lr@S:F`: apply F × lr at step S and report it
 * - `apply-lr@S:F`: apply F × lr but report the LR the update carried (only the parameter digest can tell)
 * - `report-lr@S:F`: apply the LR the update carried but report F × lr
 * - `lr-ulp@S`: apply and report the next double above lr (a 1-ulp difference only a bitwise check notices)
 * - `skip-report@S`: never report step S
 * - `nan@S`: send a NaN gradient at the first attempt of step S
 * - `stall@S`: never send the gradient of step S (the worker keeps its heartbeat)
 */
export interface Fault {
  readonly kind: FaultKind;
  readonly step: number;
  readonly factor: number;
}

export const FAULT_KINDS = ['lr', 'apply-lr', 'report-lr', 'lr-ulp', 'skip-report', 'nan', 'stall'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

const WITH_FACTOR: ReadonlySet<FaultKind> = new Set(['lr', 'apply-lr', 'report-lr']);

/**
 * Reads `KIND@STEP[:FACTOR]`; throws UsageError naming the rule.
 *
 * @example
 * parseFault('apply-lr@5:1.5'); // { kind: 'apply-lr', step: 5, factor: 1.5 }
 */
export function parseFault(text: string): Fault {
  const match = /^([a-z-]+)@(\d+)(?::([0-9.eE+-]+))?$/.exec(text);
  const kind = match?.[1] as FaultKind | undefined;
  const usage = `--fault must be KIND@STEP or KIND@STEP:FACTOR with KIND one of ${FAULT_KINDS.join(', ')} (e.g. lr@5:1.5), received "${text}"`;
  if (match === null || kind === undefined || !FAULT_KINDS.includes(kind)) throw new UsageError(usage);
  const factor = match[3] === undefined ? Number.NaN : Number(match[3]);
  if (WITH_FACTOR.has(kind) !== Number.isFinite(factor)) throw new UsageError(usage);
  return { kind, step: Number(match[2]), factor };
}

/**
 * The faults one worker was started with, asked at each point of its loop. Without faults every answer is the
 * honest one.
 *
 * @example
 * const faults = new Faults([parseFault('lr@5:1.5')]); faults.appliedLr(5, 0.1); // 0.15000000000000002
 */
export class Faults {
  private readonly fired = new Set<Fault>();

  constructor(private readonly faults: readonly Fault[] = []) {}

  /** The LR to apply at `step` for an update carrying `lr`. */
  appliedLr(step: number, lr: number): number {
    const fault = this.at(step, 'lr', 'apply-lr', 'lr-ulp');
    if (fault === undefined) return lr;
    return fault.kind === 'lr-ulp' ? nextUp(lr) : lr * fault.factor;
  }

  /** The LR to report for `step`, given the one applied and the one the update carried. */
  reportedLr(step: number, applied: number, carried: number): number {
    const fault = this.at(step, 'apply-lr', 'report-lr');
    if (fault === undefined) return applied;
    return fault.kind === 'apply-lr' ? carried : carried * fault.factor;
  }

  /** Whether to leave `step` unreported. */
  skipsReport(step: number): boolean {
    return this.at(step, 'skip-report') !== undefined;
  }

  /** Whether to replace the gradient of `step` by NaN (once: the retry after the skip is honest). */
  poisons(step: number): boolean {
    const fault = this.at(step, 'nan');
    if (fault === undefined || this.fired.has(fault)) return false;
    this.fired.add(fault);
    return true;
  }

  /** Whether to hold back the gradient of `step` for good. */
  stalls(step: number): boolean {
    return this.at(step, 'stall') !== undefined;
  }

  private at(step: number, ...kinds: FaultKind[]): Fault | undefined {
    return this.faults.find((f) => f.step === step && kinds.includes(f.kind));
  }
}

/** The smallest double above `x` (x finite and >= 0, as an LR is). */
function nextUp(x: number): number {
  const bits = new Float64Array([x]);
  const words = new BigUint64Array(bits.buffer);
  words[0] = words[0]! + 1n;
  return bits[0]!;
}
