import { describe, expect, it } from 'vitest';
import { PlotError } from '../../src/errors.js';
import type { LineChart } from '../../src/plot/index.js';
import { renderSvg } from '../../src/plot/index.js';

/** Checks that every tag is closed in order; returns the names of the elements seen. */
function checkWellFormed(svg: string): string[] {
  const stack: string[] = [];
  const seen: string[] = [];
  for (const [, closing, name, body] of svg.matchAll(/<(\/?)([a-zA-Z][\w:-]*)([^>]*)>/g)) {
    if (closing === '/') {
      expect(stack.pop()).toBe(name);
    } else {
      seen.push(name!);
      if (!body!.endsWith('/')) stack.push(name!);
      for (const [, value] of body!.matchAll(/="([^"]*)"/g)) {
        expect(value).not.toMatch(/<|&(?!(amp|lt|gt|quot|apos);)/);
      }
    }
  }
  expect(stack).toEqual([]);
  // no stray markup characters in text: every < starts a tag, every & an entity
  expect(svg.replace(/<\/?[a-zA-Z][^>]*>/g, '')).not.toMatch(/[<>]|&(?!(amp|lt|gt|quot|apos);)/);
  return seen;
}

function texts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!);
}

/** The y coordinates of the series paths (those drawn with round joins). */
function seriesYs(svg: string): number[] {
  const ys: number[] = [];
  for (const [, d] of svg.matchAll(/<path d="([^"]*)"[^>]*stroke-linejoin="round"/g)) {
    for (const [, y] of d!.matchAll(/-?[\d.]+,(-?[\d.]+)/g)) ys.push(Number(y));
  }
  return ys;
}

function textY(svg: string, content: string): number {
  const escaped = content.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = svg.match(new RegExp(`<text[^>]*y="([\\d.]+)"[^>]*>${escaped}</text>`));
  expect(match, `a text "${content}"`).not.toBeNull();
  return Number(match![1]);
}

const steps = Array.from({ length: 1001 }, (_, i) => i);
const lrChart: LineChart = {
  title: 'Learning rate',
  xLabel: 'step',
  yLabel: 'learning rate',
  series: [
    {
      name: 'lr',
      x: steps,
      y: steps.map((s) => (s < 100 ? (1e-3 * s) / 100 : 1e-3 * (1 - (s - 100) / 900))),
    },
  ],
  markers: [{ x: 100, label: 'warmup ends (step 100)' }],
};

describe('renderSvg', () => {
  it('writes a well-formed, self-contained SVG of the default 800×450 size in DejaVu Sans', () => {
    const svg = renderSvg(lrChart);
    const elements = checkWellFormed(svg);
    expect(elements[0]).toBe('svg');
    expect(svg).toMatch(
      /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="800" height="450" viewBox="0 0 800 450"/,
    );
    expect(svg).toContain('font-family="DejaVu Sans, sans-serif"');
    expect(svg).not.toMatch(/href|@import|@font-face|url\(/);
    expect(svg).not.toMatch(/NaN|Infinity|undefined/);
  });

  it('shows the title, both axis labels, tick labels on both axes and the marker label', () => {
    const labels = texts(renderSvg(lrChart));
    for (const expected of ['Learning rate', 'step', 'learning rate', 'warmup ends (step 100)']) {
      expect(labels).toContain(expected);
    }
    for (const tick of ['0', '1e-3', '5e-4', '1000']) expect(labels).toContain(tick);
  });

  it('draws a marker as a dashed vertical line', () => {
    const svg = renderSvg(lrChart);
    const line = svg.match(
      /<line x1="([\d.]+)" y1="([\d.]+)" x2="([\d.]+)" y2="([\d.]+)"[^>]*stroke-dasharray/,
    );
    expect(line).not.toBeNull();
    expect(line![1]).toBe(line![3]);
    expect(Number(line![4])).toBeGreaterThan(Number(line![2]));
  });

  it('formats tick labels compactly, without floating-point noise', () => {
    const x = [0, 1, 2, 3];
    const labels = texts(
      renderSvg({
        title: 't',
        xLabel: 'x',
        yLabel: 'y',
        series: [{ name: 'a', x, y: [0, 0.1, 0.2, 0.30000000000000004] }],
      }),
    );
    const numeric = labels.filter((label) => /^-?\d/.test(label));
    expect(numeric.length).toBeGreaterThan(4);
    for (const label of numeric) expect(label).toMatch(/^-?\d+(\.\d{1,3})?(e-?\d+)?[kM]?$/);
    expect(labels).toContain('0.3');
  });

  it('escapes < and & in every text it writes', () => {
    const svg = renderSvg({
      title: 'loss <run & "a">',
      xLabel: 'x<1',
      yLabel: 'y&z',
      series: [
        { name: 'a<b', x: [0, 1], y: [1, 2], color: 'red"/><script>' },
        { name: 'c&d', x: [0, 1], y: [2, 1] },
      ],
      markers: [{ x: 0.5, label: '<m>' }],
    });
    checkWellFormed(svg);
    expect(svg).toContain('loss &lt;run &amp; &quot;a&quot;&gt;');
    for (const escaped of ['x&lt;1', 'y&amp;z', 'a&lt;b', 'c&amp;d', '&lt;m&gt;'])
      expect(svg).toContain(escaped);
    expect(svg).not.toContain('<script>');
  });

  it('shows a legend with every series name only when there are several series', () => {
    const two = texts(
      renderSvg({
        ...lrChart,
        series: [...lrChart.series, { name: 'moving average', x: [0, 1000], y: [0, 1e-3] }],
      }),
    );
    expect(two).toContain('lr');
    expect(two).toContain('moving average');
    expect(texts(renderSvg(lrChart))).not.toContain('lr');
  });

  it('keeps a single spike among 1e5 points: it sets the top of the drawn y range', () => {
    const n = 100_000;
    const x = Float64Array.from({ length: n }, (_, i) => i);
    const y = Float64Array.from({ length: n }, (_, i) => 1 + 0.5 * Math.sin(i / 50));
    y[61_803] = 100;
    const svg = renderSvg({
      title: 'loss',
      xLabel: 'step',
      yLabel: 'loss',
      series: [{ name: 'loss', x, y }],
    });
    const ys = seriesYs(svg);
    expect(Math.min(...ys)).toBeCloseTo(textY(svg, '100'), 0);
    expect(Math.max(...ys)).toBeGreaterThan(textY(svg, '20'));
    expect(ys.length).toBeLessThanOrEqual(4 * 800);
  });

  it('stays under 200 kB for a million noisy points', () => {
    const n = 1_000_000;
    let seed = 7;
    const x = Float64Array.from({ length: n }, (_, i) => i);
    const y = Float64Array.from({ length: n }, () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    });
    const svg = renderSvg({
      title: 'noise',
      xLabel: 'step',
      yLabel: 'loss',
      series: [{ name: 'noise', x, y }],
    });
    expect(svg.length).toBeLessThan(200_000);
    expect(seriesYs(svg).length).toBeGreaterThan(1000);
  });

  it('leaves a gap at non-finite values and draws a lone point as a dot', () => {
    const svg = renderSvg({
      title: 't',
      xLabel: 'x',
      yLabel: 'y',
      series: [
        { name: 'a', x: [0, 1, 2, 3, 4, 5, 6], y: [1, 2, Number.NaN, 3, 4, Number.POSITIVE_INFINITY, 5] },
      ],
    });
    const d = svg.match(/<path d="([^"]*)"[^>]*stroke-linejoin="round"/)![1]!;
    expect(d.match(/M/g)).toHaveLength(2);
    expect(svg.match(/<circle /g)).toHaveLength(1);
    expect(svg).not.toMatch(/NaN|Infinity/);
  });

  it('on a log scale draws only positive values and labels powers of ten', () => {
    const x = [0, 1, 2, 3, 4];
    const svg = renderSvg({
      title: 't',
      xLabel: 'x',
      yLabel: 'y',
      yScale: 'log',
      series: [{ name: 'a', x, y: [1e-5, 1e-3, 0, -2, 1] }],
    });
    checkWellFormed(svg);
    const labels = texts(svg);
    for (const tick of ['1e-5', '1e-3', '0.1', '1']) expect(labels).toContain(tick);
    expect(svg).not.toMatch(/NaN|Infinity/);
  });

  it('draws degenerate data without failing: one point, a constant, all NaN, one x value, no series', () => {
    const cases: LineChart['series'][] = [
      [{ name: 'a', x: [5], y: [0.3] }],
      [{ name: 'a', x: [0, 1, 2], y: [2, 2, 2] }],
      [{ name: 'a', x: [0, 1, 2], y: [Number.NaN, Number.NaN, Number.NaN] }],
      [{ name: 'a', x: [7, 7, 7], y: [1, 2, 3] }],
      [{ name: 'a', x: [0, 0], y: [0, 0] }],
      [],
    ];
    for (const series of cases) {
      for (const yScale of ['linear', 'log'] as const) {
        const svg = renderSvg(
          { title: 't', xLabel: 'x', yLabel: 'y', series, yScale },
          { width: 240, height: 160 },
        );
        checkWellFormed(svg);
        expect(svg).not.toMatch(/NaN|Infinity|undefined/);
      }
    }
    const empty = renderSvg({ title: 't', xLabel: 'x', yLabel: 'y', series: cases[2]! });
    expect(texts(empty)).toContain('no data');
  });

  it('places a marker label away from the curve: below a curve that runs along the top', () => {
    const svg = renderSvg(lrChart);
    const labelY = textY(svg, 'warmup ends (step 100)');
    expect(labelY).toBeGreaterThan(225);
  });

  it('honours a series colour and a requested size', () => {
    const svg = renderSvg(
      { ...lrChart, series: [{ ...lrChart.series[0]!, color: '#123456' }] },
      { width: 1000, height: 300 },
    );
    expect(svg).toContain('stroke="#123456"');
    expect(svg).toContain('width="1000" height="300"');
  });

  it('refuses series whose x and y differ in length, and sizes out of range', () => {
    const bad = { ...lrChart, series: [{ name: 'a', x: [0, 1, 2], y: [0, 1] }] };
    expect(() => renderSvg(bad)).toThrow(PlotError);
    expect(() => renderSvg(lrChart, { width: 100, height: 450 })).toThrow(PlotError);
    expect(() => renderSvg(lrChart, { width: 800.5, height: 450 })).toThrow(PlotError);
    try {
      renderSvg(bad);
    } catch (error) {
      expect((error as PlotError).code).toBe('ERR_PLOT_ARGUMENT');
      expect((error as PlotError).message).toMatch(/3 x values and 2 y values/);
    }
  });
});

/** The x tick labels (centred under the axis) with their x coordinates. */
function xTicks(svg: string): { label: string; x: number }[] {
  const group = svg.match(/<g font-size="11" fill="#333">(.*?)<\/g>/)![1]!;
  return [...group.matchAll(/<text x="([\d.]+)" y="[\d.]+" text-anchor="middle">([^<]*)<\/text>/g)].map(
    (m) => ({
      label: m[2]!,
      x: Number(m[1]),
    }),
  );
}

/** The points of the first series path, as [x, y] pairs in drawing order. */
function seriesPoints(svg: string): [number, number][] {
  const d = svg.match(/<path d="([^"]*)"[^>]*stroke-linejoin="round"/)![1]!;
  return [...d.matchAll(/(-?[\d.]+),(-?[\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
}

describe('renderSvg: axes that end at the data, steps, log LRs, epochs', () => {
  const run = Array.from({ length: 1408 }, (_, i) => i);
  const runChart: LineChart = {
    title: 'run',
    xLabel: 'global step',
    yLabel: 'lr',
    series: [{ name: 'lr', x: run, y: run.map((s) => 0.1 * (1 - s / 2000)) }],
  };

  it('ends the x axis of a 0 … 1407 run at 1407: its last tick label, none beyond, at the plot’s right edge', () => {
    const svg = renderSvg(runChart);
    const ticks = xTicks(svg);
    const values = ticks.map((t) => Number(t.label));
    expect(values[values.length - 1]).toBe(1407);
    expect(Math.max(...values)).toBe(1407);
    expect(values).not.toContain(1400);
    // the curve's last point is drawn under the 1407 label, its first under the 0 label
    const points = seriesPoints(svg);
    expect(points[points.length - 1]![0]).toBeCloseTo(ticks[ticks.length - 1]!.x, 0);
    expect(points[0]![0]).toBeCloseTo(ticks[0]!.x, 0);
  });

  it('does not stretch the x axis for a marker beyond the data, and leaves that marker out', () => {
    const svg = renderSvg({ ...runChart, markers: [{ x: 2000, label: 'warmup ends (step 2000)' }] });
    expect(Math.max(...xTicks(svg).map((t) => Number(t.label)))).toBe(1407);
    expect(texts(svg)).not.toContain('warmup ends (step 2000)');
  });

  it('draws a StepDecay as steps: every segment horizontal or vertical, a vertical jump at calls 10, 20, 30', () => {
    const calls = Array.from({ length: 41 }, (_, k) => k);
    // StepDecay(learning_rate 0.1, step_size 10, gamma 0.5) by hand: 0.1, 0.05, 0.025, 0.0125, then 0.00625 at 40
    const lrs = calls.map((k) => 0.1 * 0.5 ** Math.floor(k / 10));
    const svg = renderSvg({ ...runChart, series: [{ name: 'lr', x: calls, y: lrs, steps: true }] });
    const points = seriesPoints(svg);
    const jumps: number[] = [];
    for (let i = 1; i < points.length; i++) {
      const [x0, y0] = points[i - 1]!;
      const [x1, y1] = points[i]!;
      expect(x0 === x1 || y0 === y1, `segment ${i}: (${x0},${y0}) → (${x1},${y1})`).toBe(true);
      if (x0 === x1 && y0 !== y1) jumps.push(x1);
    }
    const tickX = new Map(xTicks(svg).map((t) => [t.label, t.x]));
    expect(jumps).toEqual(['10', '20', '30', '40'].map((label) => tickX.get(label)));
  });

  it('keeps the jumps vertical when 100,000 steps are thinned to a few points per pixel', () => {
    const steps = Float64Array.from({ length: 100_001 }, (_, k) => k);
    const lrs = Float64Array.from(steps, (k) => 0.1 * 0.1 ** Math.floor(k / 30_000));
    const svg = renderSvg({ ...runChart, series: [{ name: 'lr', x: steps, y: lrs, steps: true }] });
    const points = seriesPoints(svg);
    expect(points.length).toBeLessThan(100);
    let vertical = 0;
    for (let i = 1; i < points.length; i++) {
      const [x0, y0] = points[i - 1]!;
      const [x1, y1] = points[i]!;
      expect(x0 === x1 || y0 === y1).toBe(true);
      if (x0 === x1 && y0 !== y1) vertical += 1;
    }
    expect(vertical).toBe(3);
  });

  it('labels the decades of an LR from 0.007 down to 7e-5 on a log axis', () => {
    const lrs = run.map((s) => (s < 300 ? 0.007 : s < 400 ? 7e-4 : 7e-5));
    const labels = texts(renderSvg({ ...runChart, yScale: 'log', series: [{ name: 'lr', x: run, y: lrs }] }));
    for (const decade of ['1e-4', '1e-3', '0.01']) expect(labels).toContain(decade);
  });

  it('draws epoch lines at k × stepsPerEpoch, labelled "epoch 1", "2", and none past the end', () => {
    const x = run.slice(0, 1407); // steps 0 … 1406 of a 3-epoch run of 469 steps per epoch
    const svg = renderSvg({
      ...runChart,
      series: [{ name: 'lr', x, y: x.map(() => 0.1) }],
      stepsPerEpoch: 469,
    });
    const group = svg.match(/<g class="epochs">(.*?)<\/g><\/g>/)![1]!;
    const lines = [...group.matchAll(/M([\d.]+),[\d.]+V/g)].map((m) => Number(m[1]));
    const ticks = xTicks(svg);
    const [left, right] = [ticks[0]!.x, ticks[ticks.length - 1]!.x];
    expect(ticks[ticks.length - 1]!.label).toBe('1406');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBeCloseTo(left + (469 / 1406) * (right - left), 0);
    expect(lines[1]).toBeCloseTo(left + (938 / 1406) * (right - left), 0);
    expect([...group.matchAll(/>([^<]+)<\/text>/g)].map((m) => m[1])).toEqual(['epoch 1', '2']);
  });

  it('refuses a stepsPerEpoch that is not a finite number above 0', () => {
    for (const stepsPerEpoch of [0, -5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => renderSvg({ ...runChart, stepsPerEpoch })).toThrow(PlotError);
    }
  });
});
