import { BenchError } from '../errors.js';
import type { GradientMessage, Message } from '../protocol/index.js';
import { nowUs } from '../protocol/index.js';
import type { Connection, ConnectionClose } from '../transport/index.js';
import { averageGradients } from './average.js';

/** The state of the round in progress. */
interface RoundState {
  readonly step: number;
  readonly goUs: number;
  readonly gradients: (GradientMessage | undefined)[];
  gradientCount: number;
  /** each rank's wall-clock µs at which it had decoded the update */
  readonly decodedUs: (number | undefined)[];
  decodedCount: number;
  readonly resolve: (ms: number) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The reducing side of the all-reduce benchmark, playing the coordinator over one connection per rank
 * (`connections[r]` is rank r's). A round: broadcast `heartbeat` (go) stamped with the wall-clock µs; take
 * one `gradient` from every rank; average them in rank order (`averageGradients`, the coordinator's
 * `SyncRound`) into one reused array; broadcast it as an `update`; take one `heartbeat` from every rank
 * stamped with the µs it finished decoding the update. The round's time is the last stamp minus the go.
 *
 * @example
 * const reducer = new BenchReducer(connections, 1_000_000, 60_000); const ms = await reducer.runRound(0);
 */
export class BenchReducer {
  private readonly averaged: Float32Array;
  private round: RoundState | null = null;
  private failure: BenchError | null = null;
  private ending = false;

  constructor(
    private readonly connections: readonly Connection[],
    params: number,
    private readonly roundTimeoutMs: number,
  ) {
    this.averaged = new Float32Array(params);
    for (const [rank, connection] of connections.entries()) {
      connection.on('message', (message) => this.receive(rank, message));
      connection.once('close', (close) => this.lost(rank, close));
    }
  }

  /** Runs round `step`; resolves with its time in ms, rejects with BenchError when a worker fails it. */
  async runRound(step: number): Promise<number> {
    if (this.failure !== null) throw this.failure;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await new Promise<number>((resolve, reject) => {
        const goUs = nowUs();
        const workers = this.connections.length;
        this.round = {
          step,
          goUs,
          gradients: new Array<GradientMessage | undefined>(workers).fill(undefined),
          gradientCount: 0,
          decodedUs: new Array<number | undefined>(workers).fill(undefined),
          decodedCount: 0,
          resolve,
          reject,
        };
        timer = setTimeout(() => this.fail(this.timedOut(step)), this.roundTimeoutMs);
        this.broadcast({ type: 'heartbeat', sentAt: goUs });
      });
    } finally {
      clearTimeout(timer);
      this.round = null;
    }
  }

  /** Sends `stop` to every rank and closes the connections; the workers exit on close. */
  async end(reason: string, step: number): Promise<void> {
    this.ending = true;
    await Promise.allSettled(
      this.connections.map(async (connection) => {
        await connection.send({ type: 'stop', reason, step, failed: false });
        await connection.close();
      }),
    );
  }

  private receive(rank: number, message: Message): void {
    const round = this.round;
    if (round === null) {
      this.fail(this.outOfTurn(rank, message, 'no round is in progress'));
      return;
    }
    if (message.type === 'gradient' && round.gradients[rank] === undefined) {
      round.gradients[rank] = message;
      round.gradientCount += 1;
      if (round.gradientCount === round.gradients.length) {
        try {
          this.broadcast(averageGradients(round.step, round.gradients, this.averaged));
        } catch (error) {
          this.fail(error);
        }
      }
      return;
    }
    const expectsDone = round.gradientCount === round.gradients.length;
    if (message.type === 'heartbeat' && expectsDone && round.decodedUs[rank] === undefined) {
      round.decodedUs[rank] = message.sentAt;
      round.decodedCount += 1;
      if (round.decodedCount === round.decodedUs.length) {
        const lastUs = Math.max(...(round.decodedUs as number[]));
        round.resolve((lastUs - round.goUs) / 1000);
      }
      return;
    }
    this.fail(this.outOfTurn(rank, message, `round ${round.step} is in progress`));
  }

  private broadcast(message: Message): void {
    for (const connection of this.connections) connection.send(message).catch((error) => this.fail(error));
  }

  private lost(rank: number, close: ConnectionClose): void {
    if (this.ending) return;
    const why = close.error === null ? `code ${close.code}` : close.error.message;
    this.fail(
      new BenchError('ERR_BENCH_WORKER_LOST', `the connection of worker ${rank} closed (${why})`, {
        rank,
        cause: close.error ?? undefined,
      }),
    );
  }

  private fail(error: unknown): void {
    const failure =
      error instanceof BenchError
        ? error
        : new BenchError('ERR_BENCH_PROTOCOL', `a round failed: ${String(error)}`, { cause: error });
    this.failure ??= failure;
    this.round?.reject(failure);
  }

  private outOfTurn(rank: number, message: Message, state: string): BenchError {
    return new BenchError(
      'ERR_BENCH_PROTOCOL',
      `worker ${rank} sent a ${message.type} message out of turn: ${state}`,
      { rank },
    );
  }

  private timedOut(step: number): BenchError {
    const round = this.round;
    const missing = round === null ? [] : missingRanks(round);
    return new BenchError(
      'ERR_BENCH_TIMEOUT',
      `round ${step} did not finish within ${this.roundTimeoutMs} ms; waiting for ranks ${missing.join(', ')}`,
    );
  }
}

function missingRanks(round: RoundState): number[] {
  const pending = round.gradientCount < round.gradients.length ? round.gradients : round.decodedUs;
  return pending.flatMap((value, rank) => (value === undefined ? [rank] : []));
}
