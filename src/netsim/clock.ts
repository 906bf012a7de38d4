/**
 * Where the relay reads the time and sets its timers, so tests can drive it. Times are in milliseconds from any
 * fixed origin.
 */
export interface RelayClock {
  /** The current time in milliseconds. */
  now(): number;
  /** Calls `callback` once, `delayMs` (≥ 0) from now or later; the returned function cancels it. */
  setTimer(callback: () => void, delayMs: number): () => void;
}

/**
 * The real clock: `performance.now()` and `setTimeout` (rounded up to whole milliseconds, so a timer never fires
 * before its release; if one does, the relay sets it again).
 *
 * @example
 * await startRelay({ ...options, clock: realClock });
 */
export const realClock: RelayClock = Object.freeze({
  now: () => performance.now(),
  setTimer: (callback: () => void, delayMs: number) => {
    const timer = setTimeout(callback, Math.max(0, Math.ceil(delayMs)));
    return () => clearTimeout(timer);
  },
});
