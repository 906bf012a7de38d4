import { describe, expect, it } from 'vitest';
import { lrPicture } from '../../src/run-directory/index.js';

describe('lrPicture', () => {
  const steps = [0, 1, 2];

  it('turns to a log axis when the LR spans more than two decades: max/min 99 stays linear, 101 is log', () => {
    expect(lrPicture(steps, [0.099, 0.05, 0.001], undefined, undefined).yScale).toBe('linear');
    const log = lrPicture(steps, [0.101, 0.05, 0.001], undefined, undefined);
    expect(log.yScale).toBe('log');
    expect(log.yLabel).toBe('learning rate (log scale)');
  });

  it('says how many LRs ≤ 0 a log axis leaves out (a warmup from 0)', () => {
    const chart = lrPicture([0, 1, 2, 3], [0, 0.0035, 0.007, 7e-6], undefined, undefined);
    expect(chart.yScale).toBe('log');
    expect(chart.yLabel).toBe('learning rate (log scale; 1 ≤ 0 not drawn)');
  });

  it('draws the LR as steps, with the warmup marker and the run’s epochs', () => {
    const chart = lrPicture(steps, [0.1, 0.1, 0.1], { step: 1, label: 'warmup ends' }, 469);
    expect(chart.series[0]!.steps).toBe(true);
    expect(chart.markers).toEqual([{ x: 1, label: 'warmup ends (step 1)' }]);
    expect(chart.stepsPerEpoch).toBe(469);
    expect(lrPicture(steps, [0.1, 0.1, 0.1], undefined, undefined)).not.toHaveProperty('stepsPerEpoch');
  });
});
