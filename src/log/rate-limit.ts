/**
 * Rate-limited log lines for events a stranger can cause in bulk (refused connections): the first event of a
 * cause is written at once and opens a window of `intervalMs`; events of that cause inside the window are only
 * counted, and when the window ends with a count the count is written as one line (`count=N`) that opens the
 * next window. So a cause writes at most one line per interval however many events it has, and no event goes
 * unreported.
 */
import type { Log, LogEntry } from './log.js';

/** Default window of a cause: one line per second at most. */
export const DEFAULT_RATE_LIMIT_MS = 1_000;

/** Events of one cause counted while its window was open, written when it closed. */
export interface Suppressed {
  readonly cause: string;
  readonly count: number;
}

interface Window {
  /** when the window ends, in the clock's ms */
  end: number;
  count: number;
}

/**
 * The pure part: which events of which cause to write, on an injected clock. `offer` says whether to write an
 * event now; `expire` returns the counts of the windows that ended (each with a count opens a new window, so
 * its line counts as that window's one line).
 *
 * @example
 * const limiter = new RateLimiter({ intervalMs: 1000, now: () => t });
 * limiter.offer('auth'); // true (t = 0: written)
 * limiter.offer('auth'); // false (t = 10: counted)
 * limiter.expire();      // [{ cause: 'auth', count: 1 }] (t = 1000), and a window to t = 2000 opens
 * limiter.expire();      // [] (t = 2000: nothing counted, the window closes)
 */
export class RateLimiter {
  private readonly intervalMs: number;
  private readonly now: () => number;
  private readonly windows = new Map<string, Window>();

  constructor(options: { intervalMs?: number; now?: () => number } = {}) {
    this.intervalMs = options.intervalMs ?? DEFAULT_RATE_LIMIT_MS;
    if (!(Number.isFinite(this.intervalMs) && this.intervalMs > 0)) {
      throw new RangeError(`intervalMs must be a positive number, received ${String(options.intervalMs)}`);
    }
    this.now = options.now ?? (() => performance.now());
  }

  /** Takes one event of `cause`: true to write it now, false when it was counted instead. */
  offer(cause: string): boolean {
    this.expire();
    const window = this.windows.get(cause);
    if (window !== undefined) {
      window.count += 1;
      return false;
    }
    this.windows.set(cause, { end: this.now() + this.intervalMs, count: 0 });
    return true;
  }

  /** The counts of the windows that ended by now, in the order the causes first came. */
  expire(): Suppressed[] {
    const now = this.now();
    const due: Suppressed[] = [];
    for (const [cause, window] of this.windows) {
      if (window.end > now) continue;
      if (window.count === 0) {
        this.windows.delete(cause);
      } else {
        due.push({ cause, count: window.count });
        window.end = now + this.intervalMs;
        window.count = 0;
      }
    }
    return due;
  }

  /** Closes every window: the counts of those that have one (written early, as at shutdown). */
  drain(): Suppressed[] {
    const counted = [...this.windows].flatMap(([cause, w]) =>
      w.count > 0 ? [{ cause, count: w.count }] : [],
    );
    this.windows.clear();
    return counted;
  }

  /** When the next window ends (clock ms), or null when none is open. */
  nextDeadline(): number | null {
    let next: number | null = null;
    for (const window of this.windows.values()) if (next === null || window.end < next) next = window.end;
    return next;
  }
}

/** A Log for bulk events: `write(cause, entry)` writes or counts; `close()` writes what is still counted. */
export interface RateLimitedLog {
  write(cause: string, entry: LogEntry): void;
  /** Writes the counts still open and stops the timer. */
  close(): void;
}

/**
 * Wraps `log` with a RateLimiter and a timer that writes each window's count when it ends (the timer is unref'd:
 * it never keeps the process alive). A count line is the last counted entry of the cause with `count` added.
 *
 * @example
 * const refusals = rateLimitedLog(log); refusals.write('auth_timeout', { level: 'warn', msg: 'refused a connection' });
 */
export function rateLimitedLog(
  log: Log,
  options: { intervalMs?: number; now?: () => number } = {},
): RateLimitedLog {
  const now = options.now ?? (() => performance.now());
  const limiter = new RateLimiter({ ...options, now });
  const last = new Map<string, LogEntry>();
  let timer: NodeJS.Timeout | undefined;
  const flush = (due: readonly Suppressed[]) => {
    for (const { cause, count } of due) {
      const entry = last.get(cause);
      if (entry !== undefined) log({ ...entry, count });
    }
  };
  const schedule = () => {
    clearTimeout(timer);
    timer = undefined;
    const deadline = limiter.nextDeadline();
    if (deadline === null) return;
    timer = setTimeout(
      () => {
        flush(limiter.expire());
        schedule();
      },
      Math.max(0, deadline - now()),
    );
    timer.unref();
  };
  return {
    write(cause, entry) {
      const written = limiter.offer(cause);
      last.set(cause, entry);
      if (written) log(entry);
      if (timer === undefined) schedule();
    },
    close() {
      clearTimeout(timer);
      timer = undefined;
      // Windows still open hold counts that no timer will write now: write them as they are.
      flush(limiter.drain());
    },
  };
}
