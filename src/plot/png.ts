import { Resvg } from '@resvg/resvg-js';
import { checkInteger } from './check.js';

const MAX_PNG_WIDTH = 16_384;

/** PNG rendering options. */
export interface PngOptions {
  /** width of the PNG in pixels (the height follows the SVG's aspect ratio); default the SVG's own width */
  readonly width?: number;
}

/**
 * Rasterises an SVG (such as `renderSvg`'s) to PNG bytes with resvg, drawing text with the system's DejaVu Sans
 * (resvg draws no text without a loaded font). Throws `PlotError` for a width that is not an integer in
 * [1, 16384]; resvg's own error for an SVG it cannot parse.
 *
 * @example
 * writeFileSync('lr.png', svgToPng(renderSvg(chart), { width: 1600 }));
 */
export function svgToPng(svg: string, options: PngOptions = {}): Buffer {
  if (options.width !== undefined) checkInteger('options.width', options.width, 1, MAX_PNG_WIDTH);
  const resvg = new Resvg(svg, {
    fitTo: options.width === undefined ? { mode: 'original' } : { mode: 'width', value: options.width },
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  });
  return resvg.render().asPng();
}
