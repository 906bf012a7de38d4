import type { ConsistencyReport, Mismatch, MissingReport } from './result.js';

/** Mismatches and missing reports kept in detail; the counts stay exact beyond it. */
export const CONSISTENCY_DETAIL_LIMIT = 1000;

/** What the ledger made of a report: why it was refused, or the mismatch it revealed (null: it agrees). */
export type LedgerAnswer =
  | { readonly refused: string; readonly mismatch: null }
  | { readonly refused: null; readonly mismatch: Mismatch | null };

function refused(reason: string): LedgerAnswer {
  return { refused: reason, mismatch: null };
}

interface OpenStep {
  readonly lr: number;
  readonly digest: string;
  /** members at this step whose report has not arrived */
  readonly pending: Set<number>;
  /** members whose report for this step will never come */
  missing: number;
}

/**
 * The consistency check of a synchronous run. For every step the coordinator records the LR it used, the digest
 * of its own parameters after the update and the ranks that were members then; every member reports the LR it
 * applied and the digest of its parameters, in step order. Both are compared bit for bit; a difference is a
 * mismatch, a report that never comes (the rank reported a later step first, closed, or the run ended) is a
 * missing report. Memory stays bounded: a step is dropped once every member reported or is known not to.
 *
 * @example
 * ledger.expect(12, 0.05, 'sha256:…', [0, 1]); ledger.report(1, 12, 0.05, 'sha256:…'); ledger.summary().consistent;
 */
export class ConsistencyLedger {
  private readonly open = new Map<number, OpenStep>();
  private readonly lastReported: number[];
  private readonly mismatchList: Mismatch[] = [];
  private readonly missingList: MissingReport[] = [];
  private readonly applied: Float64Array[];
  private steps = 0;
  private checked = 0;
  private lrMismatches = 0;
  private digestMismatches = 0;
  private missingReports = 0;
  private excused = 0;
  private waiters: (() => void)[] = [];

  constructor(readonly worldSize: number) {
    this.lastReported = new Array(worldSize).fill(-1);
    this.applied = Array.from({ length: worldSize }, () => new Float64Array(0));
  }

  /** The coordinator's own LR and parameter digest after `step`, and the ranks that must report it. */
  expect(step: number, lr: number, digest: string, members: readonly number[]): void {
    this.open.set(step, { lr, digest, pending: new Set(members), missing: 0 });
    this.steps += 1;
    if (members.length === 0) this.closeStep(step);
  }

  /**
   * A member's report for `step`. Refused (nothing is recorded then): a step the coordinator has not applied or
   * already closed, a rank that was not a member, a report out of step order. Earlier steps this rank left
   * unreported become missing reports: reports come in step order. Returns the mismatch when it differs.
   */
  report(rank: number, step: number, lr: number, digest: string): LedgerAnswer {
    const last = this.lastReported[rank];
    if (last === undefined) return refused(`rank ${rank} is not a member of this run`);
    if (step <= last) {
      return refused(
        `rank ${rank} reports step ${step} after step ${last}: each step is reported once, in step order`,
      );
    }
    const entry = this.open.get(step);
    if (entry === undefined)
      return refused(`rank ${rank} reports step ${step}, which the coordinator has not applied`);
    if (!entry.pending.has(rank)) return refused(`rank ${rank} was not a member at step ${step}`);
    for (const [earlier, open] of this.open) {
      if (earlier >= step) break;
      if (open.pending.has(rank)) this.markMissing(rank, earlier, open);
    }
    this.lastReported[rank] = step;
    this.record(rank, step, lr);
    const lrDiffers = !Object.is(lr, entry.lr);
    const digestDiffers = digest !== entry.digest;
    if (lrDiffers) this.lrMismatches += 1;
    if (digestDiffers) this.digestMismatches += 1;
    const mismatch =
      lrDiffers || digestDiffers
        ? { rank, step, expectedLr: entry.lr, appliedLr: lr, expectedDigest: entry.digest, digest }
        : null;
    if (mismatch !== null && this.mismatchList.length < CONSISTENCY_DETAIL_LIMIT)
      this.mismatchList.push(mismatch);
    this.settle(rank, step, entry);
    return { refused: null, mismatch };
  }

  /** `rank` will report nothing more (it closed): whatever it still owes becomes missing. */
  abandon(rank: number): void {
    for (const [step, entry] of [...this.open])
      if (entry.pending.has(rank)) this.markMissing(rank, step, entry);
  }

  /**
   * `rank` was lost and the run went on without it (`on_worker_failure: restart | shrink`): what it still owes is
   * excused, not missing — its replica is gone with its process, and the steps after it left do not expect it.
   */
  excuse(rank: number): void {
    for (const [step, entry] of [...this.open]) {
      if (!entry.pending.has(rank)) continue;
      this.excused += 1;
      this.settle(rank, step, entry);
    }
  }

  /** Ends the check: every report still owed becomes missing. */
  close(): void {
    for (const rank of this.lastReported.keys()) this.abandon(rank);
  }

  /** Reports still owed. */
  outstanding(): number {
    let owed = 0;
    for (const entry of this.open.values()) owed += entry.pending.size;
    return owed;
  }

  /** Resolves once no report is owed any more (each arrived or became missing). */
  settled(): Promise<void> {
    if (this.open.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The first CONSISTENCY_DETAIL_LIMIT mismatches, in arrival order. */
  mismatches(): readonly Mismatch[] {
    return this.mismatchList;
  }

  /** The first CONSISTENCY_DETAIL_LIMIT missing reports, those still owed included. */
  missing(): readonly MissingReport[] {
    const owed: MissingReport[] = [];
    for (const [step, entry] of this.open) for (const rank of entry.pending) owed.push({ rank, step });
    return [...this.missingList, ...owed].slice(0, CONSISTENCY_DETAIL_LIMIT);
  }

  /** The LR `rank` applied at each of the first `steps` steps (NaN where it did not report). */
  appliedLrs(rank: number, steps: number): number[] {
    const applied = this.applied[rank]!;
    return Array.from({ length: steps }, (_, t) => (t < applied.length ? applied[t]! : Number.NaN));
  }

  /** The counts and verdicts; call `close()` first for a final report. */
  summary(): ConsistencyReport {
    const owed = this.outstanding();
    return {
      steps: this.steps,
      checkedSteps: this.checked,
      lrMismatches: this.lrMismatches,
      digestMismatches: this.digestMismatches,
      missingReports: this.missingReports + owed,
      excusedReports: this.excused,
      consistent: this.lrMismatches === 0 && this.digestMismatches === 0 && this.missingReports + owed === 0,
      replicasIdentical: this.digestMismatches === 0 && (this.steps === 0 || this.checked > 0),
    };
  }

  private markMissing(rank: number, step: number, entry: OpenStep): void {
    this.missingReports += 1;
    entry.missing += 1;
    if (this.missingList.length < CONSISTENCY_DETAIL_LIMIT) this.missingList.push({ rank, step });
    this.settle(rank, step, entry);
  }

  /** `rank` is done with `step`; the step closes when no member owes it anything. */
  private settle(rank: number, step: number, entry: OpenStep): void {
    entry.pending.delete(rank);
    if (entry.pending.size === 0) this.closeStep(step);
  }

  private closeStep(step: number): void {
    const entry = this.open.get(step);
    this.open.delete(step);
    // A step is checked when every member's report arrived (a differing one is still a check that happened).
    if (entry !== undefined && entry.missing === 0) this.checked += 1;
    if (this.open.size === 0) for (const wake of this.waiters.splice(0)) wake();
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
