import { describe, expect, it } from 'vitest';
import { PlotError } from '../../src/errors.js';
import type { LineChart } from '../../src/plot/index.js';
import { renderSvg, svgToPng } from '../../src/plot/index.js';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Width and height from the IHDR chunk, which follows the signature. */
function ihdr(png: Buffer): { width: number; height: number } {
  expect(png.toString('latin1', 12, 16)).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

const chart: LineChart = {
  title: 'Learning rate',
  xLabel: 'step',
  yLabel: 'lr',
  series: [{ name: 'lr', x: [0, 10, 100], y: [0, 1e-3, 1e-4] }],
  markers: [{ x: 10, label: 'warmup ends (step 10)' }],
};

describe('svgToPng', () => {
  it('writes a PNG (signature, IHDR) at the requested width, keeping the aspect ratio', () => {
    const png = svgToPng(renderSvg(chart), { width: 1200 });
    expect([...png.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
    expect(ihdr(png)).toEqual({ width: 1200, height: 675 });
  });

  it('keeps the SVG size when no width is given', () => {
    expect(ihdr(svgToPng(renderSvg(chart, { width: 640, height: 360 })))).toEqual({
      width: 640,
      height: 360,
    });
  });

  it('draws text: the same chart with a different title gives a different picture', () => {
    // resvg silently skips text when it has no font; then both pictures would be identical
    const a = svgToPng(renderSvg({ ...chart, title: 'Alpha' }));
    const b = svgToPng(renderSvg({ ...chart, title: 'Omega' }));
    expect(a.equals(b)).toBe(false);
  });

  it('refuses a width that is not a positive integer', () => {
    expect(() => svgToPng(renderSvg(chart), { width: 0 })).toThrow(PlotError);
    expect(() => svgToPng(renderSvg(chart), { width: 12.5 })).toThrow(PlotError);
  });
});
