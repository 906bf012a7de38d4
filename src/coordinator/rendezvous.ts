import { createHash, timingSafeEqual } from 'node:crypto';
import { CLOSE_CODES, TrainingError } from '../errors.js';
import { type Log, type LogEntry, type RateLimitedLog, rateLimitedLog } from '../log/index.js';
import {
  FRAME_HEADER_BYTES,
  type Message,
  type MessageOf,
  PROTOCOL_VERSION,
  REFUSALS,
  STRING_LIMITS,
} from '../protocol/index.js';
import type { Connection } from '../transport/index.js';
import { LIVENESS_CAUSES, type LivenessRoute } from './liveness-route.js';

/**
 * The largest message a connection may send before its join was accepted: a join (its strings at their bounds
 * and the msgpack keys) fits, a tensor does not, so a stranger cannot make the coordinator allocate anything
 * large by declaring a big tensor in a small frame.
 */
export const STRANGER_MAX_MESSAGE_BYTES =
  FRAME_HEADER_BYTES + STRING_LIMITS.token + STRING_LIMITS.host + STRING_LIMITS.name + 1024;

/** A worker admitted to the run. */
export interface Member {
  readonly rank: number;
  readonly connection: Connection;
  readonly pid: number;
  readonly host: string;
  readonly backend: string;
  /** the tensor-lane directory the worker offered (`join.lanes`), null for none */
  readonly lanes: string | null;
}

export interface RendezvousOptions {
  readonly worldSize: number;
  readonly token: string;
  /** how long to wait for every worker, in ms */
  readonly timeoutMs: number;
  /** a connection without an accepted `join` this many ms after it was accepted is closed with 1008 */
  readonly authTimeoutMs: number;
  readonly log: Log;
  /** the clock of the refusal log's windows (default `performance.now`) */
  readonly now?: () => number;
}

/** Causes of stranger refusals, one rate-limited log line per second each. */
export const STRANGER_CAUSES = {
  authTimeout: 'auth_timeout',
  upgradeTimeout: 'upgrade_timeout',
  wrongToken: 'wrong_token',
  beforeJoin: 'before_join',
  version: 'protocol_version',
} as const;

interface Candidate {
  readonly connection: Connection;
  readonly join: MessageOf<'join'>;
}

/**
 * The rendezvous: waits for `worldSize` workers to join within the timeout, checks their protocol version and
 * token, and assigns ranks (requested ranks first, then the lowest free rank in join order). A connection that
 * cannot be trusted (wrong version 1002, wrong token, anything before `join` or no valid `join` within
 * `authTimeoutMs` 1008) is closed with a logged reason; a join asking for a rank that is taken or outside the
 * world gets an `error` reply and is closed. Refusals of strangers (and what their connections log before a join
 * was accepted: malformed frames, closes) are logged rate-limited, one line per cause per second with `count=N`,
 * so a flood of connections cannot flood the log.
 *
 * @example
 * const rendezvous = new Rendezvous({ worldSize: 2, token, timeoutMs: 60_000, log }); server.on('connection', (s) => rendezvous.admit(new Connection(s)));
 * const members = await rendezvous.members;
 */
export class Rendezvous {
  /** resolves with the members in rank order once all joined; rejects on timeout */
  readonly members: Promise<Member[]>;
  private readonly candidates: Candidate[] = [];
  private complete = false;
  private resolve!: (members: Member[]) => void;
  private reject!: (error: Error) => void;
  private readonly timer: NodeJS.Timeout;
  private readonly tokenHash: Buffer;
  private readonly refusals: RateLimitedLog;
  /** connections whose join (or liveness) was accepted: their own log lines are no longer a stranger's */
  private readonly admitted = new WeakSet<Connection>();
  /** ranks lost during the run that may join again (`on_worker_failure: restart`), with who waits for them */
  private readonly openings = new Map<number, (member: Member) => void>();
  private readonly openingTimers = new Set<NodeJS.Timeout>();
  private livenessRoute: LivenessRoute | null = null;

  constructor(private readonly options: RendezvousOptions) {
    this.tokenHash = hash(options.token);
    this.refusals = rateLimitedLog(options.log, options.now === undefined ? {} : { now: options.now });
    this.members = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.members.catch(() => {});
    this.timer = setTimeout(() => this.expire(), options.timeoutMs);
  }

  /**
   * Sends the liveness connections that come from now on to `route` (the process group, once it exists). A
   * worker opens its liveness connection after its `assign`, so after the rendezvous is complete; one that comes
   * while no route is set is refused (no member holds its rank yet).
   */
  routeLiveness(route: LivenessRoute): void {
    this.livenessRoute = route;
  }

  /**
   * Takes a new connection; its first message must be a valid `join`, or a `liveness` naming a member (a worker
   * process's second connection, for heartbeats only). `address` is the peer's IP address as the
   * socket sees it (logged with the join, so a worker on another host shows where it came from).
   */
  admit(connection: Connection, address: string | null = null, waitedMs = 0): void {
    const authTimeoutS = this.options.authTimeoutMs / 1000;
    const deadline = setTimeout(
      () => {
        connection.off('message', first);
        this.refuse(STRANGER_CAUSES.authTimeout, {
          level: 'warn',
          msg: 'refused a connection that sent no valid join in time',
          code: 'ERR_PROTOCOL_AUTH',
          authTimeout: authTimeoutS,
          address,
        });
        void connection.close(
          CLOSE_CODES.policyViolation,
          `no valid join within auth_timeout ${authTimeoutS} s`,
        );
      },
      Math.max(0, this.options.authTimeoutMs - waitedMs),
    );
    const first = (message: Message) => {
      clearTimeout(deadline);
      connection.off('message', first);
      this.onFirstMessage(connection, message, address);
    };
    connection.on('message', first);
    connection.once('close', () => {
      clearTimeout(deadline);
      this.forget(connection);
    });
  }

  /**
   * The Log for a connection's own lines (malformed frames, socket errors, its close): rate-limited by what
   * happened while its join has not been accepted, passed through once it has.
   */
  connectionLog(connection: () => Connection | undefined): Log {
    return (entry: LogEntry) => {
      const c = connection();
      if (c !== undefined && this.admitted.has(c)) this.options.log(entry);
      else this.refuse(`${entry.msg}:${String(entry.code ?? entry.closeCode ?? '')}`, entry);
    };
  }

  /** Logs a stranger refusal (or a stranger connection's own line) under `cause`, rate-limited. */
  refuse(cause: string, entry: LogEntry): void {
    this.refusals.write(cause, entry);
  }

  /** Stops waiting (the run is being stopped). */
  cancel(reason: string): void {
    clearTimeout(this.timer);
    if (!this.complete) this.reject(new TrainingError('ERR_TRAINING_STOPPED', reason));
    this.complete = true;
  }

  /**
   * Admits one more join for `rank`, which was lost during the run (after the rendezvous completed): the join must
   * ask for that rank or for none. Resolves with the new member; rejects after `timeoutMs` (or when the run stops).
   *
   * @example
   * const member = await rendezvous.rejoin(1, 60_000);
   */
  rejoin(rank: number, timeoutMs: number): Promise<Member> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.openings.delete(rank);
        reject(
          new TrainingError(
            'ERR_TRAINING_JOIN_TIMEOUT',
            `worker rank ${rank} was lost and did not join again within ${timeoutMs / 1000} s (join_timeout); ` +
              'restart it with `dptrain worker --rank ' +
              `${rank}\` or raise join_timeout`,
            { rank },
          ),
        );
      }, timeoutMs);
      timer.unref();
      this.openingTimers.add(timer);
      this.openings.set(rank, (member) => {
        clearTimeout(timer);
        this.openingTimers.delete(timer);
        this.openings.delete(rank);
        resolve(member);
      });
    });
  }

  /** Writes the refusal counts still held back (at the end of the run); no rank may join again after it. */
  close(): void {
    for (const timer of this.openingTimers) clearTimeout(timer);
    this.openingTimers.clear();
    this.openings.clear();
    this.refusals.close();
  }

  private onFirstMessage(connection: Connection, message: Message, address: string | null): void {
    const log = this.options.log;
    if (message.type !== 'join' && message.type !== 'liveness') {
      this.refuse(STRANGER_CAUSES.beforeJoin, {
        level: 'warn',
        msg: 'refused a peer that spoke before joining',
        code: 'ERR_PROTOCOL_POLICY',
        type: message.type,
      });
      void connection.close(CLOSE_CODES.policyViolation, `expected join, received ${message.type}`);
      return;
    }
    if (message.protocol !== PROTOCOL_VERSION) {
      this.refuse(STRANGER_CAUSES.version, {
        level: 'warn',
        msg: 'refused a worker with another protocol version',
        code: 'ERR_PROTOCOL_VERSION',
        version: message.protocol,
      });
      void connection.close(
        CLOSE_CODES.protocolError,
        `protocol version ${message.protocol}; this coordinator speaks ${PROTOCOL_VERSION}`,
      );
      return;
    }
    if (!timingSafeEqual(hash(message.token), this.tokenHash)) {
      this.refuse(STRANGER_CAUSES.wrongToken, {
        level: 'warn',
        msg: 'refused a worker with a wrong token',
        code: 'ERR_PROTOCOL_AUTH',
        ...(message.type === 'join' ? { host: message.host } : { liveness: true, rank: message.rank }),
        pid: message.pid,
        address,
      });
      void connection.close(CLOSE_CODES.policyViolation, 'authentication failed: wrong token');
      return;
    }
    if (message.type === 'liveness') {
      this.onLiveness(connection, message, address);
      return;
    }
    if (this.complete && this.takeRejoin(connection, message, address)) return;
    const refusal = this.complete
      ? { code: REFUSALS.runFull, message: `the run already has its ${this.options.worldSize} workers` }
      : this.rankRefusal(message.rank);
    if (refusal !== null) {
      log({ level: 'warn', msg: 'refused a join', code: refusal.code, reason: refusal.message });
      void connection
        .send({ type: 'error', code: refusal.code, message: refusal.message, rank: message.rank, step: null })
        .finally(() => connection.close(CLOSE_CODES.policyViolation, refusal.code));
      return;
    }
    this.admitted.add(connection);
    this.candidates.push({ connection, join: message });
    log({
      level: 'info',
      msg: 'worker joined',
      joined: this.candidates.length,
      of: this.options.worldSize,
      host: message.host,
      pid: message.pid,
      address,
    });
    if (this.candidates.length === this.options.worldSize) this.finish();
  }

  private onLiveness(connection: Connection, hello: MessageOf<'liveness'>, address: string | null): void {
    const refusal =
      this.livenessRoute === null
        ? {
            cause: LIVENESS_CAUSES.rank,
            message: `liveness for rank ${hello.rank}: the rendezvous is not complete`,
          }
        : this.livenessRoute(hello, connection);
    if (refusal !== null) {
      this.refuse(refusal.cause, {
        level: 'warn',
        msg: 'refused a liveness connection',
        code: 'ERR_PROTOCOL_POLICY',
        reason: refusal.message,
        rank: hello.rank,
        pid: hello.pid,
        address,
      });
      void connection.close(CLOSE_CODES.policyViolation, refusal.message);
      return;
    }
    this.admitted.add(connection);
  }

  /** A join after the rendezvous: taken when it is for a rank that may join again (see `rejoin`). */
  private takeRejoin(connection: Connection, join: MessageOf<'join'>, address: string | null): boolean {
    const rank = join.rank ?? [...this.openings.keys()].sort((a, b) => a - b)[0];
    const admit = rank === undefined ? undefined : this.openings.get(rank);
    if (rank === undefined || admit === undefined) return false;
    this.admitted.add(connection);
    this.options.log({
      level: 'info',
      msg: 'worker joined again',
      rank,
      host: join.host,
      pid: join.pid,
      address,
    });
    admit({ rank, connection, pid: join.pid, host: join.host, backend: join.backend, lanes: join.lanes });
    return true;
  }

  private rankRefusal(rank: number | null): { code: string; message: string } | null {
    if (rank === null) return null;
    if (rank >= this.options.worldSize) {
      return {
        code: REFUSALS.rankUnavailable,
        message: `rank ${rank} is outside the world of ${this.options.worldSize} workers`,
      };
    }
    if (this.candidates.some((c) => c.join.rank === rank)) {
      return { code: REFUSALS.rankUnavailable, message: `rank ${rank} is already taken` };
    }
    return null;
  }

  private forget(connection: Connection): void {
    if (this.complete) return;
    const index = this.candidates.findIndex((c) => c.connection === connection);
    if (index >= 0) this.candidates.splice(index, 1);
  }

  private finish(): void {
    this.complete = true;
    clearTimeout(this.timer);
    const taken = new Set(this.candidates.flatMap((c) => (c.join.rank === null ? [] : [c.join.rank])));
    let next = 0;
    const members = this.candidates.map(({ connection, join }) => {
      let rank = join.rank;
      if (rank === null) {
        while (taken.has(next)) next += 1;
        rank = next;
        taken.add(rank);
      }
      return { rank, connection, pid: join.pid, host: join.host, backend: join.backend, lanes: join.lanes };
    });
    members.sort((a, b) => a.rank - b.rank);
    this.resolve(members);
  }

  private expire(): void {
    if (this.complete) return;
    this.complete = true;
    const joined = this.candidates.length;
    for (const { connection } of this.candidates)
      void connection.close(CLOSE_CODES.normal, 'rendezvous timed out');
    this.reject(
      new TrainingError(
        'ERR_TRAINING_JOIN_TIMEOUT',
        `only ${joined} of ${this.options.worldSize} workers joined within ${this.options.timeoutMs / 1000} s; start the missing workers or raise join_timeout`,
      ),
    );
  }
}

function hash(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
