import type { LineChart, Marker, PixelSize } from './chart.js';
import { DEFAULT_PIXEL_SIZE } from './chart.js';
import { checkChart, checkInteger } from './check.js';
import { downsample, type Polyline } from './downsample.js';
import { epochMarks } from './epochs.js';
import { dataExtent, type Extent } from './extent.js';
import { formatTick } from './format.js';
import { isFree, type Occupancy, occupancy } from './occupancy.js';
import { linearScale, logScale, type Scale } from './scale.js';
import { stepPath } from './steps.js';
import { boundedTicks, logTicks, niceTicks } from './ticks.js';

/** Colours for series without their own, by position (matplotlib's tab10). */
export const SERIES_PALETTE = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
];

const FONT_FAMILY = 'DejaVu Sans, sans-serif';
/** Average advance of DejaVu Sans in em (digits are 0.636 em): a slight overestimate keeps labels apart. */
const CHAR_EM = 0.62;
const TITLE_SIZE = 16;
const LABEL_SIZE = 13;
const TICK_SIZE = 11;
const EPOCH_SIZE = 10;
/** Room above the plot for the epoch labels. */
const EPOCH_BAND = 14;
const LEGEND_SIZE = 12;
const TICK_LENGTH = 5;
const MIN_SIZE = { width: 240, height: 160 } as const;
const MAX_SIDE = 10_000;

/** Replaces the characters XML gives a meaning to. */
function escapeXml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}

/** A coordinate to 0.1 px: enough for a line and short in the file. */
function px(value: number): string {
  return String(Math.round(value * 10) / 10);
}

function textWidth(text: string, size: number): number {
  return text.length * size * CHAR_EM;
}

/** Shortens `text` with an ellipsis until its estimated width fits `maxWidth`. */
function fitText(text: string, size: number, maxWidth: number): string {
  if (textWidth(text, size) <= maxWidth) return text;
  const keep = Math.max(0, Math.floor(maxWidth / (size * CHAR_EM)) - 1);
  return `${text.slice(0, keep)}…`;
}

interface Axis {
  readonly ticks: readonly number[];
  readonly labels: readonly string[];
  readonly scale: Scale;
}

function axisLabels(ticks: readonly number[], log: boolean): string[] {
  const reference = Math.max(...ticks.map(Math.abs));
  return ticks.map((tick) => (log ? formatTick(tick) : formatTick(tick, reference)));
}

function makeYAxis(extent: Extent | undefined, log: boolean, top: number, bottom: number): Axis {
  const count = Math.min(10, Math.max(2, Math.floor((bottom - top) / 40)));
  const [lo, hi] = extent === undefined ? (log ? [1, 10] : [0, 1]) : [extent.yMin, extent.yMax];
  const ticks = log ? logTicks(lo, hi, count) : niceTicks(lo, hi, count);
  const first = ticks[0]!;
  const last = ticks[ticks.length - 1]!;
  const scale = log ? logScale(first, last, bottom, top) : linearScale(first, last, bottom, top);
  return { ticks, labels: axisLabels(ticks, log), scale };
}

/**
 * The most x ticks (near one per 90 px) whose labels keep at least 16 px between them. The axis runs from the
 * data's first x to its last, both labelled (see `boundedTicks`).
 */
function makeXAxis(extent: Extent | undefined, left: number, right: number): Axis {
  const [lo, hi] = extent === undefined ? [0, 1] : [extent.xMin, extent.xMax];
  let ticks = boundedTicks(lo, hi, 2);
  for (let count = Math.max(2, Math.floor((right - left) / 90)); count >= 2; count--) {
    ticks = boundedTicks(lo, hi, count);
    const scale = linearScale(ticks[0]!, ticks[ticks.length - 1]!, left, right);
    const widths = axisLabels(ticks, false).map((label) => textWidth(label, TICK_SIZE));
    const apart = ticks.every(
      (tick, i) => i === 0 || scale(tick) - scale(ticks[i - 1]!) >= (widths[i]! + widths[i - 1]!) / 2 + 16,
    );
    if (apart) break;
  }
  const scale = linearScale(ticks[0]!, ticks[ticks.length - 1]!, left, right);
  return { ticks, labels: axisLabels(ticks, false), scale };
}

/**
 * Thin grey lines at the epoch boundaries, under the series, and their labels ("epoch 1", then "2", "3", …) in a
 * band above the plot, a label left out where it would run into the one before it.
 */
function renderEpochs(stepsPerEpoch: number, xAxis: Axis, box: PlotBox): string[] {
  const lo = xAxis.ticks[0]!;
  const hi = xAxis.ticks[xAxis.ticks.length - 1]!;
  const marks = epochMarks(stepsPerEpoch, lo, hi, Math.max(1, Math.floor((box.right - box.left) / 30)));
  const path: string[] = [];
  const labels: string[] = [];
  let free = -Infinity;
  for (const mark of marks) {
    const x = xAxis.scale(mark.x);
    path.push(`M${px(x)},${px(box.top)}V${px(box.bottom)}`);
    const text = labels.length === 0 ? `epoch ${mark.epoch}` : String(mark.epoch);
    const width = textWidth(text, EPOCH_SIZE);
    const centre = Math.min(Math.max(x, box.left + width / 2), box.right - width / 2);
    if (centre - width / 2 < free) continue;
    free = centre + width / 2 + 6;
    labels.push(
      `<text x="${px(centre)}" y="${px(box.top - 4)}" text-anchor="middle">${escapeXml(text)}</text>`,
    );
  }
  if (path.length === 0) return [];
  return [
    `<g class="epochs"><path d="${path.join('')}" stroke="#c8c8c8" stroke-width="1" fill="none"/>` +
      `<g font-size="${EPOCH_SIZE}" fill="#666">${labels.join('')}</g></g>`,
  ];
}

interface LegendItem {
  readonly name: string;
  /** undefined for the "+N more" note, which has no swatch */
  readonly color: string | undefined;
  readonly x: number;
  readonly row: number;
}

/** Items in rows centred under the title, wrapped to the picture's width. */
function wrapLegend(
  names: readonly string[],
  colors: readonly (string | undefined)[],
  width: number,
): LegendItem[] {
  const maxWidth = width - 24;
  const widths = names.map(
    (name, index) =>
      (colors[index] === undefined ? 0 : 25) +
      textWidth(fitText(name, LEGEND_SIZE, maxWidth - 25), LEGEND_SIZE),
  );
  const rows: number[][] = [[]];
  let used = 0;
  for (const [index, itemWidth] of widths.entries()) {
    const row = rows[rows.length - 1]!;
    if (row.length > 0 && used + 18 + itemWidth > maxWidth) {
      rows.push([index]);
      used = itemWidth;
    } else {
      row.push(index);
      used += (row.length > 1 ? 18 : 0) + itemWidth;
    }
  }
  return rows.flatMap((row, rowIndex) => {
    const total = row.reduce((sum, index) => sum + widths[index]!, 0) + 18 * (row.length - 1);
    let x = (width - total) / 2;
    return row.map((index) => {
      const item = { name: names[index]!, color: colors[index], x, row: rowIndex };
      x += widths[index]! + 18;
      return item;
    });
  });
}

/** The legend in at most `maxRows` rows: the series that fit, then "+N more" for the rest. */
function layoutLegend(
  names: readonly string[],
  colors: readonly string[],
  width: number,
  maxRows: number,
): LegendItem[] {
  for (let shown = names.length; shown >= 1; shown--) {
    const rest = names.length - shown;
    const items =
      rest === 0
        ? wrapLegend(names, colors, width)
        : wrapLegend(
            [...names.slice(0, shown), `+${rest} more`],
            [...colors.slice(0, shown), undefined],
            width,
          );
    if (items[items.length - 1]!.row < maxRows) return items;
  }
  return wrapLegend([`${names.length} series`], [undefined], width);
}

function renderLegend(items: readonly LegendItem[], top: number, maxWidth: number): string[] {
  return items.map((item) => {
    const y = top + item.row * 18;
    const name = escapeXml(fitText(item.name, LEGEND_SIZE, maxWidth - 25));
    if (item.color === undefined) {
      return `<text x="${px(item.x)}" y="${px(y)}" font-size="${LEGEND_SIZE}" fill="#555">${name}</text>`;
    }
    return (
      `<line x1="${px(item.x)}" y1="${px(y - 4)}" x2="${px(item.x + 20)}" y2="${px(y - 4)}" ` +
      `stroke="${escapeXml(item.color)}" stroke-width="2.5"/>` +
      `<text x="${px(item.x + 25)}" y="${px(y)}" font-size="${LEGEND_SIZE}">${name}</text>`
    );
  });
}

type Rect = readonly [x0: number, x1: number, y0: number, y1: number];

function overlaps(a: Rect, b: Rect, gap: number): boolean {
  return a[0] < b[1] + gap && b[0] < a[1] + gap && a[2] < b[3] + gap && b[2] < a[3] + gap;
}

/**
 * Where a marker's label goes: the first of top-right, top-left, bottom-right, bottom-left of its line (then one
 * text line further in, and so on) that stays inside the plot, clears the other labels and crosses no curve;
 * failing that, the first that clears the other labels.
 */
function placeLabel(x: number, width: number, box: PlotBox, placed: readonly Rect[], taken: Occupancy): Rect {
  const candidates: Rect[] = [];
  for (let row = 0; box.top + 14 + row * 14 <= box.bottom; row++) {
    for (const baseline of [box.top + 14 + row * 14, box.bottom - 6 - row * 14]) {
      candidates.push([x + 4, x + 4 + width, baseline - 10, baseline + 3]);
      candidates.push([x - 4 - width, x - 4, baseline - 10, baseline + 3]);
    }
  }
  const inside = candidates.filter(([x0, x1]) => x0 >= box.left + 2 && x1 <= box.right - 2);
  const clear = (inside.length > 0 ? inside : candidates).filter((rect) =>
    placed.every((other) => !overlaps(rect, other, 3)),
  );
  return clear.find((rect) => isFree(taken, ...rect)) ?? clear[0] ?? candidates[0]!;
}

/** Dashed lines (drawn under the series) and their labels (drawn over them), the labels where no curve is. */
function renderMarkers(
  markers: readonly Marker[],
  scale: Scale,
  box: PlotBox,
  taken: Occupancy,
): { lines: string[]; labels: string[] } {
  const lines: string[] = [];
  const labels: string[] = [];
  const placed: Rect[] = [];
  for (const marker of markers) {
    const x = scale(marker.x);
    if (!Number.isFinite(x) || x < box.left - 0.5 || x > box.right + 0.5) continue;
    lines.push(
      `<line x1="${px(x)}" y1="${px(box.top)}" x2="${px(x)}" y2="${px(box.bottom)}" stroke="#555" ` +
        'stroke-width="1" stroke-dasharray="5 4"/>',
    );
    const label = fitText(marker.label, TICK_SIZE, box.right - box.left - 8);
    const rect = placeLabel(x, textWidth(label, TICK_SIZE), box, placed, taken);
    placed.push(rect);
    // anchored at the end beside the line, so that a width overestimate leaves no gap there
    const leftOfLine = rect[1] <= x;
    labels.push(
      `<text x="${px(leftOfLine ? rect[1] : rect[0])}" y="${px(rect[3] - 3)}" font-size="${TICK_SIZE}" fill="#333" ` +
        `text-anchor="${leftOfLine ? 'end' : 'start'}" stroke="#fff" stroke-width="3" paint-order="stroke">` +
        `${escapeXml(label)}</text>`,
    );
  }
  return { lines, labels };
}

interface PlotBox {
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
}

function renderAxes(xAxis: Axis, yAxis: Axis, box: PlotBox): string[] {
  const grid: string[] = [];
  const marks: string[] = [];
  const labels: string[] = [];
  for (const [index, tick] of yAxis.ticks.entries()) {
    const y = px(yAxis.scale(tick));
    grid.push(`M${px(box.left)},${y}H${px(box.right)}`);
    marks.push(`M${px(box.left - TICK_LENGTH)},${y}H${px(box.left)}`);
    labels.push(
      `<text x="${px(box.left - TICK_LENGTH - 3)}" y="${y}" dy="0.35em" text-anchor="end">${escapeXml(yAxis.labels[index]!)}</text>`,
    );
  }
  for (const [index, tick] of xAxis.ticks.entries()) {
    const x = px(xAxis.scale(tick));
    grid.push(`M${x},${px(box.top)}V${px(box.bottom)}`);
    marks.push(`M${x},${px(box.bottom)}V${px(box.bottom + TICK_LENGTH)}`);
    labels.push(
      `<text x="${x}" y="${px(box.bottom + TICK_LENGTH + 13)}" text-anchor="middle">${escapeXml(xAxis.labels[index]!)}</text>`,
    );
  }
  return [
    `<path d="${grid.join('')}" stroke="#e6e6e6" stroke-width="1" fill="none"/>`,
    `<path d="M${px(box.left)},${px(box.top)}V${px(box.bottom)}H${px(box.right)}${marks.join('')}" ` +
      'stroke="#333" stroke-width="1" fill="none"/>',
    `<g font-size="${TICK_SIZE}" fill="#333">${labels.join('')}</g>`,
  ];
}

function renderSeries(polylines: readonly Polyline[][], colors: readonly string[]): string[] {
  return polylines.map((series, index) => {
    const color = escapeXml(colors[index]!);
    const d = series
      .filter((line) => line.length > 2)
      .map((line) => {
        const parts = [`M${px(line[0]!)},${px(line[1]!)}L`];
        for (let i = 2; i < line.length; i += 2) parts.push(`${px(line[i]!)},${px(line[i + 1]!)} `);
        return parts.join('').trimEnd();
      })
      .join('');
    const path =
      d === ''
        ? ''
        : `<path d="${d}" fill="none" stroke="${color}" stroke-width="1.5" stroke-linejoin="round" stroke-linecap="round"/>`;
    const dots = series
      .filter((line) => line.length === 2)
      .map((dot) => `<circle cx="${px(dot[0]!)}" cy="${px(dot[1]!)}" r="2.5" fill="${color}"/>`);
    return `<g>${path}${dots.join('')}</g>`;
  });
}

/**
 * Draws a line chart as a self-contained SVG document (no external fonts or CSS): title, a legend when there
 * are several series, labelled axes with ticks and a light grid (the x axis from the data's first x to its last),
 * dashed markers with labels, thin epoch lines when `stepsPerEpoch` is given, step series drawn flat then
 * straight up or down. Each series is
 * thinned to a few points per pixel column keeping each column's minimum and maximum, so a million points make a
 * file of tens of kilobytes and spikes survive. Non-finite points leave gaps; a chart with no drawable point
 * shows "no data". Throws `PlotError` for a series whose x and y lengths differ, a `stepsPerEpoch` that is not
 * > 0, or a size outside 240×160 … 10000×10000.
 *
 * @example
 * const svg = renderSvg({ title: 'LR', xLabel: 'step', yLabel: 'lr', series: [{ name: 'lr', x: [0, 1, 2], y: [0, 1e-3, 5e-4] }] });
 */
export function renderSvg(chart: LineChart, size: PixelSize = DEFAULT_PIXEL_SIZE): string {
  checkChart(chart);
  checkInteger('size.width', size.width, MIN_SIZE.width, MAX_SIDE);
  checkInteger('size.height', size.height, MIN_SIZE.height, MAX_SIDE);
  const { width, height } = size;
  const log = chart.yScale === 'log';
  const extent = dataExtent(chart);
  const colors = chart.series.map(
    (series, index) => series.color ?? SERIES_PALETTE[index % SERIES_PALETTE.length]!,
  );

  // the legend may take up to a quarter of what is left once the fixed margins are paid
  const maxLegendRows = Math.max(1, Math.floor((height - 160) / 18 / 4));
  const names = chart.series.map((series) => series.name);
  const legend = names.length > 1 ? layoutLegend(names, colors, width, maxLegendRows) : [];
  const legendRows = legend.length === 0 ? 0 : legend[legend.length - 1]!.row + 1;
  const hasEpochs =
    chart.stepsPerEpoch !== undefined &&
    extent !== undefined &&
    epochMarks(chart.stepsPerEpoch, extent.xMin, extent.xMax, 1).length > 0;
  const top = 40 + legendRows * 18 + (legendRows > 0 ? 6 : 0) + (hasEpochs ? EPOCH_BAND : 0);
  const bottom = height - 50;
  const yAxis = makeYAxis(extent, log, top, bottom);
  const yLabelWidth = Math.max(...yAxis.labels.map((label) => textWidth(label, TICK_SIZE)));
  const left = Math.round(10 + LABEL_SIZE + 10 + yLabelWidth + TICK_LENGTH + 4);
  let right = width - 24;
  let xAxis = makeXAxis(extent, left, right);
  const lastHalf = textWidth(xAxis.labels[xAxis.labels.length - 1]!, TICK_SIZE) / 2;
  if (lastHalf + 6 > width - right) {
    right = Math.round(width - 6 - lastHalf);
    xAxis = makeXAxis(extent, left, right);
  }
  const box: PlotBox = { left, right, top, bottom };
  const middleX = (left + right) / 2;
  const middleY = (top + bottom) / 2;
  // no clip path: the axes cover every drawn point, and a fixed id would clash between charts inlined in one page
  const polylines = chart.series.map((series) => {
    const lines = downsample(series.x, series.y, xAxis.scale, yAxis.scale, Math.floor);
    return series.steps === true ? lines.map(stepPath) : lines;
  });
  const markers = renderMarkers(
    chart.markers ?? [],
    xAxis.scale,
    box,
    occupancy(polylines.flat(), left, right),
  );

  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
      `font-family="${FONT_FAMILY}" role="img">`,
    `<title>${escapeXml(chart.title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${px(width / 2)}" y="26" font-size="${TITLE_SIZE}" font-weight="bold" text-anchor="middle" fill="#111">` +
      `${escapeXml(fitText(chart.title, TITLE_SIZE, width - 20))}</text>`,
    ...renderLegend(legend, 50, width - 24),
    ...renderAxes(xAxis, yAxis, box),
    ...(hasEpochs ? renderEpochs(chart.stepsPerEpoch!, xAxis, box) : []),
    `<text x="${px(middleX)}" y="${height - 12}" font-size="${LABEL_SIZE}" text-anchor="middle" fill="#111">` +
      `${escapeXml(fitText(chart.xLabel, LABEL_SIZE, width - 20))}</text>`,
    `<text transform="translate(${10 + LABEL_SIZE},${px(middleY)}) rotate(-90)" font-size="${LABEL_SIZE}" ` +
      `text-anchor="middle" fill="#111">${escapeXml(fitText(chart.yLabel, LABEL_SIZE, bottom - top))}</text>`,
    ...markers.lines,
    ...renderSeries(polylines, colors),
    ...markers.labels,
  ];
  if (extent === undefined) {
    parts.push(
      `<text x="${px(middleX)}" y="${px(middleY)}" font-size="${LABEL_SIZE}" text-anchor="middle" fill="#888">no data</text>`,
    );
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
