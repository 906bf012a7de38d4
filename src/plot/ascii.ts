import type { CharacterSize, LineChart } from './chart.js';
import { DEFAULT_CHARACTER_SIZE } from './chart.js';
import { checkChart, checkInteger } from './check.js';
import { downsample, type Polyline } from './downsample.js';
import { dataExtent } from './extent.js';
import { formatTick, formatValue } from './format.js';
import { linearScale, logScale, type Scale } from './scale.js';
import { logTicks, niceTicks, padRange } from './ticks.js';

/** The character of each series, by position. */
export const SERIES_CHARACTERS = ['*', '+', 'o', 'x', '#', '@', '%', '='] as const;
/** The character of a marker's column. */
export const MARKER_CHARACTER = '¦';

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

/** Labels for the rows: the data's extremes on the top and bottom rows, nice ticks between, none adjacent. */
function rowLabels(lo: number, hi: number, log: boolean, rows: number, toRow: Scale): Map<number, string> {
  const reference = Math.max(Math.abs(lo), Math.abs(hi));
  const format = (value: number): string => (log ? formatValue(value) : formatValue(value, reference));
  const labels = new Map<number, string>([
    [0, format(hi)],
    [rows - 1, format(lo)],
  ]);
  const count = Math.max(2, Math.floor(rows / 4));
  const ticks = log ? logTicks(lo, hi, count) : niceTicks(lo, hi, count);
  for (const tick of ticks) {
    const row = Math.round(toRow(tick));
    if (!(tick > lo && tick < hi) || labels.has(row - 1) || labels.has(row) || labels.has(row + 1)) continue;
    labels.set(row, log ? formatTick(tick) : formatTick(tick, reference));
  }
  return labels;
}

/** The x labels under the plot: both ends of the range, and nice ticks between where they fit. */
function xLabelLine(lo: number, hi: number, columns: number, toColumn: Scale): string {
  const line = Array<string>(columns).fill(' ');
  const reference = Math.max(Math.abs(lo), Math.abs(hi));
  const taken: [number, number][] = [];
  const place = (text: string, start: number): void => {
    const from = Math.max(0, Math.min(start, columns - text.length));
    if (taken.some(([a, b]) => from <= b + 2 && from + text.length - 1 >= a - 2)) return;
    taken.push([from, from + text.length - 1]);
    for (const [i, character] of [...text].entries()) line[from + i] = character;
  };
  // six digits: a run of 1499 steps should not read 1500
  place(formatValue(lo, reference, 6), 0);
  const last = formatValue(hi, reference, 6);
  place(last, columns - last.length);
  for (const tick of niceTicks(lo, hi, Math.max(2, Math.floor(columns / 12)))) {
    if (!(tick > lo && tick < hi)) continue;
    const text = formatTick(tick, reference);
    place(text, Math.round(toColumn(tick)) - Math.floor(text.length / 2));
  }
  return line.join('');
}

/**
 * Draws a line chart as text for a terminal: a title line, a legend line when there are several series, the
 * y label, then a plot area of exactly `columns × rows` characters with y labels on its left (the data's
 * highest value on the top row, its lowest on the bottom row), an axis line, the x range underneath, the x
 * label, and one line per marker naming it. Each series is drawn with its own character (`*`, `+`, `o`, …),
 * marker columns with `¦`. Pure and deterministic; no colours; lines joined with `\n`, no trailing newline.
 * Throws `PlotError` for a series whose x and y lengths differ or a size outside 10×3 … 1000×500.
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
  const [xLo, xHi] = extent === undefined ? [0, 1] : padRange(extent.xMin, extent.xMax);
  let [yLo, yHi] = extent === undefined ? (log ? [1, 10] : [0, 1]) : [extent.yMin, extent.yMax];
  [yLo, yHi] = log && yLo === yHi ? [yLo / 2, yHi * 2] : padRange(yLo, yHi);
  const toColumn = linearScale(xLo, xHi, 0, columns - 1);
  const toRow = log ? logScale(yLo, yHi, rows - 1, 0) : linearScale(yLo, yHi, rows - 1, 0);

  const grid: Grid = Array.from({ length: rows }, () => Array<string>(columns).fill(' '));
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
      drawPolyline(grid, line, character);
    }
  }

  const labels = rowLabels(yLo, yHi, log, rows, toRow);
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
  out.push(`${' '.repeat(gutter + 1)}+${'-'.repeat(columns)}`);
  out.push(`${indent}${xLabelLine(xLo, xHi, columns, toColumn)}`.trimEnd());
  if (extent === undefined) out.push(`${indent}(no data)`);
  if (chart.xLabel !== '') {
    out.push(
      `${indent}${' '.repeat(Math.max(0, Math.floor((columns - chart.xLabel.length) / 2)))}${chart.xLabel}`,
    );
  }
  out.push(...markerLines.map((line) => `${indent}${line}`.trimEnd()));
  return out.join('\n');
}
