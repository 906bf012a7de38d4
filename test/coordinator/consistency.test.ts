import { describe, expect, it } from 'vitest';
import { CONSISTENCY_DETAIL_LIMIT, ConsistencyLedger } from '../../src/coordinator/index.js';

describe('ConsistencyLedger', () => {
  it('compares every (rank, step) bit for bit and records each difference', () => {
    const ledger = new ConsistencyLedger(2);
    ledger.expect(0, 0.1, 'a', [0, 1]);
    ledger.expect(1, 0.05, 'b', [0, 1]);
    expect(ledger.report(1, 0, 0.1, 'a')).toEqual({ refused: null, mismatch: null });
    // 0.1 + 1e-17 is the next double above 0.1: one ulp, which only a bitwise comparison sees.
    expect(ledger.report(0, 0, 0.10000000000000002, 'a').mismatch).toMatchObject({ rank: 0, step: 0 });
    expect(ledger.report(0, 1, 0.05, 'b').mismatch).toBeNull();
    expect(ledger.report(1, 1, 0.05, 'x').mismatch).toEqual({
      rank: 1,
      step: 1,
      expectedLr: 0.05,
      appliedLr: 0.05,
      expectedDigest: 'b',
      digest: 'x',
    });
    expect(ledger.mismatches().map((m) => [m.rank, m.step])).toEqual([
      [0, 0],
      [1, 1],
    ]);
    expect(ledger.summary()).toEqual({
      steps: 2,
      checkedSteps: 2,
      lrMismatches: 1,
      digestMismatches: 1,
      missingReports: 0,
      excusedReports: 0,
      consistent: false,
      replicasIdentical: false,
    });
    expect(ledger.appliedLrs(1, 3)).toEqual([0.1, 0.05, Number.NaN]);
    expect(ledger.appliedLrs(0, 2)).toEqual([0.10000000000000002, 0.05]);
  });

  it('is inconsistent when only a parameter digest differs (a worker that applied one LR and reported another)', () => {
    const ledger = new ConsistencyLedger(2);
    ledger.expect(0, 0.1, 'a', [0, 1]);
    ledger.report(0, 0, 0.1, 'a');
    ledger.report(1, 0, 0.1, 'different');
    expect(ledger.summary()).toMatchObject({ lrMismatches: 0, digestMismatches: 1, consistent: false });
  });

  it('is not identical when the replicas differed at any step, not only the last', () => {
    const ledger = new ConsistencyLedger(2);
    for (let step = 0; step < 3; step++) {
      ledger.expect(step, 0.1, `d${step}`, [0, 1]);
      ledger.report(0, step, 0.1, `d${step}`);
      ledger.report(1, step, 0.1, step === 0 ? 'drifted' : `d${step}`);
    }
    expect(ledger.summary()).toMatchObject({
      checkedSteps: 3,
      digestMismatches: 1,
      replicasIdentical: false,
    });
  });

  it('counts a step a rank skipped as missing as soon as it reports a later one, and drops the entry', () => {
    const ledger = new ConsistencyLedger(2);
    for (let step = 0; step < 3; step++) ledger.expect(step, 0.1, 'a', [0, 1]);
    for (let step = 0; step < 3; step++) ledger.report(0, step, 0.1, 'a');
    ledger.report(1, 0, 0.1, 'a');
    ledger.report(1, 2, 0.1, 'a');
    expect(ledger.outstanding()).toBe(0);
    expect(ledger.missing()).toEqual([{ rank: 1, step: 1 }]);
    expect(ledger.summary()).toEqual({
      steps: 3,
      checkedSteps: 2,
      lrMismatches: 0,
      digestMismatches: 0,
      missingReports: 1,
      excusedReports: 0,
      consistent: false,
      replicasIdentical: true,
    });
  });

  it('refuses a report for a step not applied, a second or out-of-order report, and a rank that was not a member', () => {
    const ledger = new ConsistencyLedger(3);
    ledger.expect(0, 0.1, 'a', [0, 1]);
    ledger.expect(1, 0.1, 'a', [0, 1]);
    expect(ledger.report(0, 5, 0.1, 'a').refused).toMatch(/not applied/);
    expect(ledger.report(0, 1, 0.1, 'a').refused).toBeNull();
    expect(ledger.report(0, 1, 0.1, 'a').refused).toMatch(/in step order/);
    expect(ledger.report(0, 0, 0.1, 'a').refused).toMatch(/in step order/);
    expect(ledger.report(2, 0, 0.1, 'a').refused).toMatch(/not a member/);
    expect(ledger.report(7, 0, 0.1, 'a').refused).toMatch(/not a member/);
    // The refused reports changed nothing; rank 0's skipped step 0 is missing, rank 1 still owes both.
    expect(ledger.summary()).toMatchObject({ steps: 2, missingReports: 3, consistent: false });
    expect(ledger.outstanding()).toBe(2);
  });

  it('turns what a closed rank owes into missing reports and settles', async () => {
    const ledger = new ConsistencyLedger(2);
    ledger.expect(0, 0.1, 'a', [0, 1]);
    ledger.report(0, 0, 0.1, 'a');
    const settled = ledger.settled();
    ledger.abandon(1);
    await settled;
    expect(ledger.summary()).toMatchObject({ checkedSteps: 0, missingReports: 1, consistent: false });
  });

  it('is consistent and identical for a run with no step, and inconsistent while reports are owed', () => {
    expect(new ConsistencyLedger(2).summary()).toMatchObject({ consistent: true, replicasIdentical: true });
    const ledger = new ConsistencyLedger(2);
    ledger.expect(0, 0.1, 'a', [0, 1]);
    expect(ledger.summary()).toMatchObject({
      checkedSteps: 0,
      missingReports: 2,
      excusedReports: 0,
      consistent: false,
      replicasIdentical: false,
    });
    expect(ledger.missing()).toEqual([
      { rank: 0, step: 0 },
      { rank: 1, step: 0 },
    ]);
  });

  it('keeps exact counts past its detail limit', () => {
    const ledger = new ConsistencyLedger(1);
    const steps = CONSISTENCY_DETAIL_LIMIT + 5;
    for (let step = 0; step < steps; step++) {
      ledger.expect(step, 0.1, 'a', [0]);
      ledger.report(0, step, 0.2, 'a');
    }
    expect(ledger.mismatches()).toHaveLength(CONSISTENCY_DETAIL_LIMIT);
    expect(ledger.summary()).toMatchObject({ steps, checkedSteps: steps, lrMismatches: steps });
  });

  it('takes a report that comes before the coordinator applied (announce, then confirm) and compares it then', async () => {
    const ledger = new ConsistencyLedger(3);
    ledger.announce(0, 0.1, [0, 1, 2]);
    // Membership and order are checked at once, as for any report.
    expect(ledger.report(0, 0, 0.1, 'a')).toEqual({ refused: null, mismatch: null });
    expect(ledger.report(1, 0, 0.1, 'b')).toEqual({ refused: null, mismatch: null });
    expect(ledger.report(1, 0, 0.1, 'a').refused).toMatch(/in step order/);
    expect(ledger.report(0, 1, 0.1, 'a').refused).toMatch(/not applied/);
    const settled = ledger.settled();
    expect(ledger.confirm(0, 'a')).toEqual([
      { rank: 1, step: 0, expectedLr: 0.1, appliedLr: 0.1, expectedDigest: 'a', digest: 'b' },
    ]);
    // Rank 2 reports after the digest: compared at once, as before.
    expect(ledger.report(2, 0, 0.2, 'a').mismatch).toEqual({
      rank: 2,
      step: 0,
      expectedLr: 0.1,
      appliedLr: 0.2,
      expectedDigest: 'a',
      digest: 'a',
    });
    await settled;
    expect(ledger.summary()).toMatchObject({
      steps: 1,
      checkedSteps: 1,
      lrMismatches: 1,
      digestMismatches: 1,
      missingReports: 0,
      consistent: false,
      replicasIdentical: false,
    });
    expect(ledger.mismatches().map((m) => m.rank)).toEqual([1, 2]);
    expect(ledger.appliedLrs(2, 1)).toEqual([0.2]);
  });

  it('is consistent when every report came before the digest and agrees, and keeps the step open until the digest', () => {
    const ledger = new ConsistencyLedger(2);
    ledger.announce(0, 0.1, [0, 1]);
    ledger.report(0, 0, 0.1, 'a');
    ledger.report(1, 0, 0.1, 'a');
    // Every report is in but not compared: the step is neither checked nor settled.
    expect(ledger.summary()).toMatchObject({ checkedSteps: 0, missingReports: 0 });
    expect(ledger.confirm(0, 'a')).toEqual([]);
    expect(ledger.summary()).toMatchObject({
      steps: 1,
      checkedSteps: 1,
      consistent: true,
      replicasIdentical: true,
    });
  });

  it('does not count a report that came before the digest as missing when its rank closes or is excused', () => {
    const ledger = new ConsistencyLedger(3);
    ledger.announce(0, 0.1, [0, 1, 2]);
    ledger.report(0, 0, 0.1, 'a');
    ledger.report(1, 0, 0.1, 'x');
    ledger.abandon(0);
    ledger.excuse(1);
    ledger.abandon(2);
    expect(ledger.confirm(0, 'a')).toHaveLength(1);
    expect(ledger.summary()).toMatchObject({ missingReports: 1, excusedReports: 0, digestMismatches: 1 });
    expect(ledger.missing()).toEqual([{ rank: 2, step: 0 }]);
  });
});
