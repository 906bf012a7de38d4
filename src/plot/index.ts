/**
 * Line charts for dptrain: learning-rate curves and training-run pictures as SVG, PNG or terminal text.
 *
 * @example
 * import { renderSvg, svgToPng } from './plot/index.js';
 * writeFileSync('lr.png', svgToPng(renderSvg({ title: 'LR', xLabel: 'step', yLabel: 'lr', series: [{ name: 'lr', x, y }] })));
 */
export { EPOCH_CHARACTER, MARKER_CHARACTER, renderAscii, SERIES_CHARACTERS } from './ascii.js';
export { autoYScale, LOG_AXIS_RATIO, type YScaleChoice } from './auto-scale.js';
export type { CharacterSize, LineChart, Marker, PixelSize, Series } from './chart.js';
export { DEFAULT_CHARACTER_SIZE, DEFAULT_PIXEL_SIZE } from './chart.js';
export { formatTick } from './format.js';
export { type PngOptions, svgToPng } from './png.js';
export { renderSvg, SERIES_PALETTE } from './svg.js';
export { boundedTicks, logTicks, niceTicks } from './ticks.js';
