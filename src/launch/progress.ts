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

/**
 * One progress line: bar (when `barWidth` > 0), step/total, epoch, LR, loss, samples/s and ETA.
 *
 * @example
 * formatProgress({ step: 120, totalSteps: 1407, epoch: 0, epochs: 3, lr: 0.012, loss: 0.45, samplesPerSec: 21000, elapsedSeconds: 6 }, 20);
 * // '[█▋                  ] step 120/1407 (9%) | epoch 1/3 | lr 0.012 | loss 0.4500 | 21,000 samples/s | ETA 1:04'
 */
export function formatProgress(state: ProgressState, barWidth: number): string {
  const fraction = state.totalSteps === 0 ? 1 : Math.min(1, state.step / state.totalSteps);
  const eta =
    state.step === 0 ? Number.NaN : (state.elapsedSeconds / state.step) * (state.totalSteps - state.step);
  const parts = [
    `step ${state.step}/${state.totalSteps} (${Math.floor(fraction * 100)}%)`,
    `epoch ${Math.min(state.epoch + 1, Math.ceil(state.epochs))}/${Math.ceil(state.epochs)}`,
    `lr ${Number(state.lr.toPrecision(4))}`,
    `loss ${state.loss.toFixed(4)}`,
    `${Math.round(state.samplesPerSec).toLocaleString('en-US')} samples/s`,
    `ETA ${formatDuration(eta)}`,
  ];
  return barWidth > 0 ? `${bar(fraction, barWidth)} ${parts.join(' | ')}` : parts.join(' | ');
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
      const width = this.stream.columns ?? 100;
      this.line = formatProgress(state, Math.max(0, Math.min(30, width - 100))).slice(0, width - 1);
      this.stream.write(`\r\x1b[K${this.line}`);
    } else if (now - this.lastPlain >= this.plainEverySeconds * 1000 || last) {
      this.lastPlain = now;
      this.stream.write(`${formatProgress(state, 0)}\n`);
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
