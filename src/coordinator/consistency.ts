/** One (rank, step) whose applied LR or parameter digest differs from the coordinator's own. */
export interface Mismatch {
  readonly rank: number;
  readonly step: number;
  readonly expectedLr: number;
  readonly appliedLr: number;
  readonly expectedDigest: string;
  readonly digest: string;
}

export interface ConsistencySummary {
  /** steps for which every rank reported and was compared */
  readonly checkedSteps: number;
  /** (rank, step) pairs whose applied LR differs bitwise from the schedule */
  readonly mismatches: number;
  /** no LR mismatch and every step checked */
  readonly consistent: boolean;
  /** (rank, step) pairs whose parameter digest differs from the coordinator's */
  readonly digestMismatches: number;
}

/**
 * The consistency check: for every step the coordinator records the LR it used and the digest of its own
 * parameters after the update; every worker reports the LR it applied and the digest of its parameters; both
 * are compared bit for bit and every (rank, step) that differs is recorded.
 *
 * @example
 * ledger.expect(12, 0.05, 'sha256:…'); ledger.report(1, 12, 0.05, 'sha256:…'); ledger.summary().consistent;
 */
export class ConsistencyLedger {
  /** steps applied by the coordinator and not yet reported by every rank (memory stays bounded on long runs) */
  private readonly open = new Map<
    number,
    { lr: number; digest: string; reported: Set<number>; differs: boolean }
  >();
  private readonly list: Mismatch[] = [];
  private readonly applied: Float64Array[];
  private checked = 0;
  private steps = 0;
  private missing = 0;
  private lastChecked: { step: number; identical: boolean } | null = null;
  private waiters: (() => void)[] = [];

  constructor(readonly worldSize: number) {
    this.applied = Array.from({ length: worldSize }, () => new Float64Array(0));
  }

  /** The coordinator's own LR and parameter digest for `step`. */
  expect(step: number, lr: number, digest: string): void {
    this.open.set(step, { lr, digest, reported: new Set(), differs: false });
    this.steps += 1;
    this.missing += this.worldSize;
  }

  /**
   * A worker's report for `step`; returns a reason when the report itself cannot be placed (a step the
   * coordinator did not apply, or a second report).
   */
  report(rank: number, step: number, lr: number, digest: string): string | null {
    const entry = this.open.get(step);
    if (entry === undefined)
      return `rank ${rank} reports step ${step}, which the coordinator has not applied or was already reported`;
    if (entry.reported.has(rank)) return `rank ${rank} already reported step ${step}`;
    entry.reported.add(rank);
    this.missing -= 1;
    this.record(rank, step, lr);
    if (!Object.is(lr, entry.lr) || digest !== entry.digest) {
      this.list.push({
        rank,
        step,
        expectedLr: entry.lr,
        appliedLr: lr,
        expectedDigest: entry.digest,
        digest,
      });
      if (digest !== entry.digest) entry.differs = true;
    }
    if (entry.reported.size === this.worldSize) {
      this.checked += 1;
      this.lastChecked = { step, identical: !entry.differs };
      this.open.delete(step);
    }
    if (this.missing === 0) for (const wake of this.waiters.splice(0)) wake();
    return null;
  }

  /** Reports still missing. */
  outstanding(): number {
    return this.missing;
  }

  /** Resolves when every expected report arrived, or after `timeoutMs` (whatever is missing stays unchecked). */
  settle(timeoutMs: number): Promise<void> {
    if (this.missing === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Every mismatch recorded so far, in arrival order. */
  mismatches(): readonly Mismatch[] {
    return this.list;
  }

  /** The LR `rank` applied at each of the first `steps` steps (NaN where it did not report). */
  appliedLrs(rank: number, steps: number): number[] {
    const applied = this.applied[rank]!;
    return Array.from({ length: steps }, (_, t) => (t < applied.length ? applied[t]! : Number.NaN));
  }

  /** Whether every rank reported `step` and every digest equals the coordinator's (asked for the last step). */
  identicalAt(step: number): boolean {
    return this.lastChecked !== null && this.lastChecked.step === step && this.lastChecked.identical;
  }

  summary(): ConsistencySummary {
    const lrMismatches = this.list.filter((m) => !Object.is(m.appliedLr, m.expectedLr)).length;
    return {
      checkedSteps: this.checked,
      mismatches: lrMismatches,
      consistent: lrMismatches === 0 && this.checked === this.steps,
      digestMismatches: this.list.filter((m) => m.digest !== m.expectedDigest).length,
    };
  }

  /** Stores an applied LR in a per-rank array that doubles as it fills. */
  private record(rank: number, step: number, lr: number): void {
    let applied = this.applied[rank]!;
    if (step >= applied.length) {
      const grown = new Float64Array(Math.max(1024, applied.length * 2, step + 1)).fill(Number.NaN);
      grown.set(applied);
      this.applied[rank] = grown;
      applied = grown;
    }
    applied[step] = lr;
  }
}
