/**
 * What a line chart shows. The renderers (`renderSvg`, `renderAscii`) take a `LineChart` and draw it; nothing
 * here knows about pixels or characters.
 *
 * @example
 * const chart: LineChart = { title: 'LR', xLabel: 'step', yLabel: 'lr', series: [{ name: 'lr', x: [0, 1], y: [0.1, 0.05] }] };
 */

/** One curve: `x[i]`, `y[i]` pairs in drawing order. A non-finite pair (or y ≤ 0 on a log scale) leaves a gap. */
export interface Series {
  readonly name: string;
  readonly x: ArrayLike<number>;
  readonly y: ArrayLike<number>;
  /** any SVG/CSS colour; a palette colour by position when absent */
  readonly color?: string;
  /**
   * `true` for a piecewise-constant series, such as a learning rate per step: `y[i]` holds from `x[i]` until
   * `x[i + 1]`, drawn flat and then straight up or down; default a line from point to point
   */
  readonly steps?: boolean;
}

/**
 * A vertical dashed line at `x` with a label, e.g. `{ x: 100, label: 'warmup ends (step 100)' }`. The x axis spans
 * the data alone, so a marker beyond the data's x range is not drawn.
 */
export interface Marker {
  readonly x: number;
  readonly label: string;
}

/** A titled chart of one or more series on shared axes. */
export interface LineChart {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  /** one or more, e.g. per-step loss and its moving average */
  readonly series: readonly Series[];
  readonly markers?: readonly Marker[];
  /** `log`: only positive values are drawn; default `linear` */
  readonly yScale?: 'linear' | 'log';
  /**
   * x is in steps and an epoch has this many (> 0): thin lines labelled "epoch 1", "2", … at every multiple of it
   * inside the x range (every n-th when there are many); none when absent
   */
  readonly stepsPerEpoch?: number;
}

/** Size of an SVG/PNG picture in pixels. */
export interface PixelSize {
  readonly width: number;
  readonly height: number;
}

/** Size of the plot area of an ASCII chart in characters (labels come on top of it). */
export interface CharacterSize {
  readonly columns: number;
  readonly rows: number;
}

/** Default SVG size. */
export const DEFAULT_PIXEL_SIZE: PixelSize = Object.freeze({ width: 800, height: 450 });

/** Default ASCII plot-area size. */
export const DEFAULT_CHARACTER_SIZE: CharacterSize = Object.freeze({ columns: 72, rows: 20 });
