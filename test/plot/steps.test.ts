import { describe, expect, it } from 'vitest';
import { stepPath } from '../../src/plot/steps.js';

describe('stepPath', () => {
  it('holds each value flat to the next x, then jumps straight to the next value', () => {
    // a StepDecay by hand: 8 until x 2, then 4 until x 4, then 2
    expect(stepPath([0, 8, 1, 8, 2, 4, 3, 4, 4, 2])).toEqual([0, 8, 2, 8, 2, 4, 4, 4, 4, 2]);
  });

  it('turns a rise between neighbours into a flat run and a vertical jump, not a slope', () => {
    expect(stepPath([0, 0, 10, 5, 20, 7])).toEqual([0, 0, 10, 0, 10, 5, 20, 5, 20, 7]);
  });

  it('keeps the last point of a flat end, and a lone point or an empty line as they are', () => {
    expect(stepPath([0, 3, 1, 3, 2, 3])).toEqual([0, 3, 2, 3]);
    expect(stepPath([4, 1])).toEqual([4, 1]);
    expect(stepPath([])).toEqual([]);
  });
});
