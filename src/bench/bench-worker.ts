import { hostname } from 'node:os';
import { BenchError, CLOSE_CODES, TransportError } from '../errors.js';
import { type Message, messageBytesBound, nowUs, PROTOCOL_VERSION } from '../protocol/index.js';
import { mixSeed, Random } from '../tasks/index.js';
import { type Connection, connect } from '../transport/index.js';
import { reusedTensor } from './reused-tensor.js';

/** What one benchmark worker process needs to know. */
export interface BenchWorkerOptions {
  /** `ws://host:port` of the reducing process */
  readonly url: string;
  readonly rank: number;
  /** floats in the gradient */
  readonly params: number;
  /** the gradient is drawn once from `mixSeed(seed, rank)` */
  readonly seed: number;
}

/**
 * Fills a gradient of `params` floats uniform in [−1, 1) from the stream `mixSeed(seed, rank)`.
 *
 * @example
 * randomGradient(1000, 7, 0).length; // 1000
 */
export function randomGradient(params: number, seed: number, rank: number): Float32Array {
  const random = new Random(mixSeed(seed, rank));
  const gradient = new Float32Array(params);
  for (let i = 0; i < params; i++) gradient[i] = random.uniform(-1, 1);
  return gradient;
}

/**
 * One benchmark worker: connects with zero masks (loopback), sends `join`, then answers every round of the
 * reducer — a `heartbeat` (go) gets this rank's gradient (the same one every round), an `update` gets a
 * `heartbeat` stamped with the wall-clock µs at which the update was decoded. Resolves when the reducer
 * ends the benchmark (`stop` and a normal close); rejects when the connection is lost or the reducer breaks
 * the turn order. Received updates are assembled into one reused array.
 *
 * @example
 * await runBenchWorker({ url: 'ws://127.0.0.1:4000', rank: 0, params: 1_000_000, seed: 1 });
 */
export async function runBenchWorker(options: BenchWorkerOptions): Promise<void> {
  const { rank, params } = options;
  const grad = randomGradient(params, options.seed, rank);
  const connection = await connect(options.url, {
    zeroMask: true,
    maxMessageBytes: messageBytesBound(params),
    allocateTensor: reusedTensor(params),
  });
  return new Promise<void>((resolve, reject) => {
    let step = 0;
    const fail = (error: unknown) => {
      reject(error);
      void connection.close(CLOSE_CODES.policyViolation, 'benchmark worker failed').catch(() => {});
    };
    const send = (message: Message) => {
      connection.send(message).catch(fail);
    };
    connection.on('message', (message) => {
      if (message.type === 'heartbeat') {
        send({ type: 'gradient', rank, step, round: step, loss: 0, samples: 0, computeMs: 0, grad });
      } else if (message.type === 'update') {
        const decodedUs = nowUs();
        const floats = message.grad?.length ?? 0;
        if (message.step !== step || floats !== params) {
          fail(outOfTurn(rank, `an update for step ${message.step} with ${floats} floats`, step, params));
          return;
        }
        step += 1;
        send({ type: 'heartbeat', sentAt: decodedUs });
      } else if (message.type === 'stop') {
        void connection.close().catch(() => {});
      } else {
        fail(outOfTurn(rank, `a ${message.type} message`, step, params));
      }
    });
    connection.once('close', (close) => {
      if (close.code === CLOSE_CODES.normal) resolve();
      else reject(close.error ?? lost(connection, close.code, close.reason));
    });
    send({
      type: 'join',
      protocol: PROTOCOL_VERSION,
      token: '',
      rank,
      pid: process.pid,
      host: hostname(),
      backend: 'bench',
      lanes: null,
    });
  });
}

function outOfTurn(rank: number, what: string, step: number, params: number): BenchError {
  return new BenchError(
    'ERR_BENCH_PROTOCOL',
    `benchmark worker ${rank} received ${what}; it expected a heartbeat (go) or the update for step ${step} with ${params} floats`,
    { rank },
  );
}

function lost(connection: Connection, code: number, reason: string): TransportError {
  const url = connection.socket.url;
  return new TransportError(
    'ERR_TRANSPORT_CLOSED',
    `the reducer at ${url} closed the connection (code ${code}${reason === '' ? '' : `, ${reason}`}) before it sent stop`,
  );
}
