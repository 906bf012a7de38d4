import type { CharacterSize, LineChart } from './chart.js';
import { DEFAULT_CHARACTER_SIZE } from './chart.js';
import { checkChart, checkInteger } from './check.js';
import { downsample, type Polyline } from './downsample.js';
import { epochMarks } from './epochs.js';
import { dataExtent } from './extent.js';
import { formatTick, formatValue } from './format.js';
import { linearScale, logScale, type Scale } from './scale.js';
import { stepPath } from './steps.js';
import { boundedTicks, logTicks, niceTicks } from './ticks.js';

/** The character of each series, by position. */
export const SERIES_CHARACTERS = ['*', '+', 'o', 'x', '#', '@', '%', '='] as const;
/** The character of a marker's column. */
export const MARKER_CHARACTER = '¦';
/** The character of an epoch boundary's column, behind the series and the markers. */
export const EPOCH_CHARACTER = ':';

const MIN_SIZE = { columns: 10, rows: 3 } as const;
const MAX_SIZE = { columns: 1000, rows: 500 } as const;

type Grid = string[][];

function put(grid: Grid, column: number, row: number, character: string): void {
  const line = grid[row];
  if (line !== undefined && column >= 0 && column < line.length) line[column] = character;
}

/** Fills, in each column a segment crosses, the rows it passes through in that column. */
function drawSegment(grid: Grid, c0: number, r0: number, c1: number, r1: number, character: string): void {
  const fill = (column: number, ra: number, rb: number): void => {
    for (let row = Math.round(Math.min(ra, rb)); row <= Math.round(Math.max(ra, rb)); row++) {
      put(grid, column, row, character);
    }
  };
  const from = Math.round(Math.min(c0, c1));
  const to = Math.round(Math.max(c0, c1));
  if (from === to) {
    fill(from, r0, r1);
    return;
  }
  const rowAt = (c: number): number => r0 + ((c - c0) / (c1 - c0)) * (r1 - r0);
  for (let column = from; column <= to; column++) {
    const ca = Math.max(Math.min(c0, c1), column - 0.5);
    const cb = Math.min(Math.max(c0, c1), column + 0.5);
    fill(column, rowAt(ca), rowAt(cb));
  }
}

function drawPolyline(grid: Grid, line: Polyline, character: string): void {
  if (line.length === 2) {
    put(grid, Math.round(line[0]!), Math.round(line[1]!), character);
    return;
  }
  for (let i = 2; i < line.length; i += 2) {
    drawSegment(grid, line[i - 2]!, line[i - 1]!, line[i]!, line[i + 1]!, character);
  }
}

/** Labels for the y ticks' rows: the last and first tick, then the others whose rows touch no labelled one. */
function rowLabels(ticks: readonly number[], log: boolean, toRow: Scale): Map<number, string> {
  const reference = Math.max(...ticks.map(Math.abs));
  const labels = new Map<number, string>();
  const order = [ticks.length - 1, 0, ...ticks.keys()].filter((i, k, all) => all.indexOf(i) === k);
  for (const index of order) {
    const tick = ticks[index]!;
    const row = Math.round(toRow(tick));
    if (labels.has(row - 1) || labels.has(row) || labels.has(row + 1)) continue;
    labels.set(row, log ? formatTick(tick) : formatTick(tick, reference));
  }
  return labels;
}

/** Places texts on one line of `columns` characters, each left out where it would come within two of another. */
class LabelLine {
  readonly cells: string[];
  private readonly taken: [number, number][] = [];

  constructor(readonly columns: number) {
    this.cells = Array<string>(columns).fill(' ');
  }

  /** Writes `text` from `start` (moved inside the line); whether it found room. */
  place(text: string, start: number): boolean {
    const from = Math.max(0, Math.min(start, this.columns - text.length));
    if (this.taken.some(([a, b]) => from <= b + 2 && from + text.length - 1 >= a - 2)) return false;
    this.taken.push([from, from + text.length - 1]);
    for (const [i, character] of [...text].entries()) this.cells[from + i] = character;
    return true;
  }

  toString(): string {
    return this.cells.join('');
  }
}

/**
 * The x labels under the plot, and the columns to mark on the axis line: both ends of the range (the data's first
 * and last x), then the round ticks between where they fit.
 */
function xLabelLine(
  ticks: readonly number[],
  columns: number,
  toColumn: Scale,
): { text: string; marks: number[] } {
  const line = new LabelLine(columns);
  const lo = ticks[0]!;
  const hi = ticks[ticks.length - 1]!;
  const reference = Math.max(Math.abs(lo), Math.abs(hi));
  const marks: number[] = [];
  // six digits: a run of 1499 steps should not read 1500
  // the corner of the axes stands for the first column's mark
  line.place(formatValue(lo, reference, 6), 0);
  const last = formatValue(hi, reference, 6);
  if (line.place(last, columns - last.length)) marks.push(columns - 1);
  for (const tick of ticks.slice(1, -1)) {
    const text = formatTick(tick, reference);
    const column = Math.round(toColumn(tick));
    if (line.place(text, column - Math.floor(text.length / 2))) marks.push(column);
  }
  return { text: line.toString(), marks };
}

/** The epoch labels line ("epoch 1", then "2", "3", … under their columns), or undefined when there is none. */
function epochLine(columnsOf: readonly [number, number][], columns: number): string | undefined {
  if (columnsOf.length === 0) return undefined;
  const line = new LabelLine(columns);
  let placed = 0;
  for (const [column, epoch] of columnsOf) {
    const text = placed === 0 ? `epoch ${epoch}` : String(epoch);
    const start = placed === 0 ? column - text.length + 1 : column - Math.floor(text.length / 2);
    if (line.place(text, start)) placed += 1;
  }
  return line.toString();
}

/**
 * Draws a line chart as text for a terminal: a title line, a legend line when there are several series, the
 * y label, then a plot area of exactly `columns × rows` characters with y labels on its left (round ticks, the
 * lowest at or below the data on the bottom row and the highest at or above it on the top row), an axis line
 * with `+` under each labelled x tick after the first, the x labels underneath (from the data's first x to its
 * last), the epoch labels when `stepsPerEpoch` is given, the x label, and one line per marker naming it. Each
 * series is drawn with its own character (`*`, `+`, `o`, …), a step series flat and then straight up or down,
 * marker columns with `¦`, epoch boundaries with `:` behind them. Pure and deterministic; no colours; lines
 * joined with `\n`, no trailing newline. Throws `PlotError` for a series whose x and y lengths differ, a
 * `stepsPerEpoch` that is not > 0, or a size outside 10×3 … 1000×500.
 *
 * @example
 * console.log(renderAscii(chart, { columns: 60, rows: 15 }));
 */
export function renderAscii(chart: LineChart, size: CharacterSize = DEFAULT_CHARACTER_SIZE): string {
  checkChart(chart);
  checkInteger('size.columns', size.columns, MIN_SIZE.columns, MAX_SIZE.columns);
  checkInteger('size.rows', size.rows, MIN_SIZE.rows, MAX_SIZE.rows);
  const { columns, rows } = size;
  const log = chart.yScale === 'log';
  const extent = dataExtent(chart);
  const xTicks =
    extent === undefined
      ? [0, 1]
      : boundedTicks(extent.xMin, extent.xMax, Math.max(2, Math.floor(columns / 12)));
  const yCount = Math.max(2, Math.floor(rows / 4));
  const [yMin, yMax] = extent === undefined ? (log ? [1, 10] : [0, 1]) : [extent.yMin, extent.yMax];
  const yTicks = log ? logTicks(yMin, yMax, yCount) : niceTicks(yMin, yMax, yCount);
  const [xLo, xHi] = [xTicks[0]!, xTicks[xTicks.length - 1]!];
  const [yLo, yHi] = [yTicks[0]!, yTicks[yTicks.length - 1]!];
  const toColumn = linearScale(xLo, xHi, 0, columns - 1);
  const toRow = log ? logScale(yLo, yHi, rows - 1, 0) : linearScale(yLo, yHi, rows - 1, 0);

  const grid: Grid = Array.from({ length: rows }, () => Array<string>(columns).fill(' '));
  const epochColumns: [number, number][] = [];
  if (chart.stepsPerEpoch !== undefined && extent !== undefined) {
    for (const mark of epochMarks(chart.stepsPerEpoch, xLo, xHi, Math.max(1, Math.floor(columns / 4)))) {
      const column = Math.round(toColumn(mark.x));
      for (let row = 0; row < rows; row++) put(grid, column, row, EPOCH_CHARACTER);
      epochColumns.push([column, mark.epoch]);
    }
  }
  const markerLines: string[] = [];
  for (const marker of chart.markers ?? []) {
    const column = Math.round(toColumn(marker.x));
    if (!(column >= 0 && column < columns)) continue;
    for (let row = 0; row < rows; row++) put(grid, column, row, MARKER_CHARACTER);
    const rightward = `${MARKER_CHARACTER} ${marker.label}`;
    markerLines.push(
      column + rightward.length <= columns
        ? `${' '.repeat(column)}${rightward}`
        : `${' '.repeat(Math.max(0, column + 1 - rightward.length))}${marker.label} ${MARKER_CHARACTER}`,
    );
  }
  for (const [index, series] of chart.series.entries()) {
    const character = SERIES_CHARACTERS[index % SERIES_CHARACTERS.length]!;
    for (const line of downsample(series.x, series.y, toColumn, toRow, Math.round)) {
      drawPolyline(grid, series.steps === true ? stepPath(line) : line, character);
    }
  }

  const labels = rowLabels(yTicks, log, toRow);
  const gutter = Math.max(...[...labels.values()].map((label) => label.length));
  const indent = ' '.repeat(gutter + 2);
  const out = [chart.title];
  if (chart.series.length > 1) {
    const items = chart.series.map((s, i) => `${SERIES_CHARACTERS[i % SERIES_CHARACTERS.length]} ${s.name}`);
    out.push(`${indent}${items.join('   ')}`);
  }
  if (chart.yLabel !== '') out.push(chart.yLabel);
  for (const [row, cells] of grid.entries()) {
    const label = labels.get(row);
    out.push(`${(label ?? '').padStart(gutter)} ${label === undefined ? '|' : '+'}${cells.join('')}`);
  }
  const xLabels = xLabelLine(xTicks, columns, toColumn);
  const axis = Array<string>(columns).fill('-');
  for (const column of xLabels.marks) axis[column] = '+';
  out.push(`${' '.repeat(gutter + 1)}+${axis.join('')}`);
  out.push(`${indent}${xLabels.text}`.trimEnd());
  const epochs = epochLine(epochColumns, columns);
  if (epochs !== undefined) out.push(`${indent}${epochs}`.trimEnd());
  if (extent === undefined) out.push(`${indent}(no data)`);
  if (chart.xLabel !== '') {
    out.push(
      `${indent}${' '.repeat(Math.max(0, Math.floor((columns - chart.xLabel.length) / 2)))}${chart.xLabel}`,
    );
  }
  out.push(...markerLines.map((line) => `${indent}${line}`.trimEnd()));
  return out.join('\n');
}
