import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { ReplayError } from '../errors.js';
import { chainHash, entryJson, entryLine, headerHash, headerJson } from './chain.js';
import { entryProblem, headerProblem } from './check.js';

/** The `format` of an arrival log's header line. */
export const ARRIVAL_LOG_FORMAT = 'dptrain-arrivals';
/** The layout this dptrain writes and reads; a reader refuses any other. */
export const ARRIVAL_LOG_VERSION = 1;

/** arrivals.jsonl's first line: what an async run's determinism depends on besides the arrival order. */
export interface ArrivalHeader {
  readonly format: typeof ARRIVAL_LOG_FORMAT;
  readonly version: typeof ARRIVAL_LOG_VERSION;
  /** the tfjs backend the workers computed on, e.g. 'wasm' */
  readonly backend: string;
  /** the wasm build's features; null where the backend has no such switch or did not say */
  readonly build: { readonly simd: boolean | null; readonly threads: boolean | null };
  readonly threadCount: number | null;
  readonly workers: number;
  readonly task: string;
  readonly seed: number;
  /** parameterDigest of the initial parameters */
  readonly paramsDigest0: string;
}

/** One decided gradient, in the order the parameter server decided them. */
export interface ArrivalEntry {
  /** 0, 1, 2, … the order of decision */
  readonly i: number;
  /** the global step t when decided, before it advances */
  readonly step: number;
  readonly rank: number;
  /** t_read: the step of the parameters the gradient was computed on */
  readonly read: number;
  /** the batch: the rank's epoch and its position in that epoch */
  readonly epoch: number;
  readonly position: number;
  /** staleness */
  readonly tau: number;
  /** the factor the gradient was scaled by (float64, exact) */
  readonly scale: number;
  /** the float64 LR the update used; the schedule's LR when the gradient was dropped */
  readonly lr: number;
  readonly applied: boolean;
  /** why the gradient was not applied; null when it was */
  readonly code: string | null;
  /** gradientDigest of the gradient and its loss */
  readonly grad: string;
}

/**
 * Writes arrivals.jsonl: the header line, then one line per decided gradient, each the entry's JSON (keys in
 * a fixed order) plus `"hash"` = SHA-256 hex of the previous line's hash, '\n' and that JSON; the header's
 * line is hashed for the first. append() runs on the coordinator's hot path, so it only buffers: no await,
 * no fsync; close() flushes and reports a failed write.
 *
 * @example
 * const log = await ArrivalLogWriter.create(join(dir, 'arrivals.jsonl'), header); log.append(entry); await log.close();
 */
export class ArrivalLogWriter {
  readonly #stream: WriteStream;
  #previous: string;
  #next = 0;
  #failure: unknown = null;
  #closed: Promise<void> | null = null;

  private constructor(
    readonly path: string,
    stream: WriteStream,
    previous: string,
  ) {
    this.#stream = stream;
    this.#previous = previous;
    // A disk error surfaces after append returned; keep the first one for close() rather than crash the run.
    stream.on('error', (error) => {
      this.#failure ??= error;
    });
  }

  /** Opens (truncating) `path` and writes the header line; refuses a header the reader would refuse. */
  static async create(path: string, header: ArrivalHeader): Promise<ArrivalLogWriter> {
    const problem = headerProblem(header);
    if (problem !== null) {
      throw new ReplayError('ERR_REPLAY_ARGUMENT', `arrival log header for ${path}: ${problem}`);
    }
    const line = headerJson(header);
    const stream = createWriteStream(path);
    try {
      await once(stream, 'open');
    } catch (cause) {
      throw new ReplayError(
        'ERR_REPLAY_WRITE',
        `cannot open the arrival log ${path}: ${(cause as Error).message}; check that its directory exists and is writable`,
        { cause },
      );
    }
    const writer = new ArrivalLogWriter(path, stream, headerHash(line));
    stream.write(`${line}\n`);
    return writer;
  }

  /** Entries appended so far, which is also the `i` the next entry must have. */
  get entries(): number {
    return this.#next;
  }

  /** Buffers one entry's line; refuses an entry out of order or one the line cannot give back exactly (a non-finite or -0 LR is a coordinator bug). */
  append(entry: ArrivalEntry): void {
    if (this.#closed !== null) {
      throw new ReplayError(
        'ERR_REPLAY_WRITE',
        `arrival log ${this.path}: entry ${entry.i} appended after close(); append every decision before closing`,
      );
    }
    const problem = entryProblem(entry);
    if (problem !== null) {
      throw new ReplayError('ERR_REPLAY_ARGUMENT', `arrival log entry ${this.#next}: ${problem}`, {
        entry: this.#next,
      });
    }
    if (entry.i !== this.#next) {
      throw new ReplayError(
        'ERR_REPLAY_ARGUMENT',
        `arrival log entry i must be ${this.#next} (the next in order of decision), received ${entry.i}`,
        { entry: this.#next },
      );
    }
    const json = entryJson(entry);
    const hash = chainHash(this.#previous, json);
    // write()'s false return only asks for backpressure; lines are small and the run must not wait on the disk.
    this.#stream.write(`${entryLine(json, hash)}\n`);
    this.#previous = hash;
    this.#next += 1;
  }

  /** Flushes and closes the file; rejects if any write failed. Calling it again returns the same promise. */
  close(): Promise<void> {
    this.#closed ??= this.#finish();
    return this.#closed;
  }

  async #finish(): Promise<void> {
    this.#stream.end();
    try {
      await finished(this.#stream);
    } catch (error) {
      this.#failure ??= error;
    }
    if (this.#failure !== null) {
      throw new ReplayError(
        'ERR_REPLAY_WRITE',
        `arrival log ${this.path} could not be written (${(this.#failure as Error).message}); replay cannot trust it, so re-run`,
        { cause: this.#failure },
      );
    }
  }
}
