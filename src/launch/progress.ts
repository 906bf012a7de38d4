import { terminalWidth } from './terminal-width.js';

/** What the progress line shows. */
export interface ProgressState {
  readonly step: number;
  readonly totalSteps: number;
  readonly epoch: number;
  readonly epochs: number;
  readonly lr: number;
  readonly loss: number;
  readonly samplesPerSec: number;
  /** seconds since training started */
  readonly elapsedSeconds: number;
}

/** `m:ss` or `h:mm:ss`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}

/** The fields of the line, in the order they are shown. */
const SHOWN = ['step', 'epoch', 'lr', 'loss', 'rate', 'eta'] as const;
type Field = (typeof SHOWN)[number];

/**
 * The fields from the most useful to the least, the order a narrow terminal keeps them in: where the run is, when
 * it ends, whether it learns, the schedule, then what the step already implies (the epoch) and throughput (also in
 * metrics.jsonl). The bar goes before any of them.
 */
const KEPT_FIRST: readonly Field[] = ['step', 'eta', 'loss', 'lr', 'epoch', 'rate'];
const SEPARATOR = ' | ';
/** A bar narrower than this says little; wider than the most, nothing more. */
const MIN_BAR = 10;
const MAX_BAR = 30;

function fieldTexts(state: ProgressState): Record<Field, string> {
  const fraction = progressFraction(state);
  const eta =
    state.step === 0 ? Number.NaN : (state.elapsedSeconds / state.step) * (state.totalSteps - state.step);
  return {
    step: `step ${state.step}/${state.totalSteps} (${Math.floor(fraction * 100)}%)`,
    epoch: `epoch ${Math.min(state.epoch + 1, Math.ceil(state.epochs))}/${Math.ceil(state.epochs)}`,
    lr: `lr ${Number(state.lr.toPrecision(4))}`,
    loss: `loss ${state.loss.toFixed(4)}`,
    rate: `${Math.round(state.samplesPerSec).toLocaleString('en-US')} samples/s`,
    eta: `ETA ${formatDuration(eta)}`,
  };
}

function progressFraction(state: ProgressState): number {
  return state.totalSteps === 0 ? 1 : Math.min(1, state.step / state.totalSteps);
}

/**
 * One progress line: bar (when `barWidth` > 0), step/total, epoch, LR, loss, samples/s and ETA.
 *
 * @example
 * formatProgress({ step: 120, totalSteps: 1407, epoch: 0, epochs: 3, lr: 0.012, loss: 0.45, samplesPerSec: 21000, elapsedSeconds: 6 }, 20);
 * // '[█▋                  ] step 120/1407 (9%) | epoch 1/3 | lr 0.012 | loss 0.4500 | 21,000 samples/s | ETA 1:04'
 */
export function formatProgress(state: ProgressState, barWidth: number): string {
  const texts = fieldTexts(state);
  const line = SHOWN.map((field) => texts[field]).join(SEPARATOR);
  return barWidth > 0 ? `${bar(progressFraction(state), barWidth)} ${line}` : line;
}

/**
 * The progress line for a terminal `columns` wide, in at most `columns` − 1 characters (a line that fills the
 * last column wraps on some terminals, and the in-place redraw then overwrites the wrong line). Whole fields are
 * dropped, least useful first (the bar, then samples/s, epoch, LR, loss, ETA), so no value is ever cut; the bar
 * (with `bar`) only fills room left over once every field fits. Empty when not even the step fits.
 *
 * @example
 * fitProgress({ step: 120, totalSteps: 1407, epoch: 0, epochs: 3, lr: 0.012, loss: 0.45, samplesPerSec: 21000, elapsedSeconds: 6 }, 40);
 * // 'step 120/1407 (8%) | ETA 1:04'
 */
export function fitProgress(state: ProgressState, columns: number, options: { bar?: boolean } = {}): string {
  const texts = fieldTexts(state);
  const limit = columns - 1;
  for (let kept = KEPT_FIRST.length; kept > 0; kept--) {
    const chosen = new Set(KEPT_FIRST.slice(0, kept));
    const line = SHOWN.filter((field) => chosen.has(field))
      .map((field) => texts[field])
      .join(SEPARATOR);
    if (line.length > limit) continue;
    // The bar takes its brackets and a space besides its cells.
    const room = Math.min(MAX_BAR, limit - line.length - 3);
    if (options.bar !== true || kept < KEPT_FIRST.length || room < MIN_BAR) return line;
    return `${bar(progressFraction(state), room)} ${line}`;
  }
  return '';
}

const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

function bar(fraction: number, width: number): string {
  const eighths = Math.round(fraction * width * 8);
  const full = Math.floor(eighths / 8);
  const partial = full < width ? (EIGHTHS[eighths % 8] ?? '') : '';
  return `[${'█'.repeat(full)}${partial}${' '.repeat(width - full - partial.length)}]`;
}

/**
 * Shows progress on a stream: on a terminal, one line redrawn in place (log lines are printed above it); elsewhere,
 * a plain line every `plainEverySeconds`, so CI logs stay readable.
 *
 * @example
 * const display = new ProgressDisplay(process.stderr); display.update(state); display.log('worker 1 | …');
 */
export class ProgressDisplay {
  private line = '';
  private lastPlain = Number.NEGATIVE_INFINITY;
  private lastDraw = 0;

  constructor(
    private readonly stream: { write(text: string): unknown; isTTY?: boolean; columns?: number },
    private readonly enabled: boolean,
    private readonly plainEverySeconds = 10,
  ) {}

  update(state: ProgressState): void {
    if (!this.enabled) return;
    const now = performance.now();
    const last = state.step === state.totalSteps;
    if (this.stream.isTTY === true) {
      if (now - this.lastDraw < 100 && !last) return;
      this.lastDraw = now;
      // Read at every draw: the terminal may have been resized since the last one.
      this.line = fitProgress(state, terminalWidth(this.stream, process.env), { bar: true });
      this.stream.write(`\r\x1b[K${this.line}`);
    } else if (now - this.lastPlain >= this.plainEverySeconds * 1000 || last) {
      this.lastPlain = now;
      this.stream.write(`${fitProgress(state, terminalWidth(this.stream, process.env))}\n`);
    }
  }

  /** Prints a log line without tearing the progress line. */
  log(text: string): void {
    if (this.stream.isTTY === true && this.line !== '') {
      this.stream.write(`\r\x1b[K${text}\n${this.line}`);
    } else {
      this.stream.write(`${text}\n`);
    }
  }

  /** Leaves the progress line in place and moves to a new line. */
  end(): void {
    if (this.stream.isTTY === true && this.line !== '') this.stream.write('\n');
    this.line = '';
  }
}
