/**
 * Liveness connections: a worker process's second connection, for heartbeats only. The expectations are written
 * by hand from the rules (attach to the member holding the rank when it is the same process and has no other;
 * refuse the rest with 1008 and a rate-limited log line), not taken from the code.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type Member, ProcessGroup } from '../../src/coordinator/index.js';
import { livenessRefusal } from '../../src/coordinator/liveness-route.js';
import { TrainingError } from '../../src/errors.js';
import { createLogger, type LogEntry, transportLog } from '../../src/log/index.js';
import { type MessageOf, PROTOCOL_VERSION } from '../../src/protocol/index.js';
import type { Connection } from '../../src/transport/index.js';
import { assigned, round, Script, scriptedCoordinator, TOKEN } from '../support/scripted.js';
import { openPair, type Pair } from '../transport/pair.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function hello(rank: number, pid: number, token = TOKEN): MessageOf<'liveness'> {
  return { type: 'liveness', protocol: PROTOCOL_VERSION, token, rank, pid };
}

describe('livenessRefusal', () => {
  it('attaches the member’s own process when it has no liveness connection', () => {
    expect(livenessRefusal(hello(1, 42), { pid: 42 }, null)).toBeNull();
  });

  it('refuses a rank no member holds', () => {
    expect(livenessRefusal(hello(5, 42), undefined, null)).toEqual({
      cause: 'liveness_rank',
      message: 'liveness for rank 5: no member holds that rank',
    });
  });

  it('refuses a process other than the member’s', () => {
    expect(livenessRefusal(hello(1, 43), { pid: 42 }, null)).toEqual({
      cause: 'liveness_pid',
      message: 'liveness for rank 1 from pid 43: the member holding it is pid 42',
    });
  });

  it('refuses a second liveness connection from the same process', () => {
    expect(livenessRefusal(hello(1, 42), { pid: 42 }, 42)).toEqual({
      cause: 'liveness_duplicate',
      message: 'liveness for rank 1: pid 42 already has a liveness connection',
    });
  });

  it('lets the member’s process in when the open one belongs to the rank’s previous process', () => {
    expect(livenessRefusal(hello(1, 42), { pid: 42 }, 17)).toBeNull();
  });
});

const pairs: Pair[] = [];
const groups: ProcessGroup[] = [];
afterEach(async () => {
  await Promise.all(groups.splice(0).map((g) => g.close()));
  await Promise.all(pairs.splice(0).map((p) => p.close()));
});

async function pair(): Promise<Pair> {
  const p = await openPair();
  pairs.push(p);
  return p;
}

function closeCode(connection: Connection): Promise<number> {
  return new Promise((resolve) => connection.once('close', (close) => resolve(close.code)));
}

/** Sends a heartbeat on `connection` every `everyMs` until the returned function is called. */
function beating(connection: Connection, everyMs = 100): () => void {
  const timer = setInterval(
    () => void connection.send({ type: 'heartbeat', sentAt: Date.now() }).catch(() => {}),
    everyMs,
  );
  return () => clearInterval(timer);
}

// Generous: a loaded machine must not make a member that beats every 100 ms look silent.
const TIMING = { intervalMs: 100, timeoutMs: 1_500 };

/** A group of `pids.length` members (rank r has pid pids[r]) over loopback pairs. */
async function group(pids: readonly number[], log: (entry: LogEntry) => void = () => {}) {
  const mains = await Promise.all(pids.map(() => pair()));
  const members: Member[] = pids.map((pid, rank) => ({
    rank,
    pid,
    host: 'test',
    backend: 'none',
    lanes: null,
    connection: mains[rank]!.near,
  }));
  const created = new ProcessGroup(members, { heartbeat: TIMING, log });
  groups.push(created);
  return { group: created, members, mains };
}

describe('ProcessGroup.attachLiveness', () => {
  it('counts heartbeats on the liveness connection as the member’s, and names it lost once both are silent', async () => {
    const { group: g } = await group([42]);
    const liveness = await pair();
    expect(g.attachLiveness(hello(0, 42), liveness.near)).toBeNull();
    const stop = beating(liveness.far);
    // The main connection says nothing for more than twice the timeout.
    await sleep(2 * TIMING.timeoutMs + 500);
    expect(g.failure).toBeUndefined();
    stop();
    for (let i = 0; i < 100 && g.failure === undefined; i++) await sleep(50);
    expect(g.failure).toMatchObject({ code: 'ERR_TRAINING_WORKER_LOST', rank: 0 });
    expect(g.failure!.message).toMatch(
      /^worker rank 0 \(pid 42 on test, 0 steps completed\) silent for \d+ ms/,
    );
  });

  it('sends the coordinator’s heartbeats on the liveness connection too', async () => {
    const { group: g, mains } = await group([42]);
    const stop = beating(mains[0]!.far);
    const liveness = await pair();
    const heard: string[] = [];
    liveness.far.on('message', (m) => heard.push(m.type));
    expect(g.attachLiveness(hello(0, 42), liveness.near)).toBeNull();
    for (let i = 0; i < 100 && heard.length < 2; i++) await sleep(50);
    stop();
    expect(heard.slice(0, 2)).toEqual(['heartbeat', 'heartbeat']);
  });

  it('refuses a second liveness connection of the same process, another pid and an unknown rank, and keeps the first', async () => {
    const { group: g } = await group([42, 43]);
    const first = await pair();
    expect(g.attachLiveness(hello(1, 43), first.near)).toBeNull();
    const second = await pair();
    expect(g.attachLiveness(hello(1, 43), second.near)?.cause).toBe('liveness_duplicate');
    expect(g.attachLiveness(hello(0, 43), second.near)?.cause).toBe('liveness_pid');
    expect(g.attachLiveness(hello(2, 43), second.near)?.cause).toBe('liveness_rank');
    expect(first.near.closeInfo).toBeNull();
  });

  it('fails nothing when the liveness connection closes alone, and takes a new one from the process after it', async () => {
    const { group: g, mains } = await group([42]);
    const stop = beating(mains[0]!.far);
    const liveness = await pair();
    expect(g.attachLiveness(hello(0, 42), liveness.near)).toBeNull();
    const closed = closeCode(liveness.near);
    await liveness.far.close(1000, 'thread stopped');
    expect(await closed).toBe(1000);
    await sleep(TIMING.timeoutMs + 500);
    expect(g.failure).toBeUndefined();
    const again = await pair();
    expect(g.attachLiveness(hello(0, 42), again.near)).toBeNull();
    stop();
  });

  it('closes a liveness connection that sends anything but heartbeats with 1008, and the member stays', async () => {
    const { group: g, mains } = await group([42]);
    const stop = beating(mains[0]!.far);
    const liveness = await pair();
    expect(g.attachLiveness(hello(0, 42), liveness.near)).toBeNull();
    const closed = closeCode(liveness.far);
    await liveness.far.send({ type: 'leave', rank: 0, reason: 'not here' });
    expect(await closed).toBe(1008);
    await sleep(300);
    expect(g.failure).toBeUndefined();
    stop();
  });

  it('closes the liveness connection when the member’s main connection closes; the failure is the disconnect', async () => {
    const { group: g, mains } = await group([42]);
    const liveness = await pair();
    expect(g.attachLiveness(hello(0, 42), liveness.near)).toBeNull();
    const closed = closeCode(liveness.far);
    mains[0]!.far.socket.terminate();
    expect(await closed).toBe(1000);
    expect(g.failure).toMatchObject({ code: 'ERR_TRAINING_WORKER_LOST', rank: 0 });
    expect(g.failure!.message).toMatch(/^worker rank 0 \(pid 42 on test, 0 steps completed\) disconnected/);
  });

  it('attaches the process now holding a rank (a replacement, by pid); the lost process’s link closes with it', async () => {
    const { group: g, members } = await group([42]);
    const old = await pair();
    expect(g.attachLiveness(hello(0, 42), old.near)).toBeNull();
    // As the restart policy does: the member is lost, then a new process (pid 77) holds the rank.
    const lost: number[] = [];
    g.tolerateLosses((rank) => lost.push(rank));
    const oldClosed = closeCode(old.far);
    g.lose(0, new TrainingError('ERR_TRAINING_WORKER_LOST', 'worker rank 0 disconnected', { rank: 0 }));
    expect(lost).toEqual([0]);
    expect(await oldClosed).toBe(1000);
    const main = await pair();
    g.replace({ ...members[0]!, pid: 77, connection: main.near });
    const replacement = await pair();
    expect(g.attachLiveness(hello(0, 42), replacement.near)?.cause).toBe('liveness_pid');
    expect(g.attachLiveness(hello(0, 77), replacement.near)).toBeNull();
    expect(replacement.near.closeInfo).toBeNull();
    expect(g.failure).toBeUndefined();
  });

  it('refuses liveness connections once the run is ending', async () => {
    const { group: g } = await group([42]);
    g.end();
    const liveness = await pair();
    expect(g.attachLiveness(hello(0, 42), liveness.near)?.cause).toBe('liveness_ended');
  });

  it('names the steps a member had completed by its last gradient when it is lost', async () => {
    const { group: g, mains } = await group([42]);
    g.handle('gradient', () => {});
    await mains[0]!.far.send({
      type: 'gradient',
      rank: 0,
      step: 7,
      round: 7,
      loss: 1,
      samples: 4,
      computeMs: 1,
      grad: new Float32Array(2),
    });
    for (let i = 0; i < 100 && g.failure === undefined; i++) await sleep(50);
    expect(g.failure!.message).toMatch(/^worker rank 0 \(pid 42 on test, 7 steps completed\) silent for/);
  });
});

/** A text logger whose lines the test reads. */
function capturedLog() {
  const lines: string[] = [];
  const log = transportLog(
    createLogger({ format: 'text', source: 'coordinator', write: (l) => lines.push(l) }),
  );
  return { lines, log };
}

const opened: Script[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.connection.close()));
});

async function livenessScript(port: number, message: MessageOf<'liveness'>): Promise<Script> {
  const script = await Script.open(port);
  opened.push(script);
  await script.connection.send(message);
  return script;
}

describe('the rendezvous routes liveness connections', () => {
  it('refuses one before the rendezvous is complete (1008) and logs why', async () => {
    const { lines, log } = capturedLog();
    const coordinator = scriptedCoordinator({ log });
    const port = await coordinator.listen();
    const result = coordinator.run();
    result.catch(() => {});
    const early = await livenessScript(port, hello(0, 1));
    expect(await early.closed()).toBe(1008);
    coordinator.requestStop('test over');
    await result.catch(() => {});
    expect(lines.some((l) => l.includes('refused a liveness connection') && l.includes('not complete'))).toBe(
      true,
    );
  });

  it('attaches a member’s liveness connection after the rendezvous and refuses the wrong ones, and the run finishes', async () => {
    const { lines, log } = capturedLog();
    const coordinator = scriptedCoordinator({ log, timeouts: { heartbeatIntervalMs: 100 } });
    const { port, workers, result } = await assigned(coordinator, opened);
    // Scripted workers join with pid 1.
    const good = await livenessScript(port, hello(1, 1));
    expect((await good.next('heartbeat')).type).toBe('heartbeat');
    const refused = await Promise.all([
      // rank 0's process, which has no liveness connection yet: only the token is wrong
      livenessScript(port, hello(0, 1, 'wrong')),
      livenessScript(port, hello(7, 1)),
      livenessScript(port, hello(0, 2)),
      livenessScript(port, hello(1, 1)),
      livenessScript(port, { ...hello(0, 1), protocol: PROTOCOL_VERSION + 1 }),
    ]);
    expect(await Promise.all(refused.map((s) => s.closed()))).toEqual([1008, 1008, 1008, 1008, 1002]);
    expect(good.closeCode).toBeUndefined();
    for (const [pattern, cause] of [
      [/refused a worker with a wrong token/, 'wrong token'],
      [/refused a liveness connection .*rank 7: no member holds that rank/, 'unknown rank'],
      [/refused a liveness connection .*from pid 2: the member holding it is pid 1/, 'other pid'],
      [/refused a liveness connection .*already has a liveness connection/, 'duplicate'],
      [/refused a worker with another protocol version/, 'version'],
    ] as const) {
      expect(
        lines.some((l) => pattern.test(l)),
        cause,
      ).toBe(true);
    }
    await workers[0]!.connection.send({
      type: 'params',
      rank: 0,
      datasetSize: 40,
      layout: { sizes: [6] },
      params: new Float32Array(6).fill(1),
    });
    await Promise.all(workers.map((w) => w.next('welcome')));
    for (let step = 0; step < 4; step++) await round(workers, step, [0.5, -1]);
    expect(await result).toMatchObject({ outcome: 'finished', completedSteps: 4 });
    // The run's end closes the liveness connection too.
    expect(await good.closed()).toBe(1000);
  });
});
