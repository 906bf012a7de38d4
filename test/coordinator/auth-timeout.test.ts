/**
 * Connections that never join: each is closed auth_timeout after it was accepted (1008 over WebSocket, cut before
 * the upgrade over raw TCP), a run beside them is unaffected, and the log counts them instead of listing them.
 */
import { type Socket, connect as tcpConnect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createLogger, transportLog } from '../../src/log/index.js';
import { honestRounds, Script, scriptedCoordinator } from '../support/scripted.js';

const opened: Script[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.connection.close()));
});

/** A text logger whose lines the test reads. */
function capturedLog() {
  const lines: string[] = [];
  const log = transportLog(
    createLogger({ format: 'text', source: 'coordinator', write: (l) => lines.push(l) }),
  );
  return { lines, log };
}

/** A WebSocket that opens and never sends a byte; resolves with its close code. */
function idleWebSocket(port: number): Promise<number> {
  const socket = new WebSocket(`ws://127.0.0.1:${port}`);
  return new Promise((resolve) => {
    socket.once('close', (code) => resolve(code));
    socket.once('error', () => {});
  });
}

/** A TCP connection that never sends its HTTP request; resolves once the coordinator closed it. */
function idleTcp(port: number, sockets: Socket[]): Promise<'closed'> {
  const socket = tcpConnect(port, '127.0.0.1');
  sockets.push(socket);
  return new Promise((resolve) => {
    socket.once('close', () => resolve('closed'));
    socket.once('error', () => {});
  });
}

const REFUSAL = /refused a connection|did not complete the WebSocket upgrade|connection closed|socket error/;

describe('auth_timeout: connections that never send a valid join', () => {
  it('closes 100 idle WebSockets with 1008 and 100 silent TCP sockets after auth_timeout while a run beside them finishes, in a few log lines with count=', async () => {
    const { lines, log } = capturedLog();
    const coordinator = scriptedCoordinator({ totalSteps: 4, log, timeouts: { authMs: 1_000 } });
    const port = await coordinator.listen();
    const result = coordinator.run();
    const tcp: Socket[] = [];
    const started = performance.now();
    const idle = [
      ...Array.from({ length: 100 }, () => idleWebSocket(port)),
      ...Array.from({ length: 100 }, () => idleTcp(port, tcp)),
    ];
    const closedAt: number[] = [];
    for (const p of idle) void p.then(() => closedAt.push(performance.now() - started));
    // The run's workers join beside them, and train.
    const workers = [await Script.open(port), await Script.open(port)];
    opened.push(...workers);
    for (const [rank, w] of workers.entries()) await w.join(rank);
    await Promise.all(workers.map((w) => w.next('assign')));
    await workers[0]!.connection.send({
      type: 'params',
      rank: 0,
      datasetSize: 40,
      layout: { sizes: [6] },
      params: new Float32Array(6).fill(1),
    });
    await Promise.all(workers.map((w) => w.next('welcome')));
    // The run is live (joined, welcomed) while the strangers time out around it; it then trains to the end.
    const outcomes = await Promise.all(idle);
    expect(outcomes.slice(0, 100)).toEqual(new Array(100).fill(1008));
    expect(outcomes.slice(100)).toEqual(new Array(100).fill('closed'));
    const last = Math.max(...closedAt);
    // Not before auth_timeout, and well within a generous bound after it.
    expect(Math.min(...closedAt)).toBeGreaterThanOrEqual(950);
    expect(last).toBeLessThan(10_000);
    await honestRounds(workers, 4, [0.5, -1]);
    const outcome = await result;
    expect(outcome).toMatchObject({ outcome: 'finished', completedSteps: 4 });
    const refusals = lines.filter((l) => REFUSAL.test(l));
    expect(refusals.length).toBeLessThanOrEqual(12);
    expect(refusals.some((l) => / count=\d+/.test(l))).toBe(true);
    expect(lines.some((l) => l.includes('refused a connection that sent no valid join in time'))).toBe(true);
    expect(lines.some((l) => l.includes('did not complete the WebSocket upgrade'))).toBe(true);
    console.log(
      `200 idle connections closed ${Math.round(Math.min(...closedAt))}-${Math.round(last)} ms after opening (auth_timeout 1 s); ${refusals.length} refusal log lines of ${lines.length}`,
    );
    for (const s of tcp) s.destroy();
  }, 30_000);

  it('leaves a connection that joins within auth_timeout alone, and names the rule in the close reason of one that does not', async () => {
    const { log } = capturedLog();
    const coordinator = scriptedCoordinator({ workers: 1, log, timeouts: { authMs: 1_000 } });
    const port = await coordinator.listen();
    const result = coordinator.run();
    result.catch(() => {});
    const late = await Script.open(port);
    const silent = new WebSocket(`ws://127.0.0.1:${port}`);
    const reason = new Promise<string>((resolve) => silent.once('close', (_c, r) => resolve(r.toString())));
    opened.push(late);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await late.join(0);
    expect((await late.next('assign')).rank).toBe(0);
    expect(await reason).toBe('no valid join within auth_timeout 1 s');
    // Well past the timeout, the joined connection is still open.
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(late.closeCode).toBeUndefined();
    coordinator.requestStop('test over');
    await result.catch(() => {});
  });

  it('refuses 50 wrong tokens with 1008 in at most a few log lines, the count on the last', async () => {
    const { lines, log } = capturedLog();
    const coordinator = scriptedCoordinator({ log });
    const port = await coordinator.listen();
    const result = coordinator.run();
    result.catch(() => {});
    const strangers = await Promise.all(Array.from({ length: 50 }, () => Script.open(port)));
    await Promise.all(strangers.map((s) => s.join(null, 'wrong')));
    expect(await Promise.all(strangers.map((s) => s.closed()))).toEqual(new Array(50).fill(1008));
    coordinator.requestStop('test over');
    await result.catch(() => {});
    const refused = lines.filter((l) => l.includes('refused a worker with a wrong token'));
    expect(refused.length).toBeGreaterThanOrEqual(1);
    expect(refused.length).toBeLessThanOrEqual(3);
    const counted = refused.map((l) => Number(/ count=(\d+)/.exec(l)?.[1] ?? 1));
    expect(counted.reduce((a, b) => a + b, 0)).toBe(50);
  });
});
