import { afterEach, describe, expect, it } from 'vitest';
import { Heartbeat } from '../../src/transport/index.js';
import { openPair, type Pair } from './pair.js';

const pairs: Pair[] = [];
afterEach(async () => {
  await Promise.all(pairs.splice(0).map((p) => p.close()));
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Blocks this thread's event loop for `ms`, as a synchronous gradient computation does. */
function busy(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // spin
  }
}

// Generous against a busy machine: a test process descheduled for a while must not look like a silent peer.
const TIMING = { intervalMs: 50, timeoutMs: 1_000 };

describe('Heartbeat', () => {
  it('calls onLost once, with a silence above the timeout, when the peer sends nothing', async () => {
    const pair = await openPair();
    pairs.push(pair);
    const lost: number[] = [];
    const beat = new Heartbeat(pair.near, TIMING, (silent) => lost.push(silent));
    beat.start();
    await sleep(2_500);
    beat.stop();
    expect(lost).toHaveLength(1);
    expect(lost[0]).toBeGreaterThan(TIMING.timeoutMs);
  });

  it('counts a message on an attached connection as a sign of life, and not after it is detached', async () => {
    const main = await openPair();
    const second = await openPair();
    pairs.push(main, second);
    const lost: number[] = [];
    const beat = new Heartbeat(main.near, TIMING, (silent) => lost.push(silent));
    beat.start();
    const detach = beat.attach(second.near);
    // Only the second connection speaks, every 50 ms, for 3 timeouts.
    for (let i = 0; i < 60; i++) {
      await second.far.send({ type: 'heartbeat', sentAt: i });
      await sleep(50);
    }
    expect(lost).toEqual([]);
    detach();
    for (let i = 0; i < 100 && lost.length === 0; i++) {
      await second.far.send({ type: 'heartbeat', sentAt: i });
      await sleep(50);
    }
    beat.stop();
    expect(lost).toHaveLength(1);
  });

  it('sends its heartbeats on the attached connection too', async () => {
    const main = await openPair();
    const second = await openPair();
    pairs.push(main, second);
    const heard: string[] = [];
    second.far.on('message', (m) => heard.push(m.type));
    const beat = new Heartbeat(main.near, { intervalMs: 20, timeoutMs: 10_000 }, () => {});
    beat.start();
    beat.attach(second.near);
    await sleep(200);
    beat.stop();
    expect(heard.length).toBeGreaterThan(2);
    expect(new Set(heard)).toEqual(new Set(['heartbeat']));
  });

  it('does not call a peer lost whose message arrived while this side’s own event loop was blocked past the timeout', async () => {
    const pair = await openPair();
    pairs.push(pair);
    const lost: number[] = [];
    const beat = new Heartbeat(pair.near, TIMING, (silent) => lost.push(silent));
    beat.start();
    await sleep(100);
    // The peer speaks (its bytes reach the socket at once), then this loop is busy for more than the timeout.
    void pair.far.send({ type: 'heartbeat', sentAt: 1 });
    busy(2 * TIMING.timeoutMs);
    await sleep(100);
    beat.stop();
    expect(lost).toEqual([]);
  });

  it('still calls the peer lost after a blocked loop when nothing arrived meanwhile', async () => {
    const pair = await openPair();
    pairs.push(pair);
    const lost: number[] = [];
    const beat = new Heartbeat(pair.near, TIMING, (silent) => lost.push(silent));
    beat.start();
    await sleep(100);
    busy(2 * TIMING.timeoutMs);
    await sleep(100);
    beat.stop();
    expect(lost).toHaveLength(1);
  });
});
