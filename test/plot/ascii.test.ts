import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PlotError } from '../../src/errors.js';
import type { LineChart } from '../../src/plot/index.js';
import { EPOCH_CHARACTER, MARKER_CHARACTER, renderAscii } from '../../src/plot/index.js';

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

describe('renderAscii: axes that end at the data, steps, epochs', () => {
  it('draws a StepDecay with an epoch length and a marker exactly as the reviewed golden', () => {
    // test/fixtures/plot-step-decay.txt was checked by hand, cell by cell: 41 columns are one per call 0 … 40, so
    // each LR holds flat to the call where it halves (10, 20, 30, 40) and jumps there in that column; rows are
    // 0.1 / 8 apart (0.00625 rounds to the bottom row); epochs of 16 calls put ':' in columns 16 and 32
    const calls = Array.from({ length: 41 }, (_, k) => k);
    const text = renderAscii(
      {
        title: 'StepDecay',
        xLabel: 'scheduler calls',
        yLabel: 'lr',
        series: [{ name: 'lr', x: calls, y: calls.map((k) => 0.1 * 0.5 ** Math.floor(k / 10)), steps: true }],
        stepsPerEpoch: 16,
        markers: [{ x: 5, label: 'warmup ends (step 5)' }],
      },
      { columns: 41, rows: 9 },
    );
    const golden = readFileSync(new URL('../fixtures/plot-step-decay.txt', import.meta.url), 'utf8');
    expect(text).toBe(golden.trimEnd());
  });

  it('ends the x labels of a 0 … 1407 run at 1407 with round ticks between, each marked + on the axis', () => {
    const x = Array.from({ length: 1408 }, (_, i) => i);
    const text = renderAscii({
      ...lrChart,
      series: [{ name: 'lr', x, y: x.map((s) => 1 - s / 2000) }],
      markers: [],
    });
    const { lines, offset } = plotArea(text, 20);
    const border = lines.findIndex((line) => /^ *\+[-+]+$/.test(line));
    const labels = lines[border + 1]!.trim().split(/ +/).map(Number);
    // 72 columns ask for 6 ticks: by 500 (0 … 1500, 4 ticks) misses the count by 2/6 and overshoots by 93/1407,
    // better than by 200 (9 ticks: 3/6 + 193/1407); 1000 is 407 from the end, more than half a step
    expect(labels).toEqual([0, 500, 1000, 1407]);
    const marks = [...lines[border]!.slice(offset)].flatMap((c, i) => (c === '+' ? [i] : []));
    expect(marks).toEqual([500, 1000, 1407].map((v) => Math.round((v / 1407) * 71)));
  });

  it('puts the epoch columns at k × stepsPerEpoch and labels them "epoch 1", "2"', () => {
    const x = Array.from({ length: 1407 }, (_, i) => i);
    const text = renderAscii({
      ...lrChart,
      series: [{ name: 'lr', x, y: x.map(() => 0) }],
      stepsPerEpoch: 469,
      markers: [],
    });
    const { lines, rows, offset } = plotArea(text, 20);
    const columns = [469, 938].map((s) => Math.round((s / 1406) * 71));
    expect([...rows[0]!].flatMap((c, i) => (c === EPOCH_CHARACTER ? [i] : []))).toEqual(columns);
    const epochs = lines.find((line) => line.includes('epoch 1'))!;
    expect(epochs.indexOf('epoch 1') + 'epoch '.length).toBe(offset + columns[0]!);
    expect(epochs.trimEnd().endsWith('2')).toBe(true);
    expect(epochs.length - 1).toBe(offset + columns[1]!);
  });

  it('refuses a stepsPerEpoch that is not above 0', () => {
    expect(() => renderAscii({ ...lrChart, stepsPerEpoch: 0 })).toThrow(PlotError);
  });
});
