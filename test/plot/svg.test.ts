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
