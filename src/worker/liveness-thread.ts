/**
 * The liveness thread's entry (run by `node:worker_threads`, see liveness.ts): it opens the worker process's
 * second connection to the coordinator, introduces it with a `liveness` message and then exchanges heartbeats on
 * it from its own event loop, so a main thread that computes a long synchronous gradient does not silence the
 * process, while a process that hangs (SIGSTOP stops every thread) goes silent on both connections. It also
 * watches the coordinator there: silence on this connection is the coordinator's, never the main thread's.
 */
import { isMainThread, type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { CLOSE_CODES } from '../errors.js';
import type { LogEntry } from '../log/index.js';
import { PROTOCOL_VERSION } from '../protocol/index.js';
import { type Connection, connect, Heartbeat, type HeartbeatTiming } from '../transport/index.js';

/** What the main thread gives the liveness thread (as `workerData`). */
export interface LivenessThreadData {
  readonly kind: 'dptrain-liveness';
  readonly url: string;
  readonly token: string;
  readonly rank: number;
  readonly pid: number;
  readonly timing: HeartbeatTiming;
  readonly zeroMask: boolean;
}

/** What the liveness thread tells the main thread. */
export type LivenessReport =
  /** the coordinator answered on the liveness connection: it is attached */
  | { readonly kind: 'up' }
  /** there is no liveness connection (it could not be opened, was refused, or closed) */
  | { readonly kind: 'down'; readonly reason: string }
  /** nothing came from the coordinator on the liveness connection for the heartbeat timeout */
  | { readonly kind: 'lost'; readonly silentMs: number }
  | { readonly kind: 'log'; readonly entry: LogEntry };

/** What the main thread tells the liveness thread. */
export interface LivenessCommand {
  readonly kind: 'stop';
}

/** Runs the thread until it is told to stop or its connection ends; every outcome is reported on `port`. */
async function run(data: LivenessThreadData, port: MessagePort): Promise<void> {
  const report = (message: LivenessReport) => {
    try {
      port.postMessage(message);
    } catch {
      // A log entry that cannot be cloned is dropped rather than stopping the heartbeats.
    }
  };
  let connection: Connection;
  try {
    connection = await connect(data.url, {
      zeroMask: data.zeroMask,
      log: (entry) => report({ kind: 'log', entry }),
    });
  } catch (error) {
    report({ kind: 'down', reason: error instanceof Error ? error.message : String(error) });
    port.close();
    return;
  }
  let stopping = false;
  const beat = new Heartbeat(connection, data.timing, (silentMs) => {
    report({ kind: 'lost', silentMs });
    void connection.close(CLOSE_CODES.policyViolation, 'coordinator silent');
  });
  connection.once('message', () => report({ kind: 'up' }));
  connection.once('close', (close) => {
    beat.stop();
    if (!stopping) {
      report({
        kind: 'down',
        reason: `closed: code ${close.code}${close.reason ? ` (${close.reason})` : ''}`,
      });
    }
    port.close();
  });
  port.on('message', (command: LivenessCommand) => {
    if (command.kind !== 'stop') return;
    stopping = true;
    beat.stop();
    void connection.close(CLOSE_CODES.normal, 'worker done');
  });
  try {
    await connection.send({
      type: 'liveness',
      protocol: PROTOCOL_VERSION,
      token: data.token,
      rank: data.rank,
      pid: data.pid,
    });
  } catch {
    // The close handler reports it.
    return;
  }
  beat.start();
}

const data = workerData as Partial<LivenessThreadData> | null;
if (!isMainThread && parentPort !== null && data?.kind === 'dptrain-liveness') {
  void run(data as LivenessThreadData, parentPort);
}
