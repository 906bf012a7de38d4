import { once } from 'node:events';
import { createServer, connect as netConnect, type Server, type Socket } from 'node:net';
import { BenchError } from '../errors.js';
import { type BenchChild, describeExit, spawnBenchWorker } from './children.js';
import { median } from './stats.js';

/** How the TCP ceiling is measured. */
export interface TcpCeilingOptions {
  /** bytes sent per trial (default 256 MiB) */
  readonly trialBytes?: number;
  /** bytes per `write()` (default 4 MiB) */
  readonly chunkBytes?: number;
  /** measured trials, after one warm-up trial (default 5) */
  readonly trials?: number;
  /** time allowed for the sink to connect and for each trial, in ms (default 30 s) */
  readonly timeoutMs?: number;
}

/** Default bytes per trial: enough that connection set-up and the answer's round trip do not count. */
export const DEFAULT_TCP_TRIAL_BYTES = 256 * 1024 * 1024;
/** Default bytes per `write()`, as large as the frames the WebSocket path writes. */
export const DEFAULT_TCP_CHUNK_BYTES = 4 * 1024 * 1024;
/** Default measured trials (after one warm-up trial). */
export const DEFAULT_TCP_TRIALS = 5;
const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * The options with every default filled in.
 *
 * @example
 * tcpCeilingSettings({ trials: 3 }).trialBytes; // 268435456
 */
export function tcpCeilingSettings(options: TcpCeilingOptions = {}): Required<TcpCeilingOptions> {
  return {
    trialBytes: options.trialBytes ?? DEFAULT_TCP_TRIAL_BYTES,
    chunkBytes: Math.min(
      options.chunkBytes ?? DEFAULT_TCP_CHUNK_BYTES,
      options.trialBytes ?? DEFAULT_TCP_TRIAL_BYTES,
    ),
    trials: options.trials ?? DEFAULT_TCP_TRIALS,
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  };
}

/** The byte the sink sends back once it has received a whole trial. */
const ACK = Buffer.from([0x06]);

/**
 * Raw TCP throughput over loopback between two processes, the ceiling any WebSocket path here can reach:
 * this process writes `trialBytes` in `chunkBytes` writes (one reused buffer, honouring backpressure) to a
 * `dptrain bench worker --tcp-sink` child, which counts them and answers one byte per trial. A trial runs
 * from the first write to that answer. Resolves with the median bytes per second over `trials`.
 *
 * @example
 * const bytesPerSec = await measureTcpCeiling({ trials: 3 }); // e.g. 2.5e9
 */
export async function measureTcpCeiling(options: TcpCeilingOptions = {}): Promise<number> {
  const { trialBytes, chunkBytes, trials, timeoutMs } = tcpCeilingSettings(options);
  const chunk = Buffer.alloc(chunkBytes, 0xa5);
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  const sink = spawnBenchWorker(['--tcp-sink', `127.0.0.1:${port}`, '--trial-bytes', String(trialBytes)]);
  let socket: Socket | undefined;
  try {
    socket = await accepted(server, sink, timeoutMs);
    socket.setNoDelay(true);
    const rates: number[] = [];
    for (let trial = 0; trial <= trials; trial++) {
      const ms = await sendTrial(socket, chunk, trialBytes, timeoutMs);
      if (trial > 0) rates.push(trialBytes / (ms / 1000));
    }
    return median(rates);
  } finally {
    socket?.end();
    server.close();
    await sink.stop(5000);
  }
}

/**
 * The sink side (`dptrain bench worker --tcp-sink HOST:PORT`): connects, counts received bytes and sends one
 * byte back per `trialBytes`; resolves when the measuring side closes the connection.
 *
 * @example
 * await runTcpSink({ host: '127.0.0.1', port: 4000, trialBytes: 256 * 1024 * 1024 });
 */
export async function runTcpSink(options: { host: string; port: number; trialBytes: number }): Promise<void> {
  const socket = netConnect(options.port, options.host);
  socket.setNoDelay(true);
  let pending = 0;
  socket.on('data', (data: Buffer) => {
    pending += data.length;
    while (pending >= options.trialBytes) {
      pending -= options.trialBytes;
      socket.write(ACK);
    }
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.once('close', () => resolve());
  });
}

async function accepted(server: Server, sink: BenchChild, timeoutMs: number): Promise<Socket> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      once(server, 'connection').then(([socket]) => socket as Socket),
      sink.exited.then((exit) => {
        throw new BenchError(
          'ERR_BENCH_WORKER_LOST',
          `the TCP sink process exited before connecting (${describeExit(exit, sink.stderrTail())})`,
        );
      }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new BenchError('ERR_BENCH_TIMEOUT', `the TCP sink did not connect within ${timeoutMs} ms`),
            ),
          timeoutMs,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Writes one trial and resolves with the ms from the first write to the sink's answer. */
async function sendTrial(
  socket: Socket,
  chunk: Buffer,
  trialBytes: number,
  timeoutMs: number,
): Promise<number> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const answered = once(socket, 'data', { signal });
    // A socket error rejects this too while a drain is awaited; that rejection is caught below.
    answered.catch(() => {});
    const start = performance.now();
    for (let sent = 0; sent < trialBytes; sent += chunk.length) {
      const bytes = Math.min(chunk.length, trialBytes - sent);
      if (!socket.write(bytes === chunk.length ? chunk : chunk.subarray(0, bytes))) {
        await once(socket, 'drain', { signal });
      }
    }
    await answered;
    return performance.now() - start;
  } catch (error) {
    if (signal.aborted) {
      throw new BenchError(
        'ERR_BENCH_TIMEOUT',
        `a TCP trial of ${trialBytes} bytes took over ${timeoutMs} ms`,
        {
          cause: error,
        },
      );
    }
    throw new BenchError('ERR_BENCH_WORKER_LOST', `the TCP sink failed during a trial: ${String(error)}`, {
      cause: error,
    });
  }
}
