import type { WebSocketServer } from 'ws';
import { BenchError } from '../errors.js';
import { messageBytesBound } from '../protocol/index.js';
import { Connection, listen } from '../transport/index.js';
import { type BenchChild, describeExit, spawnBenchWorker } from './children.js';
import { type BenchCase, caseName, DEFAULT_SEED } from './grid.js';
import { BenchReducer } from './reducer.js';
import { reusedTensor } from './reused-tensor.js';
import { median, p90 } from './stats.js';

/** Default time allowed for every worker process to start and join, in ms. */
export const DEFAULT_JOIN_TIMEOUT_MS = 60_000;
/** Default time allowed for one round, in ms. */
export const DEFAULT_ROUND_TIMEOUT_MS = 120_000;
/** Time a worker process gets to exit after the benchmark closed its connection, before it is killed. */
const EXIT_GRACE_MS = 5_000;

/** A measured case. */
export interface CaseResult {
  /** e.g. `N=4 P=1e6` */
  readonly name: string;
  readonly workers: number;
  readonly params: number;
  /** measured rounds (warm-up rounds excluded) */
  readonly rounds: number;
  readonly medianMs: number;
  readonly p90Ms: number;
  /** payload bytes through the reducer per round (N gradients in, N updates out) / median round time */
  readonly bytesPerSec: number;
  /** how the workers were connected: `unix` or `tcp` (the protocol path is always TCP) */
  readonly transport?: string;
}

/** A case and how to run it. */
export interface AllreduceCaseOptions extends BenchCase {
  /** seed of the workers' gradients (default DEFAULT_SEED) */
  readonly seed?: number;
  readonly joinTimeoutMs?: number;
  readonly roundTimeoutMs?: number;
}

/**
 * Payload bytes one round moves through the reducer: `workers` gradients in and `workers` updates out, each
 * `params` float32.
 *
 * @example
 * roundPayloadBytes(4, 1e6); // 32,000,000
 */
export function roundPayloadBytes(workers: number, params: number): number {
  return 2 * workers * params * 4;
}

/**
 * A measured case from its round times (ms): the median, p90 and payload rate through the coordinator.
 *
 * @example
 * caseResult(2, 1000, [1.2, 1.1, 1.3]).medianMs; // 1.2
 */
export function caseResult(workers: number, params: number, times: readonly number[]): CaseResult {
  const medianMs = median(times);
  return {
    name: caseName(workers, params),
    workers,
    params,
    rounds: times.length,
    medianMs,
    p90Ms: p90(times),
    bytesPerSec: roundPayloadBytes(workers, params) / (medianMs / 1000),
  };
}

/**
 * Measures one all-reduce case over dptrain's real data path: this process listens on loopback and plays
 * the coordinator (`BenchReducer`); `workers` separate `dptrain bench worker` processes connect (zero
 * masks), join with their rank, and run `warmup` and then `rounds` rounds. Each received gradient is
 * assembled into one array per rank, reused every round. Rejects with BenchError when a worker does not
 * join, dies or breaks the turn order; the worker processes are gone when it settles.
 *
 * @example
 * const result = await runAllreduceCase({ workers: 2, params: 1000, rounds: 20, warmup: 2 }); // result.medianMs
 */
export async function runAllreduceCase(options: AllreduceCaseOptions): Promise<CaseResult> {
  const { workers, params } = options;
  const { server, port } = await listen({ host: '127.0.0.1', port: 0 });
  const accepted: Connection[] = [];
  const joined = acceptJoins(server, workers, params, accepted);
  const children: BenchChild[] = [];
  let reducer: BenchReducer | undefined;
  let step = 0;
  try {
    for (let rank = 0; rank < workers; rank++) {
      children.push(
        spawnBenchWorker([
          '--connect',
          `ws://127.0.0.1:${port}`,
          '--rank',
          String(rank),
          '--params',
          String(params),
          '--seed',
          String(options.seed ?? DEFAULT_SEED),
        ]),
      );
    }
    const connections = await untilJoined(joined, children, options.joinTimeoutMs ?? DEFAULT_JOIN_TIMEOUT_MS);
    reducer = new BenchReducer(connections, params, options.roundTimeoutMs ?? DEFAULT_ROUND_TIMEOUT_MS);
    for (; step < options.warmup; step++) await reducer.runRound(step);
    const times: number[] = [];
    for (let round = 0; round < options.rounds; round++, step++) times.push(await reducer.runRound(step));
    return caseResult(workers, params, times);
  } finally {
    if (reducer === undefined) {
      for (const connection of accepted) connection.socket.terminate();
    } else {
      await reducer.end('benchmark case done', step);
    }
    server.close();
    await Promise.all(children.map((child) => child.stop(EXIT_GRACE_MS)));
  }
}

/**
 * Wraps every accepted socket in a Connection (a pooled receive array per rank, the message bound set from
 * `params`) and resolves with them by rank once each sent a valid `join`.
 */
function acceptJoins(
  server: WebSocketServer,
  workers: number,
  params: number,
  accepted: Connection[],
): Promise<Connection[]> {
  return new Promise((resolve, reject) => {
    const byRank = new Array<Connection | undefined>(workers).fill(undefined);
    let count = 0;
    server.on('connection', (socket) => {
      const connection = new Connection(socket, {
        maxMessageBytes: messageBytesBound(params),
        // One gradient per rank is in flight at a time, and the round has averaged it before the next go.
        allocateTensor: reusedTensor(params),
      });
      accepted.push(connection);
      connection.once('message', (message) => {
        const rank = message.type === 'join' ? message.rank : null;
        if (rank === null || rank >= workers || byRank[rank] !== undefined) {
          reject(
            new BenchError(
              'ERR_BENCH_PROTOCOL',
              `a benchmark worker's first message must be a join with a free rank below ${workers}, received ${message.type}${rank === null ? '' : ` for rank ${rank}`}`,
            ),
          );
          return;
        }
        byRank[rank] = connection;
        count += 1;
        if (count === workers) resolve(byRank as Connection[]);
      });
    });
  });
}

/** Waits for every join; a worker that exits first, or the join timeout, fails the case. */
async function untilJoined(
  joined: Promise<Connection[]>,
  children: readonly BenchChild[],
  timeoutMs: number,
): Promise<Connection[]> {
  let timer: NodeJS.Timeout | undefined;
  const exits = children.map((child, rank) =>
    child.exited.then((exit) => {
      throw new BenchError(
        'ERR_BENCH_WORKER_LOST',
        `benchmark worker ${rank} exited before joining (${describeExit(exit, child.stderrTail())})`,
        { rank },
      );
    }),
  );
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new BenchError(
            'ERR_BENCH_TIMEOUT',
            `not every benchmark worker joined within ${timeoutMs} ms; raise the join timeout on a loaded machine`,
          ),
        ),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([joined, late, ...exits]);
  } finally {
    clearTimeout(timer);
    for (const exit of exits) exit.catch(() => {});
  }
}
