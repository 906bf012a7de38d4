import { describe, expect, it } from 'vitest';
import { type LogEntry, RateLimiter, rateLimitedLog } from '../../src/log/index.js';

/** A clock the test moves by hand. */
function clock(start = 0) {
  const c = { t: start, now: () => c.t };
  return c;
}

describe('RateLimiter', () => {
  it('writes the first event of a cause, counts the rest of its second, and reports the count when the second ends', () => {
    const c = clock();
    const limiter = new RateLimiter({ intervalMs: 1000, now: c.now });
    expect(limiter.offer('auth')).toBe(true);
    c.t = 10;
    expect(limiter.offer('auth')).toBe(false);
    c.t = 999;
    expect(limiter.offer('auth')).toBe(false);
    expect(limiter.expire()).toEqual([]);
    expect(limiter.nextDeadline()).toBe(1000);
    c.t = 1000;
    // the count line is the window's one line and opens the next window, to 2000
    expect(limiter.expire()).toEqual([{ cause: 'auth', count: 2 }]);
    expect(limiter.nextDeadline()).toBe(2000);
    c.t = 1500;
    expect(limiter.offer('auth')).toBe(false);
    c.t = 2000;
    expect(limiter.expire()).toEqual([{ cause: 'auth', count: 1 }]);
    c.t = 3000;
    // nothing counted in 2000..3000: the window closes and the next event is written at once
    expect(limiter.expire()).toEqual([]);
    expect(limiter.nextDeadline()).toBeNull();
    c.t = 3001;
    expect(limiter.offer('auth')).toBe(true);
  });

  it('keeps one window per cause', () => {
    const c = clock();
    const limiter = new RateLimiter({ intervalMs: 1000, now: c.now });
    expect(limiter.offer('auth')).toBe(true);
    c.t = 400;
    expect(limiter.offer('token')).toBe(true);
    expect(limiter.offer('token')).toBe(false);
    expect(limiter.offer('auth')).toBe(false);
    expect(limiter.nextDeadline()).toBe(1000);
    c.t = 1000;
    expect(limiter.expire()).toEqual([{ cause: 'auth', count: 1 }]);
    c.t = 1400;
    expect(limiter.expire()).toEqual([{ cause: 'token', count: 1 }]);
  });

  it('writes at most one line per cause per interval for 10,000 events over 5 s, and counts every event', () => {
    const c = clock();
    const limiter = new RateLimiter({ intervalMs: 1000, now: c.now });
    let lines = 0;
    let counted = 0;
    for (let i = 0; i < 10_000; i++) {
      c.t = i / 2; // 0 .. 4999.5 ms
      for (const s of limiter.expire()) {
        lines += 1;
        counted += s.count;
      }
      if (limiter.offer('flood')) {
        lines += 1;
        counted += 1;
      }
    }
    c.t = 6000;
    for (const s of limiter.expire()) {
      lines += 1;
      counted += s.count;
    }
    // first line at 0, count lines at 1000, 2000, 3000, 4000, 5000
    expect(lines).toBe(6);
    expect(counted).toBe(10_000);
  });

  it('drain() returns what is still counted and closes every window', () => {
    const c = clock();
    const limiter = new RateLimiter({ intervalMs: 1000, now: c.now });
    limiter.offer('a');
    limiter.offer('a');
    limiter.offer('b');
    expect(limiter.drain()).toEqual([{ cause: 'a', count: 1 }]);
    expect(limiter.nextDeadline()).toBeNull();
    expect(limiter.offer('a')).toBe(true);
  });

  it('refuses an interval that is not positive', () => {
    expect(() => new RateLimiter({ intervalMs: 0 })).toThrow(RangeError);
  });
});

describe('rateLimitedLog', () => {
  it('writes the first entry at once and the count of the others with the last entry when the second ends', async () => {
    const entries: LogEntry[] = [];
    const log = rateLimitedLog((e) => entries.push(e), { intervalMs: 50 });
    for (let i = 0; i < 100; i++) log.write('auth', { level: 'warn', msg: 'refused', i });
    expect(entries).toEqual([{ level: 'warn', msg: 'refused', i: 0 }]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(entries).toEqual([
      { level: 'warn', msg: 'refused', i: 0 },
      { level: 'warn', msg: 'refused', i: 99, count: 99 },
    ]);
  });

  it('close() writes what is still counted', () => {
    const entries: LogEntry[] = [];
    const log = rateLimitedLog((e) => entries.push(e), { intervalMs: 60_000 });
    log.write('a', { level: 'warn', msg: 'x' });
    log.write('a', { level: 'warn', msg: 'x' });
    log.write('a', { level: 'warn', msg: 'x' });
    log.close();
    expect(entries).toEqual([
      { level: 'warn', msg: 'x' },
      { level: 'warn', msg: 'x', count: 2 },
    ]);
  });
});
