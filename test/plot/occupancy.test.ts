import { describe, expect, it } from 'vitest';
import { isFree, occupancy } from '../../src/plot/occupancy.js';

describe('occupancy', () => {
  it('marks the columns a segment crosses, between the heights it spans there', () => {
    const taken = occupancy([[10, 50, 30, 70]], 0, 100);
    expect(isFree(taken, 12, 18, 0, 40)).toBe(true);
    expect(isFree(taken, 12, 18, 45, 60)).toBe(false);
    expect(isFree(taken, 40, 90, 0, 100)).toBe(true);
    expect(isFree(taken, 25, 28, 64, 68)).toBe(false);
  });

  it('marks a single point', () => {
    const taken = occupancy([[20, 20]], 0, 100);
    expect(isFree(taken, 18, 22, 15, 25)).toBe(false);
    expect(isFree(taken, 18, 22, 30, 40)).toBe(true);
  });
});
