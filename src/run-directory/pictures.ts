import { autoYScale, type LineChart } from '../plot/index.js';

/** Where the schedule's rise ends, in global steps, for the LR picture's marker. */
export interface LrMarker {
  readonly step: number;
  readonly label: string;
}

/**
 * The run's LR picture: the schedule's LR per global step drawn as steps (the LR of step k holds until step
 * k + 1), the warmup marker, epoch lines when the steps per epoch are known, and a log y axis when the positive
 * more than a tenth of the positive LRs lie over two decades below the peak (see `autoYScale`); the y label then says so, and how many LRs ≤ 0 it leaves out.
 *
 * @example
 * renderSvg(lrPicture([0, 1, 2], [0.007, 7e-4, 7e-5], undefined, 469)); // a log axis from 1e-5 to 0.01
 */
export function lrPicture(
  steps: readonly number[],
  lrs: readonly number[],
  marker: LrMarker | undefined,
  stepsPerEpoch: number | undefined,
): LineChart {
  const { scale, omitted } = autoYScale(lrs);
  const note = omitted === 0 ? '' : `; ${omitted} ≤ 0 not drawn`;
  return {
    title: "Learning rate (the coordinator's schedule)",
    xLabel: 'global step',
    yLabel: scale === 'log' ? `learning rate (log scale${note})` : 'learning rate',
    yScale: scale,
    series: [{ name: 'lr', x: steps, y: lrs, steps: true }],
    markers: marker === undefined ? [] : [{ x: marker.step, label: `${marker.label} (step ${marker.step})` }],
    ...(stepsPerEpoch === undefined ? {} : { stepsPerEpoch }),
  };
}
