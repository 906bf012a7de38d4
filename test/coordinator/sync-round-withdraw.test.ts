import { describe, expect, it } from 'vitest';
import { SyncRound } from '../../src/coordinator/index.js';

const gradient = (rank: number, values: number[]) => ({
  type: 'gradient' as const,
  rank,
  step: 4,
  round: 4,
  loss: 1,
  samples: 2,
  computeMs: 1,
  grad: Float32Array.from(values),
});

describe('SyncRound after a lost rank', () => {
  it('restart: takes the lost rank’s gradient out and waits for the new process’s, which is the one averaged', () => {
    const round = new SyncRound({ step: 4, round: 4, worldSize: 3, size: 2 });
    expect(round.offer(0, gradient(0, [1, 2]))).toBeNull();
    expect(round.offer(1, gradient(1, [100, 200]))).toBeNull();
    round.withdraw(1, false);
    expect(round.missing()).toEqual([1, 2]);
    expect(round.members()).toEqual([0, 1, 2]);
    expect(round.offer(2, gradient(2, [4, 8]))).toBeNull();
    expect(round.complete).toBe(false);
    // The rejoined rank 1 sends its gradient again: accepted, not a duplicate.
    expect(round.offer(1, gradient(1, [7, 2]))).toBeNull();
    expect(round.complete).toBe(true);
    const into = new Float32Array(2);
    round.reduce(into);
    // (1 + 7 + 4) / 3 = 4 and (2 + 2 + 8) / 3 = 4, by hand; the withdrawn (100, 200) is not in it.
    expect([...into]).toEqual([4, 4]);
  });

  it('shrink: completes over the survivors, averaged over their count, and refuses the lost rank', async () => {
    const round = new SyncRound({ step: 4, round: 4, worldSize: 3, size: 2 });
    expect(round.offer(0, gradient(0, [1, 2]))).toBeNull();
    expect(round.offer(2, gradient(2, [5, 10]))).toBeNull();
    expect(round.offer(1, gradient(1, [100, 200]))).toBeNull();
    round.withdraw(1, true);
    expect(round.members()).toEqual([0, 2]);
    expect(round.complete).toBe(true);
    await round.completed;
    const into = new Float32Array(2);
    const reduction = round.reduce(into);
    // (1 + 5) / 2 = 3 and (2 + 10) / 2 = 6; two members' samples.
    expect([...into]).toEqual([3, 6]);
    expect(reduction.samples).toBe(4);
    expect(round.offer(1, gradient(1, [1, 1]))?.code).toBe('ERR_UNEXPECTED_MESSAGE');
  });

  it('shrink: a round that was waiting only for the lost rank completes at once', async () => {
    const round = new SyncRound({ step: 4, round: 4, worldSize: 2, size: 1 });
    expect(round.offer(0, gradient(0, [3]))).toBeNull();
    round.withdraw(1, true);
    await round.completed;
    expect(round.complete).toBe(true);
  });
});
