/**
 * The worker's liveness thread, run from dist/ (as a worker process runs it) against a loopback server playing
 * the coordinator. What is expected comes from the rules, not the code: heartbeats stamped while the main thread
 * was blocked can only have come from another thread; without a liveness connection the main thread beats.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { LogEntry } from '../../src/log/index.js';
import { type Message, PROTOCOL_VERSION } from '../../src/protocol/index.js';
import { type Connection, connect } from '../../src/transport/index.js';
import { Liveness } from '../../src/worker/liveness.js';
import { type Served, serve } from '../transport/pair.js';

const ENTRY = new URL('../../dist/worker/liveness-thread.js', import.meta.url);
const TIMING = { intervalMs: 100, timeoutMs: 3_000 };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function busy(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // the main thread computes
  }
}

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** A server, the worker's main connection to it (`far`) and the server's side of it (`near`). */
async function coordinatorAndMain(): Promise<{ served: Served; near: Connection; far: Connection }> {
  const served = await serve();
  cleanup.push(() => served.close());
  const far = await connect(`ws://127.0.0.1:${served.port}`);
  const near = await served.nextConnection();
  return { served, near, far };
}

function collect(connection: Connection): Message[] {
  const seen: Message[] = [];
  connection.on('message', (m) => seen.push(m));
  return seen;
}

/** The warnings that say the main thread beats again (the thread's connection logs its own lines beside them). */
function fallbackWarnings(logs: readonly LogEntry[]): LogEntry[] {
  return logs.filter(
    (l) =>
      l.level === 'warn' && l.msg.startsWith('no liveness connection: heartbeats go from the main thread'),
  );
}

/**
 * Whether `seen` stops growing for 500 ms (10 intervals) within 10 s: the main thread no longer beats. A busy
 * machine may delay the thread's report, so the quiet window is looked for, not assumed at a fixed time.
 */
async function quiet(seen: readonly Message[]): Promise<boolean> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const count = seen.length;
    await sleep(500);
    if (seen.length === count) return true;
  }
  return false;
}

/** The next connection to `served`, once its liveness message arrived and the server answered with a heartbeat. */
async function attached(served: Served): Promise<Connection> {
  const link = await served.nextConnection();
  // As the coordinator does, speak only once the thread has spoken: it listens by then.
  await new Promise((resolve) => link.once('message', resolve));
  await link.send({ type: 'heartbeat', sentAt: 0 });
  return link;
}

function started(options: Partial<ConstructorParameters<typeof Liveness>[0]> & { connection: Connection }) {
  const logs: LogEntry[] = [];
  const liveness = new Liveness({
    url: 'ws://127.0.0.1:1',
    token: 'secret',
    rank: 3,
    timing: TIMING,
    log: (entry) => logs.push(entry),
    entry: ENTRY,
    ...options,
  });
  liveness.start();
  cleanup.push(() => liveness.stop());
  return { liveness, logs };
}

describe('Liveness (the worker’s liveness thread)', () => {
  it('introduces itself, then beats from its own thread while the main thread is blocked, and closes normally on stop', async () => {
    const { served, near, far } = await coordinatorAndMain();
    const onMain = collect(near);
    const { liveness } = started({ url: `ws://127.0.0.1:${served.port}`, connection: far });
    const link = await served.nextConnection();
    const heard = collect(link);
    for (let i = 0; i < 200 && heard.length === 0; i++) await sleep(25);
    expect(heard[0]).toEqual({
      type: 'liveness',
      protocol: PROTOCOL_VERSION,
      token: 'secret',
      rank: 3,
      pid: process.pid,
    });
    // The coordinator answers there: the link is attached, and the main thread stops beating.
    await link.send({ type: 'heartbeat', sentAt: 0 });
    expect(await quiet(onMain)).toBe(true);
    const blockedFrom = Date.now();
    busy(1_500);
    const blockedTo = Date.now();
    await sleep(300);
    const stamped = heard.flatMap((m) => (m.type === 'heartbeat' ? [m.sentAt] : []));
    const duringBlock = stamped.filter((t) => t > blockedFrom && t < blockedTo);
    // 100 ms apart over 1.5 s: at least a few, whatever the load.
    expect(duringBlock.length).toBeGreaterThanOrEqual(3);
    const closed = new Promise<number>((resolve) => link.once('close', (c) => resolve(c.code)));
    await liveness.stop();
    expect(await closed).toBe(1000);
  });

  it('beats from the main thread, with a warning, when the thread cannot connect', async () => {
    const { near, far } = await coordinatorAndMain();
    const onMain = collect(near);
    const { logs } = started({ url: 'ws://127.0.0.1:1', connection: far });
    for (let i = 0; i < 200 && onMain.length < 3; i++) await sleep(25);
    expect(onMain.slice(0, 3).map((m) => m.type)).toEqual(['heartbeat', 'heartbeat', 'heartbeat']);
    for (let i = 0; i < 200 && fallbackWarnings(logs).length === 0; i++) await sleep(25);
    await sleep(300);
    expect(fallbackWarnings(logs)).toHaveLength(1);
  });

  it('goes back to the main thread’s heartbeats, with one warning, when the coordinator closes the link', async () => {
    const { served, near, far } = await coordinatorAndMain();
    const onMain = collect(near);
    const { logs } = started({ url: `ws://127.0.0.1:${served.port}`, connection: far });
    const link = await attached(served);
    expect(await quiet(onMain)).toBe(true);
    expect(fallbackWarnings(logs)).toEqual([]);
    await link.close(1008, 'liveness for rank 3: no member holds that rank');
    const before = onMain.length;
    for (let i = 0; i < 200 && onMain.length < before + 3; i++) await sleep(25);
    expect(onMain.slice(before, before + 3).map((m) => m.type)).toEqual([
      'heartbeat',
      'heartbeat',
      'heartbeat',
    ]);
    const warnings = fallbackWarnings(logs);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.reason).toMatch(/1008.*no member holds that rank/);
  });

  it('closes the main connection when the coordinator is silent on the link', async () => {
    const { served, far } = await coordinatorAndMain();
    const { logs } = started({
      url: `ws://127.0.0.1:${served.port}`,
      connection: far,
      timing: { intervalMs: 100, timeoutMs: 1_000 },
    });
    await attached(served);
    const closed = new Promise<string>((resolve) => far.once('close', (c) => resolve(c.reason)));
    // The server side never answers again.
    expect(await closed).toBe('coordinator silent');
    expect(logs.some((l) => l.msg === 'coordinator silent')).toBe(true);
    expect(fallbackWarnings(logs)).toEqual([]);
  });
});
