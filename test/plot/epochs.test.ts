import { describe, expect, it } from 'vitest';
import { epochMarks } from '../../src/plot/epochs.js';

describe('epochMarks', () => {
  it('marks every k · stepsPerEpoch inside the range, the range start excluded', () => {
    // 469 steps per epoch over steps 0 … 1406: epochs 1 and 2 begin at 469 and 938; epoch 3 would begin at 1407
    expect(epochMarks(469, 0, 1406, 10)).toEqual([
      { x: 469, epoch: 1 },
      { x: 938, epoch: 2 },
    ]);
    expect(epochMarks(469, 0, 1407, 10).map((m) => m.x)).toEqual([469, 938, 1407]);
    expect(epochMarks(100, 250, 500, 10).map((m) => m.epoch)).toEqual([3, 4, 5]);
    expect(epochMarks(1000, 0, 999, 10)).toEqual([]);
  });

  it('keeps every 2nd, 5th, 10th … epoch when there are more than maxMarks', () => {
    expect(epochMarks(10, 0, 100, 4).map((m) => m.epoch)).toEqual([5, 10]);
    expect(epochMarks(10, 0, 100, 5).map((m) => m.epoch)).toEqual([2, 4, 6, 8, 10]);
    expect(epochMarks(1, 0, 1000, 10).map((m) => m.epoch)).toEqual([
      100, 200, 300, 400, 500, 600, 700, 800, 900, 1000,
    ]);
  });
});
