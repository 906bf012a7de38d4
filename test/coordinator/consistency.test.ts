import { describe, expect, it } from 'vitest';
import { ConsistencyLedger } from '../../src/coordinator/consistency.js';
import { SyncRound } from '../../src/coordinator/sync-round.js';

describe('ConsistencyLedger', () => {
  it('checks every (rank, step) bit for bit and records each difference', () => {
    const ledger = new ConsistencyLedger(2);
    ledger.expect(0, 0.1, 'a');
    ledger.expect(1, 0.05, 'b');
    expect(ledger.report(1, 0, 0.1, 'a')).toBeNull();
    expect(ledger.report(0, 1, 0.05, 'b')).toBeNull();
    expect(ledger.report(0, 0, 0.1 + 1e-17, 'a')).toBeNull();
    expect(ledger.report(1, 1, 0.05, 'x')).toBeNull();
    expect(ledger.mismatches().map((m) => [m.rank, m.step])).toEqual([
      [0, 0],
      [1, 1],
    ]);
    expect(ledger.summary()).toEqual({
      checkedSteps: 2,
      mismatches: 1,
      consistent: false,
      digestMismatches: 1,
    });
    expect(ledger.identicalAt(1)).toBe(false);
    expect(ledger.appliedLrs(1, 3)).toEqual([0.1, 0.05, Number.NaN]);
    expect(ledger.appliedLrs(0, 2)).toEqual([0.10000000000000002, 0.05]);
  });

  it('refuses a report for a step not applied, or a second one, and counts an unreported step as unchecked', async () => {
    const ledger = new ConsistencyLedger(2);
    ledger.expect(0, 0.1, 'a');
    expect(ledger.report(0, 5, 0.1, 'a')).toMatch(/not applied/);
    expect(ledger.report(0, 0, 0.1, 'a')).toBeNull();
    expect(ledger.report(0, 0, 0.1, 'a')).toMatch(/already reported/);
    await ledger.settle(10);
    expect(ledger.outstanding()).toBe(1);
    expect(ledger.summary()).toMatchObject({ checkedSteps: 0, consistent: false });
    expect(ledger.identicalAt(0)).toBe(false);
  });
});

describe('SyncRound', () => {
  const gradient = (rank: number, step: number, values: number[], loss = 1) => ({
    type: 'gradient' as const,
    rank,
    step,
    round: step,
    loss,
    samples: 2,
    computeMs: 1,
    grad: Float32Array.from(values),
  });

  it('averages in rank order whatever the arrival order, and flags non-finite results', () => {
    const a = new SyncRound({ step: 0, worldSize: 3, size: 2 });
    const b = new SyncRound({ step: 0, worldSize: 3, size: 2 });
    const grads = [gradient(0, 0, [0.1, 1e30]), gradient(1, 0, [0.2, 1e30]), gradient(2, 0, [0.3, -2e30])];
    for (const g of grads) a.offer(g.rank, g);
    for (const g of [...grads].reverse()) b.offer(g.rank, g);
    const outA = new Float32Array(2);
    const outB = new Float32Array(2);
    expect(a.reduce(outA)).toMatchObject({ finite: true, samples: 6, loss: 1 });
    b.reduce(outB);
    expect(Array.from(outA)).toEqual(Array.from(outB));
    expect(outA[0]).toBe(
      Math.fround(Math.fround(Math.fround(Math.fround(0.1) + Math.fround(0.2)) + Math.fround(0.3)) / 3),
    );
    const nan = new SyncRound({ step: 0, worldSize: 2, size: 2 });
    nan.offer(0, gradient(0, 0, [1, 2]));
    nan.offer(1, gradient(1, 0, [1, Number.NaN]));
    expect(nan.reduce(new Float32Array(2)).finite).toBe(false);
  });

  it('leaves its state unchanged when it refuses a gradient', () => {
    const round = new SyncRound({ step: 4, worldSize: 2, size: 2 });
    expect(round.offer(0, gradient(0, 3, [1, 1]))?.code).toBe('ERR_ROUND_WRONG_STEP');
    expect(round.offer(1, gradient(1, 4, [1]))?.code).toBe('ERR_ROUND_TENSOR_SIZE');
    expect(round.offer(1, gradient(0, 4, [1, 1]))?.code).toBe('ERR_ROUND_WRONG_RANK');
    expect(round.missing()).toEqual([0, 1]);
    expect(round.offer(0, gradient(0, 4, [1, 1]))).toBeNull();
    expect(round.offer(0, gradient(0, 4, [1, 1]))?.code).toBe('ERR_ROUND_DUPLICATE');
    expect(round.missing()).toEqual([1]);
    expect(round.complete).toBe(false);
  });
});
