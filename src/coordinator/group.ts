import { CLOSE_CODES, TrainingError } from '../errors.js';
import type { Log } from '../log/index.js';
import {
  type LaneSink,
  type Message,
  type MessageOf,
  type MessageType,
  REFUSALS,
  type RefusalCode,
} from '../protocol/index.js';
import { type Connection, Heartbeat, type HeartbeatTiming, SharedEncoder } from '../transport/index.js';
import { LIVENESS_CAUSES, type LivenessRefusal, livenessRefusal } from './liveness-route.js';
import type { Member } from './rendezvous.js';
import { Trigger } from './trigger.js';

/** Why a message was refused: the code of the `error` reply and its text. */
export interface Refusal {
  readonly code: RefusalCode;
  readonly message: string;
}

export interface GroupOptions {
  /** liveness of every member: a member silent for `timeoutMs` is lost */
  readonly heartbeat: HeartbeatTiming;
  readonly log: Log;
  /** the members' connections' `maxFrameBytes`, which broadcasts are cut to (default `DEFAULT_MAX_FRAME_BYTES`) */
  readonly maxFrameBytes?: number;
}

type Handler = (rank: number, message: Message) => void;

/** What watches one member: its heartbeat and the listeners on its connection (removed when it is lost or replaced). */
interface Watch {
  readonly beat: Heartbeat;
  readonly detach: () => void;
}

/** A member's liveness connection: the process it came from, and how to stop counting it. */
interface LivenessLink {
  readonly pid: number;
  readonly connection: Connection;
}

interface Inbox {
  readonly type: MessageType;
  readonly check: ((message: Message) => Refusal | null) | undefined;
  readonly resolve: (message: Message) => void;
}

/**
 * The members of a run once the rendezvous is complete, as torch.distributed calls it a process group: it routes
 * every message a member sends (to a waiting `receive`, else to the handler a training mode registered for its
 * type, else it is refused), keeps every member's heartbeat, sends and broadcasts, and holds the run's failure:
 * a lost member, a missed deadline or a mode's error fails the group once, and every wait in progress (`race`,
 * `within`, `receive`) rejects with that error.
 *
 * @example
 * const group = new ProcessGroup(members, { heartbeat, log }); group.handle('gradient', (rank, g) => round.offer(rank, g));
 */
export class ProcessGroup {
  private readonly current: Member[];
  private readonly failed = new Trigger<TrainingError>();
  private readonly handlers = new Map<MessageType, Handler>();
  private readonly inboxes: (Inbox | undefined)[];
  /** by rank: one Heartbeat per member (over its main connection and its liveness connection) and its listeners */
  private readonly watches: (Watch | undefined)[];
  private readonly links: (LivenessLink | undefined)[] = [];
  /** by rank: the steps the member had completed by its last gradient (sync) or push (async) */
  private readonly completed: number[];
  private readonly closeListeners = new Set<(rank: number) => void>();
  private readonly log: Log;
  private readonly heartbeat: HeartbeatTiming;
  /** ranks lost under a policy that goes on without them (until one rejoins) */
  private readonly lost = new Set<number>();
  /** set by a policy other than abort: a lost member is handed to it instead of failing the run */
  private tolerance: ((rank: number, error: TrainingError) => void) | undefined;
  /** set once the run is ending on purpose: members closing or leaving then are not failures */
  private ending = false;
  /** message types held until their handler is registered (see `holdUntilHandled`), and what was held */
  private readonly held = new Map<MessageType, { rank: number; message: Message }[]>();
  /** one encoding of each broadcast for every member */
  private readonly encoder: SharedEncoder;
  /** where updates' tensors go when every active member reads it (`useLanes`) */
  private downLane: LaneSink | undefined;
  /** ranks whose current connection reads the down lane */
  private readonly laneReaders = new Set<number>();

  constructor(members: readonly Member[], options: GroupOptions) {
    this.current = [...members];
    this.encoder = new SharedEncoder(
      options.maxFrameBytes === undefined ? {} : { maxFrameBytes: options.maxFrameBytes },
    );
    this.log = options.log;
    this.heartbeat = options.heartbeat;
    this.inboxes = members.map(() => undefined);
    this.watches = members.map(() => undefined);
    this.completed = members.map(() => 0);
    for (const member of members) this.watch(member);
  }

  /** Every rank's member, in rank order: a lost rank keeps its last member until one rejoins. */
  get members(): readonly Member[] {
    return this.current;
  }

  /** The ranks of the run (the world it started with): lost ranks count too. */
  get worldSize(): number {
    return this.current.length;
  }

  /** Ranks taking part now, in rank order: every rank not lost. */
  activeRanks(): number[] {
    return this.current.flatMap((m) => (this.lost.has(m.rank) ? [] : [m.rank]));
  }

  /** Whether `rank` was lost and has not rejoined. */
  isLost(rank: number): boolean {
    return this.lost.has(rank);
  }

  /**
   * Hands every lost member to `handler` instead of failing the run (`on_worker_failure: restart | shrink`): the
   * member's connection is closed and it stops counting as open; the handler decides what the run does.
   */
  tolerateLosses(handler: (rank: number, error: TrainingError) => void): void {
    this.tolerance = handler;
  }

  /**
   * `rank` is lost (`error` says how): the run fails with it, unless losses are tolerated; then the member is
   * detached and closed, the close listeners hear of it, and the tolerance handler decides. Once per loss.
   */
  lose(rank: number, error: TrainingError): void {
    if (this.ending || this.failed.hasFired || this.lost.has(rank)) return;
    if (this.tolerance === undefined) {
      this.fail(error);
      return;
    }
    this.lost.add(rank);
    this.unwatch(rank);
    const member = this.current[rank]!;
    this.log({
      level: 'warn',
      msg: 'worker lost',
      rank,
      pid: member.pid,
      host: member.host,
      reason: error.message,
    });
    void member.connection.close(CLOSE_CODES.policyViolation, 'lost');
    void this.links[rank]?.connection.close(CLOSE_CODES.normal, 'the member was lost');
    for (const listener of [...this.closeListeners]) listener(rank);
    this.tolerance(rank, error);
  }

  /** A new member for a lost rank (it rejoined): watched from now on; it is active again. */
  replace(member: Member): void {
    if (!this.lost.has(member.rank))
      throw new Error(`rank ${member.rank} was not lost: it cannot be replaced`);
    this.current[member.rank] = member;
    this.inboxes[member.rank] = undefined;
    this.laneReaders.delete(member.rank);
    this.lost.delete(member.rank);
    this.watch(member);
  }

  /** The error the run failed with, if it failed. */
  get failure(): TrainingError | undefined {
    return this.failed.value;
  }

  /** Waits in progress on the failure; constant over a long run (a test hook for the listener leak it replaced). */
  get failureListeners(): number {
    return this.failed.listenerCount;
  }

  /** Whether the run is ending on purpose (`end()` was called). */
  get isEnding(): boolean {
    return this.ending;
  }

  /**
   * Routes every `type` message that no `receive` is waiting for to `handler`. One handler per type: a mode
   * registers what it takes; the group refuses the rest with ERR_UNEXPECTED_MESSAGE.
   */
  handle<T extends MessageType>(type: T, handler: (rank: number, message: MessageOf<T>) => void): void {
    if (this.handlers.has(type)) throw new Error(`a handler for ${type} messages is already registered`);
    this.handlers.set(type, handler as unknown as Handler);
  }

  /**
   * Messages of `types` that arrive from now on wait, instead of being handled or refused, until `release()`. The
   * welcome goes out before the training mode is ready for gradients, and a worker whose first gradient is quick (a
   * closed-form gradient over a Unix socket) may answer in between. At most one message per rank and type waits: a
   * second one is routed at once (and refused as unexpected if nothing takes it).
   */
  hold(types: readonly MessageType[]): void {
    for (const type of types) this.held.set(type, []);
  }

  /** Routes every message `hold` kept, in arrival order, and stops holding. */
  release(): void {
    const held = [...this.held.values()].flat();
    this.held.clear();
    for (const { rank, message } of held) if (!this.isLost(rank)) this.dispatch(rank, message);
  }

  /** Fails the run once (later failures are ignored: the first one is the cause). */
  fail(error: TrainingError): void {
    if (this.failed.hasFired) return;
    this.log({
      level: 'error',
      msg: 'run failed',
      code: error.code,
      rank: error.rank,
      reason: error.message,
    });
    this.failed.fire(error);
  }

  /** Settles with `work`, or rejects with the run's failure (with `context` appended) if the run fails first. */
  race<T>(work: Promise<T>, context?: string): Promise<T> {
    return this.failed.race(work, (error) => {
      throw context === undefined
        ? error
        : new TrainingError(error.code, `${error.message} (${context})`, { cause: error, rank: error.rank });
    }) as Promise<T>;
  }

  /**
   * As `race`, with a deadline: if `work` has not settled after `ms`, the run fails with `expired()` (which
   * names what is missing), and so does this wait.
   */
  async within<T>(work: Promise<T>, ms: number, expired: () => TrainingError): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = expired();
        this.fail(error);
        reject(error);
      }, ms);
    });
    deadline.catch(() => {});
    try {
      return await this.race(Promise.race([work, deadline]));
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * The next `type` message from `rank`, raced against the run's failure. `check` may refuse a message of that
   * type (an `error` reply; the wait goes on), so a wrong answer costs nothing but the reply.
   */
  receive<T extends MessageType>(
    rank: number,
    type: T,
    what: string,
    check?: (message: MessageOf<T>) => Refusal | null,
  ): Promise<MessageOf<T>> {
    const waiting = new Promise<Message>((resolve) => {
      this.inboxes[rank] = { type, check: check as Inbox['check'], resolve };
    });
    return this.race(waiting, `waiting for ${what} from rank ${rank}`) as unknown as Promise<MessageOf<T>>;
  }

  /** Sends to one member; a member that closed meanwhile is the close handler's business, not the sender's. */
  send(rank: number, message: Message): Promise<void> {
    return this.current[rank]!.connection.send(message);
  }

  /**
   * Sends `message` to every active member, encoded once: the same frames go to every socket. One promise per
   * rank, in rank order (resolved for a lost rank); a message that cannot be encoded rejects every active rank's.
   */
  broadcast(message: Message): Promise<void>[] {
    const active = (send: (connection: Connection) => Promise<void>) =>
      this.current.map((member) =>
        this.lost.has(member.rank) ? Promise.resolve() : send(member.connection),
      );
    let sends: Promise<void>[];
    try {
      sends = this.encoder.broadcast(
        message,
        (encoded) => active((connection) => connection.sendEncoded(encoded)),
        this.laneOf(message.type),
      );
    } catch (error) {
      sends = active(() => Promise.reject(error));
    }
    for (const sent of sends) sent.catch(() => {});
    return sends;
  }

  /**
   * Co-located members: an `update` broadcast writes its tensors to `lane` once, and sends a lane frame, whenever
   * every active member reads that lane (`readsLane`); otherwise it goes whole over every socket.
   */
  useLanes(lane: LaneSink): void {
    this.downLane = lane;
  }

  /** `rank`'s current connection reads the down lane (until the rank is replaced). */
  readsLane(rank: number): void {
    this.laneReaders.add(rank);
  }

  /** The lane of a broadcast of `type`: the down lane for an update every active member reads, else none. */
  private laneOf(type: MessageType): LaneSink | undefined {
    if (type !== 'update' || this.downLane === undefined) return undefined;
    for (const member of this.current) {
      if (!this.lost.has(member.rank) && !this.laneReaders.has(member.rank)) return undefined;
    }
    return this.downLane;
  }

  /** Answers a well-formed but wrong message with an `error` reply; nothing else changes. */
  refuse(rank: number, code: string, message: string, step: number | null): void {
    this.log({ level: 'warn', msg: 'refused a message', code, rank, step, reason: message });
    this.current[rank]?.connection.send({ type: 'error', code, message, rank, step }).catch(() => {});
  }

  /** Whether `rank` takes part and its connection is still open. */
  isOpen(rank: number): boolean {
    return !this.lost.has(rank) && this.current[rank]?.connection.closeInfo === null;
  }

  /** Active ranks whose connection is still open. */
  openRanks(): number[] {
    return this.current.filter((m) => this.isOpen(m.rank)).map((m) => m.rank);
  }

  /** Calls `listener(rank)` when a member's connection closes; returns the unsubscribe function. */
  onClose(listener: (rank: number) => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  /** The run is ending on purpose (`stop` goes out next): closes and leaves are no longer failures. */
  end(): void {
    this.ending = true;
  }

  /** Stops the heartbeats and closes every connection. */
  async close(): Promise<void> {
    this.ending = true;
    for (const rank of this.current.keys()) this.unwatch(rank);
    await Promise.allSettled([
      ...this.current.map((m) => m.connection.close(CLOSE_CODES.normal, 'run ended')),
      ...this.links.flatMap((link) =>
        link === undefined ? [] : [link.connection.close(CLOSE_CODES.normal, 'run ended')],
      ),
    ]);
  }

  /**
   * Takes a worker process's liveness connection, whose `liveness` message passed the rendezvous' protocol and
   * token checks: it attaches to the member now holding `hello.rank` if that member is the same process (`pid`)
   * and has no other open liveness connection; its heartbeats then count as that member's signs of life. Returns
   * null when attached, else why not (the rendezvous logs it and closes the connection). The connection closing
   * alone fails nothing: the member still has its main connection (and the main thread's heartbeats).
   *
   * @example
   * rendezvous.routeLiveness((hello, connection) => group.attachLiveness(hello, connection));
   */
  attachLiveness(hello: MessageOf<'liveness'>, connection: Connection): LivenessRefusal | null {
    const { rank, pid } = hello;
    if (this.ending) return { cause: LIVENESS_CAUSES.ended, message: 'the run is ending' };
    const member = this.members[rank];
    const held = this.links[rank];
    const refusal = livenessRefusal(hello, member, held?.pid ?? null);
    if (refusal !== null) return refusal;
    // One left open by the rank's previous process (lost, then replaced) gives way to the current member's.
    if (held !== undefined) void held.connection.close(CLOSE_CODES.normal, 'the rank has another process');
    const link: LivenessLink = { pid, connection };
    this.links[rank] = link;
    const watch = this.watches[rank];
    if (watch === undefined)
      return { cause: LIVENESS_CAUSES.rank, message: `rank ${rank} has no member now` };
    const detach = watch.beat.attach(connection);
    connection.on('message', (message) => {
      if (message.type === 'heartbeat') return;
      this.log({
        level: 'warn',
        msg: 'closed a liveness connection that sent more than heartbeats',
        rank,
        type: message.type,
      });
      void connection.close(
        CLOSE_CODES.policyViolation,
        `a liveness connection carries heartbeats only, received ${message.type}`,
      );
    });
    connection.once('close', (close) => {
      detach();
      if (this.links[rank] === link) this.links[rank] = undefined;
      if (!this.ending)
        this.log({ level: 'debug', msg: 'liveness connection closed', rank, pid, code: close.code });
    });
    this.log({ level: 'debug', msg: 'liveness connection attached', rank, pid });
    return null;
  }

  private watch(member: Member): void {
    const { rank, connection } = member;
    const heartbeat = this.heartbeat;
    const onMessage = (message: Message) => this.dispatch(rank, message);
    const onClose = (close: { code: number; reason: string }) => {
      // The process is gone or cut off: its liveness connection no longer speaks for this rank.
      void this.links[rank]?.connection.close(CLOSE_CODES.normal, 'the main connection closed');
      // A tolerated loss tells the close listeners itself, once the rank counts as lost.
      if (this.ending || this.tolerance === undefined || this.failed.hasFired)
        for (const listener of [...this.closeListeners]) listener(rank);
      if (this.ending) return;
      this.lose(
        rank,
        new TrainingError(
          'ERR_TRAINING_WORKER_LOST',
          `worker rank ${rank} (${this.describe(member)}) disconnected: close code ${close.code}${close.reason ? ` (${close.reason})` : ''}`,
          { rank },
        ),
      );
    };
    connection.on('message', onMessage);
    connection.once('close', onClose);
    const beat = new Heartbeat(connection, heartbeat, (silentMs) => {
      this.lose(
        rank,
        new TrainingError(
          'ERR_TRAINING_WORKER_LOST',
          `worker rank ${rank} (${this.describe(member)}) silent for ${Math.round(silentMs)} ms (heartbeat_timeout ${heartbeat.timeoutMs / 1000} s)`,
          { rank },
        ),
      );
      void connection.close(CLOSE_CODES.policyViolation, 'heartbeat timeout');
    });
    beat.start();
    this.watches[rank] = {
      beat,
      detach: () => {
        connection.off('message', onMessage);
        connection.off('close', onClose);
      },
    };
  }

  /** Who a member is, for the message that names it lost: pid, host and the steps it had completed. */
  private describe(member: Member): string {
    const steps = this.completed[member.rank] ?? 0;
    return `pid ${member.pid} on ${member.host}, ${steps} ${steps === 1 ? 'step' : 'steps'} completed`;
  }

  private unwatch(rank: number): void {
    const watch = this.watches[rank];
    this.watches[rank] = undefined;
    watch?.beat.stop();
    watch?.detach();
  }

  private dispatch(rank: number, message: Message): void {
    // A gradient for step s (a push read at step s) was computed on the parameters after s completed steps.
    if (message.type === 'gradient') this.completed[rank] = Math.max(this.completed[rank] ?? 0, message.step);
    else if (message.type === 'push')
      this.completed[rank] = Math.max(this.completed[rank] ?? 0, message.read);
    const inbox = this.inboxes[rank];
    if (inbox !== undefined && inbox.type === message.type) {
      const refusal = inbox.check?.(message) ?? null;
      if (refusal !== null) {
        this.refuse(rank, refusal.code, refusal.message, stepOf(message));
        return;
      }
      this.inboxes[rank] = undefined;
      inbox.resolve(message);
      return;
    }
    const held = this.held.get(message.type);
    if (held !== undefined && !held.some((entry) => entry.rank === rank)) {
      held.push({ rank, message });
      return;
    }
    const handler = this.handlers.get(message.type);
    if (handler !== undefined) {
      handler(rank, message);
    } else if (message.type === 'heartbeat') {
      // Liveness only: the Heartbeat already noted it.
    } else if (message.type === 'leave') {
      this.onLeave(rank, message);
    } else {
      this.refuse(
        rank,
        REFUSALS.unexpected,
        `a ${message.type} message is not expected from rank ${rank} now`,
        stepOf(message),
      );
    }
  }

  private onLeave(rank: number, leave: MessageOf<'leave'>): void {
    if (leave.rank !== rank) {
      this.refuse(
        rank,
        REFUSALS.wrongRank,
        `leave names rank ${leave.rank} but this connection is rank ${rank}`,
        null,
      );
      return;
    }
    if (this.ending) return;
    this.lose(
      rank,
      new TrainingError('ERR_TRAINING_WORKER_LOST', `worker rank ${rank} left: ${leave.reason}`, { rank }),
    );
  }
}

/** The step a message is about, for an `error` reply, when it names one. */
function stepOf(message: Message): number | null {
  const step = (message as { step?: unknown }).step;
  return typeof step === 'number' ? step : null;
}
