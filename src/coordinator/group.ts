import { CLOSE_CODES, TrainingError } from '../errors.js';
import type { Log } from '../log/index.js';
import {
  type Message,
  type MessageOf,
  type MessageType,
  REFUSALS,
  type RefusalCode,
} from '../protocol/index.js';
import { type Connection, Heartbeat, type HeartbeatTiming } from '../transport/index.js';
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
}

type Handler = (rank: number, message: Message) => void;

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
  readonly members: readonly Member[];
  private readonly failed = new Trigger<TrainingError>();
  private readonly handlers = new Map<MessageType, Handler>();
  private readonly inboxes: (Inbox | undefined)[];
  /** by rank: one Heartbeat per member, over its main connection and its liveness connection */
  private readonly heartbeats: Heartbeat[] = [];
  private readonly links: (LivenessLink | undefined)[] = [];
  /** by rank: the steps the member had completed by its last gradient (sync) or push (async) */
  private readonly completed: number[];
  private readonly closeListeners = new Set<(rank: number) => void>();
  private readonly log: Log;
  /** set once the run is ending on purpose: members closing or leaving then are not failures */
  private ending = false;

  constructor(members: readonly Member[], options: GroupOptions) {
    this.members = members;
    this.log = options.log;
    this.inboxes = members.map(() => undefined);
    this.completed = members.map(() => 0);
    for (const member of members) this.watch(member, options.heartbeat);
  }

  get worldSize(): number {
    return this.members.length;
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
    return this.members[rank]!.connection.send(message);
  }

  /** Sends `message` to every member; one promise per rank, in rank order. */
  broadcast(message: Message): Promise<void>[] {
    return this.members.map((member) => {
      const sent = member.connection.send(message);
      sent.catch(() => {});
      return sent;
    });
  }

  /** Answers a well-formed but wrong message with an `error` reply; nothing else changes. */
  refuse(rank: number, code: string, message: string, step: number | null): void {
    this.log({ level: 'warn', msg: 'refused a message', code, rank, step, reason: message });
    this.members[rank]?.connection.send({ type: 'error', code, message, rank, step }).catch(() => {});
  }

  /** Whether `rank`'s connection is still open. */
  isOpen(rank: number): boolean {
    return this.members[rank]?.connection.closeInfo === null;
  }

  /** Ranks whose connection is still open. */
  openRanks(): number[] {
    return this.members.filter((m) => m.connection.closeInfo === null).map((m) => m.rank);
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
    for (const beat of this.heartbeats) beat.stop();
    await Promise.allSettled([
      ...this.members.map((m) => m.connection.close(CLOSE_CODES.normal, 'run ended')),
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
    const detach = this.heartbeats[rank]!.attach(connection);
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

  private watch(member: Member, heartbeat: HeartbeatTiming): void {
    const { rank, connection } = member;
    connection.on('message', (message) => this.dispatch(rank, message));
    connection.once('close', (close) => {
      // The process is gone or cut off: its liveness connection no longer speaks for this rank.
      void this.links[rank]?.connection.close(CLOSE_CODES.normal, 'the main connection closed');
      for (const listener of [...this.closeListeners]) listener(rank);
      if (this.ending) return;
      this.fail(
        new TrainingError(
          'ERR_TRAINING_WORKER_LOST',
          `worker rank ${rank} (${this.describe(member)}) disconnected: close code ${close.code}${close.reason ? ` (${close.reason})` : ''}`,
          { rank },
        ),
      );
    });
    const beat = new Heartbeat(connection, heartbeat, (silentMs) => {
      this.fail(
        new TrainingError(
          'ERR_TRAINING_WORKER_LOST',
          `worker rank ${rank} (${this.describe(member)}) silent for ${Math.round(silentMs)} ms (heartbeat_timeout ${heartbeat.timeoutMs / 1000} s)`,
          { rank },
        ),
      );
      void connection.close(CLOSE_CODES.policyViolation, 'heartbeat timeout');
    });
    beat.start();
    this.heartbeats[rank] = beat;
  }

  /** Who a member is, for the message that names it lost: pid, host and the steps it had completed. */
  private describe(member: Member): string {
    const steps = this.completed[member.rank] ?? 0;
    return `pid ${member.pid} on ${member.host}, ${steps} ${steps === 1 ? 'step' : 'steps'} completed`;
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
    this.fail(
      new TrainingError('ERR_TRAINING_WORKER_LOST', `worker rank ${rank} left: ${leave.reason}`, { rank }),
    );
  }
}

/** The step a message is about, for an `error` reply, when it names one. */
function stepOf(message: Message): number | null {
  const step = (message as { step?: unknown }).step;
  return typeof step === 'number' ? step : null;
}
