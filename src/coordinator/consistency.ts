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
  /** undefined while the coordinator applies the step after its update went out (`announce`, then `confirm`) */
  digest: string | undefined;
  /** members at this step whose report has not arrived */
  readonly pending: Set<number>;
  /** reports that arrived before the coordinator's digest: compared at `confirm` */
  readonly early: Map<number, { readonly lr: number; readonly digest: string }>;
  /** members whose report for this step will never come */
  missing: number;
}

/**
 * The consistency check of a synchronous run. For every step the coordinator records the LR it used, the digest
 * of its own parameters after the update and the ranks that were members then; every member reports the LR it
 * applied and the digest of its parameters, in step order. Both are compared bit for bit; a difference is a
 * mismatch, a report that never comes (the rank reported a later step first, closed, or the run ended) is a
 * missing report. Memory stays bounded: a step is dropped once every member reported or is known not to.
 * The coordinator may apply a step after its update went out (`announce`, then `confirm` with the digest): a report
 * that comes in between is checked for membership and order at once and compared at `confirm`.
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
    this.announce(step, lr, members);
    this.confirm(step, digest);
  }

  /**
   * The update of `step` with `lr` went out to `members` before the coordinator applied it: their reports are taken
   * from now on, and compared once `confirm` gives the coordinator's digest.
   *
   * @example
   * ledger.announce(12, 0.05, [0, 1]); ledger.report(1, 12, 0.05, 'sha256:…'); ledger.confirm(12, 'sha256:…'); // []
   */
  announce(step: number, lr: number, members: readonly number[]): void {
    this.open.set(step, { lr, digest: undefined, pending: new Set(members), early: new Map(), missing: 0 });
    this.steps += 1;
  }

  /**
   * The coordinator's digest of its parameters after the announced `step`. Returns the mismatches among the reports
   * that came before it (recorded and counted as `report` records a later one).
   */
  confirm(step: number, digest: string): Mismatch[] {
    const entry = this.open.get(step);
    if (entry === undefined || entry.digest !== undefined) return [];
    entry.digest = digest;
    const mismatches: Mismatch[] = [];
    for (const [rank, early] of entry.early) {
      const mismatch = this.compare(rank, step, entry, early.lr, early.digest);
      if (mismatch !== null) mismatches.push(mismatch);
    }
    entry.early.clear();
    if (entry.pending.size === 0) this.closeStep(step);
    return mismatches;
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
    if (entry.digest === undefined) {
      // The coordinator still applies this step: the report waits for its digest, it is no longer owed.
      entry.early.set(rank, { lr, digest });
      entry.pending.delete(rank);
      return { refused: null, mismatch: null };
    }
    const mismatch = this.compare(rank, step, entry, lr, digest);
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

  /** Compares one report with the coordinator's record of `step` and counts what differs. */
  private compare(rank: number, step: number, entry: OpenStep, lr: number, digest: string): Mismatch | null {
    const expectedDigest = entry.digest!;
    const lrDiffers = !Object.is(lr, entry.lr);
    const digestDiffers = digest !== expectedDigest;
    if (lrDiffers) this.lrMismatches += 1;
    if (digestDiffers) this.digestMismatches += 1;
    const mismatch =
      lrDiffers || digestDiffers
        ? { rank, step, expectedLr: entry.lr, appliedLr: lr, expectedDigest, digest }
        : null;
    if (mismatch !== null && this.mismatchList.length < CONSISTENCY_DETAIL_LIMIT)
      this.mismatchList.push(mismatch);
    return mismatch;
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
    if (entry.pending.size === 0 && entry.digest !== undefined) this.closeStep(step);
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
