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
  private readonly expected = new Map<number, { lr: number; digest: string; reported: Set<number> }>();
  private readonly list: Mismatch[] = [];
  private readonly applied: Map<number, number>[];
  private checked = 0;
  private steps = 0;
  private missing = 0;
  private waiters: (() => void)[] = [];

  constructor(readonly worldSize: number) {
    this.applied = Array.from({ length: worldSize }, () => new Map());
  }

  /** The coordinator's own LR and parameter digest for `step`. */
  expect(step: number, lr: number, digest: string): void {
    this.expected.set(step, { lr, digest, reported: new Set() });
    this.steps += 1;
    this.missing += this.worldSize;
  }

  /**
   * A worker's report for `step`; returns a reason when the report itself cannot be placed (a step the
   * coordinator did not apply, or a second report).
   */
  report(rank: number, step: number, lr: number, digest: string): string | null {
    const entry = this.expected.get(step);
    if (entry === undefined)
      return `rank ${rank} reports step ${step}, which the coordinator has not applied`;
    if (entry.reported.has(rank)) return `rank ${rank} already reported step ${step}`;
    entry.reported.add(rank);
    this.missing -= 1;
    this.applied[rank]!.set(step, lr);
    if (!Object.is(lr, entry.lr) || digest !== entry.digest) {
      this.list.push({
        rank,
        step,
        expectedLr: entry.lr,
        appliedLr: lr,
        expectedDigest: entry.digest,
        digest,
      });
    }
    if (entry.reported.size === this.worldSize) this.checked += 1;
    if (this.outstanding() === 0) for (const wake of this.waiters.splice(0)) wake();
    return null;
  }

  /** Reports still missing. */
  outstanding(): number {
    return this.missing;
  }

  /** Resolves when every expected report arrived, or after `timeoutMs` (whatever is missing stays unchecked). */
  settle(timeoutMs: number): Promise<void> {
    if (this.outstanding() === 0) return Promise.resolve();
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

  /** The LR `rank` applied at each step it reported, keyed by step. */
  appliedLrs(rank: number): ReadonlyMap<number, number> {
    return this.applied[rank]!;
  }

  /** Whether every rank's digest at `step` equals the coordinator's (all reported, none differing). */
  identicalAt(step: number): boolean {
    const entry = this.expected.get(step);
    if (entry === undefined || entry.reported.size !== this.worldSize) return false;
    return !this.list.some((m) => m.step === step && m.digest !== m.expectedDigest);
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
}
