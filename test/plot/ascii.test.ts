import { describe, expect, it } from 'vitest';
import { PlotError } from '../../src/errors.js';
import type { LineChart } from '../../src/plot/index.js';
import { MARKER_CHARACTER, renderAscii } from '../../src/plot/index.js';

/** The plot rows (between the label gutter's axis and the end), found above the bottom border. */
function plotArea(text: string, rows: number): { lines: string[]; rows: string[]; offset: number } {
  const lines = text.split('\n');
  const border = lines.findIndex((line) => /^ *\+[-+]+$/.test(line));
  expect(border).toBeGreaterThanOrEqual(rows);
  const offset = lines[border]!.indexOf('+') + 1;
  return { lines, rows: lines.slice(border - rows, border).map((line) => line.slice(offset)), offset };
}

const n = 1500;
const steps = Array.from({ length: n }, (_, i) => i);
const lr = steps.map((s) =>
  s < 100 ? (1e-3 * (s + 1)) / 100 : 0.5e-3 * (1 + Math.cos((Math.PI * (s - 100)) / (n - 100))),
);
const lrChart: LineChart = {
  title: 'Learning rate: warmup + cosine',
  xLabel: 'step',
  yLabel: 'lr',
  series: [{ name: 'lr', x: steps, y: lr }],
  markers: [{ x: 100, label: 'warmup ends (step 100)' }],
};

describe('renderAscii', () => {
  it('draws a plot area of exactly the requested columns × rows under the axis border', () => {
    for (const size of [
      { columns: 72, rows: 20 },
      { columns: 30, rows: 5 },
    ]) {
      const text = renderAscii(lrChart, size);
      const { lines, rows, offset } = plotArea(text, size.rows);
      expect(rows).toHaveLength(size.rows);
      for (const row of rows) expect(row).toHaveLength(size.columns);
      const border = lines.find((line) => /^ *\+[-+]+$/.test(line))!;
      expect(border.length - offset).toBe(size.columns);
      // the line above the plot is the y label, not another plot row
      expect(lines[lines.indexOf(border) - size.rows - 1]).toBe('lr');
    }
  });

  it('uses 72×20 by default and starts with the title line', () => {
    const text = renderAscii(lrChart);
    expect(text.split('\n')[0]).toBe('Learning rate: warmup + cosine');
    const { rows } = plotArea(text, 20);
    for (const row of rows) expect(row).toHaveLength(72);
  });

  it('puts the highest point on the top row and the lowest on the bottom row', () => {
    const { rows } = plotArea(renderAscii(lrChart), 20);
    const peakColumn = Math.round((99 / (n - 1)) * 71);
    expect(rows[0]![peakColumn]).toBe('*');
    expect(rows[19]![0]).toBe('*');
    expect(rows[19]![71]).toBe('*');
    expect(rows[0]![71]).toBe(' ');
  });

  it('draws the marker column with ¦ and names the marker under the plot', () => {
    const text = renderAscii(lrChart);
    const { lines, rows, offset } = plotArea(text, 20);
    const column = Math.round((100 / (n - 1)) * 71);
    const marked = rows.filter((row) => row[column] === MARKER_CHARACTER);
    expect(marked.length).toBeGreaterThan(10);
    expect(rows.every((row) => [...row].every((c, i) => c !== MARKER_CHARACTER || i === column))).toBe(true);
    const note = lines.find((line) => line.includes('warmup ends (step 100)'))!;
    expect(note.indexOf(MARKER_CHARACTER)).toBe(offset + column);
  });

  it('labels the y range on the left and the x range underneath', () => {
    const text = renderAscii(lrChart);
    const lines = text.split('\n');
    const border = lines.findIndex((line) => /^ *\+[-+]+$/.test(line));
    expect(lines[border - 20]).toMatch(/^ *1e-3 \+/);
    expect(lines[border + 1]).toMatch(/^ +0 .* 1499$/);
    expect(lines[border + 2]!.trim()).toBe('step');
  });

  it('draws each series with its own character and lists them when there are several', () => {
    const text = renderAscii({
      ...lrChart,
      series: [lrChart.series[0]!, { name: 'half', x: steps, y: lr.map((v) => v / 2) }],
    });
    expect(text.split('\n')[1]).toMatch(/\* lr {3}\+ half$/);
    const { rows } = plotArea(text, 20);
    expect(rows.join('')).toContain('+');
    expect(rows.join('')).toContain('*');
  });

  it('on a log scale spans whole decades, labels powers of ten and skips values that are not positive', () => {
    const x = [0, 1, 2, 3, 4, 5];
    const text = renderAscii(
      {
        title: 'loss',
        xLabel: 'step',
        yLabel: 'loss',
        yScale: 'log',
        series: [{ name: 'l', x, y: [10, 1, 0.1, 0, -1, 0.01] }],
      },
      { columns: 20, rows: 5 },
    );
    // two ticks asked for over 10 … 0.01: every second power of ten, 0.01, 1, 100, one decade per row
    const { lines, rows } = plotArea(text, 5);
    expect(rows[1]![0]).toBe('*'); // 10
    expect(rows[4]![19]).toBe('*'); // 0.01
    expect(rows[0]).toBe(' '.repeat(20));
    const border = lines.findIndex((line) => /^ *\+[-+]+$/.test(line));
    expect(lines.slice(border - 5, border).map((line) => line.slice(0, 6))).toEqual([
      ' 100 +',
      '     |',
      '   1 +',
      '     |',
      '0.01 +',
    ]);
  });

  it('is pure: the same chart gives the same text and its arrays are left untouched', () => {
    const y = Float64Array.from(lr);
    const chart = { ...lrChart, series: [{ name: 'lr', x: steps, y }] };
    const first = renderAscii(chart);
    expect(renderAscii(chart)).toBe(first);
    expect([...y]).toEqual(lr);
    expect(first).not.toContain(String.fromCharCode(27));
  });

  it('draws degenerate data without failing and says when there is nothing to draw', () => {
    const one = renderAscii({ ...lrChart, series: [{ name: 'a', x: [5], y: [0.3] }], markers: [] });
    expect(plotArea(one, 20).rows.join('')).toContain('*');
    const flat = renderAscii({ ...lrChart, series: [{ name: 'a', x: [0, 1, 2], y: [2, 2, 2] }] });
    expect(plotArea(flat, 20).rows.join('')).toContain('*');
    const none = renderAscii({ ...lrChart, series: [{ name: 'a', x: [0, 1], y: [Number.NaN, Number.NaN] }] });
    expect(none).toContain('(no data)');
    expect(none).not.toMatch(/NaN|Infinity/);
  });

  it('refuses series whose x and y differ in length, and sizes out of range', () => {
    expect(() => renderAscii({ ...lrChart, series: [{ name: 'a', x: [0], y: [] }] })).toThrow(PlotError);
    expect(() => renderAscii(lrChart, { columns: 5, rows: 20 })).toThrow(PlotError);
    expect(() => renderAscii(lrChart, { columns: 72, rows: 2.5 })).toThrow(PlotError);
  });
});
