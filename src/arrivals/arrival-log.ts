import { once } from 'node:events';
import { createWriteStream, fdatasync, type WriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { ReplayError } from '../errors.js';
import { chainHash, entryJson, entryLine, HEADER_KEYS, headerHash, headerJson } from './chain.js';
import { entryProblem, headerProblem } from './check.js';
import type { ArrivalLog } from './read-arrival-log.js';

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
  /**
   * whose shard the batch is of, when not `rank`'s own: a lost rank's batch a survivor took over under
   * `on_worker_failure: shrink` (absent otherwise, so a log without such batches reads as before)
   */
  readonly shard?: number;
  /** t_read: the step of the parameters the gradient was computed on */
  readonly read: number;
  /** the batch: its shard's epoch and its position in that epoch */
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

  /**
   * Opens (truncating) `path` and writes the header line; refuses a header the reader would refuse. With
   * `continues` (a resumed run: the log of the run it resumes, read up to the checkpoint) the file starts as that
   * log, header and entries line for line, and the next entry continues its chain; `header` must then describe the
   * same run on the same backend build, or the joined log could not be replayed (ERR_REPLAY_RUN, naming the field).
   */
  static async create(
    path: string,
    header: ArrivalHeader,
    continues?: ArrivalLog,
  ): Promise<ArrivalLogWriter> {
    const problem = headerProblem(header);
    if (problem !== null) {
      throw new ReplayError('ERR_REPLAY_ARGUMENT', `arrival log header for ${path}: ${problem}`);
    }
    if (continues !== undefined) checkSameRun(path, header, continues.header);
    const line = headerJson(continues?.header ?? header);
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
    for (const entry of continues?.entries ?? []) writer.append(entry);
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

  /**
   * Resolves once every line appended so far is in the file and on disk (a checkpoint waits for this, so that the
   * log it points into holds its entries whatever happens next); rejects if a write failed.
   */
  async flushed(): Promise<void> {
    if (this.#closed !== null) return this.#closed;
    // Writes complete in order: the callback of an empty write comes after every line before it.
    await new Promise<void>((resolve, reject) => {
      this.#stream.write('', (error) => (error ? reject(error) : resolve()));
    });
    // An fs WriteStream has its descriptor as `fd` once open (create() waited for that); the types leave it out.
    const fd = (this.#stream as unknown as { fd: number | null }).fd;
    if (typeof fd === 'number') {
      await new Promise<void>((resolve, reject) => {
        fdatasync(fd, (error) => (error ? reject(error) : resolve()));
      });
    }
    if (this.#failure !== null) throw this.#failure;
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

/** Refuses to join a log to a run it does not describe: the bits of a replay depend on every header field. */
function checkSameRun(path: string, now: ArrivalHeader, was: ArrivalHeader): void {
  for (const key of HEADER_KEYS) {
    const a = JSON.stringify(was[key]);
    const b = JSON.stringify(now[key]);
    if (a === b) continue;
    throw new ReplayError(
      'ERR_REPLAY_RUN',
      `arrival log ${path}: the resumed run's ${key} is ${b}, but the log it continues has ${a}; a log joined ` +
        `across them could not be replayed bit for bit, so resume it where ${key} is ${a}`,
    );
  }
}
