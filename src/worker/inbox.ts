import { TrainingError } from '../errors.js';
import type { Message, MessageType } from '../protocol/index.js';
import type { Connection } from '../transport/index.js';

/**
 * A worker's messages from the coordinator, in order: `next(...types)` takes the next one, which must be of one
 * of the expected types. An `error` reply (the coordinator refused something this worker sent) or a message out
 * of turn fails the worker with ERR_TRAINING_PROTOCOL; a closed connection with ERR_TRAINING_WORKER_LOST.
 * Heartbeats are liveness only and never queued.
 *
 * @example
 * const inbox = new Inbox(connection); const assign = await inbox.next('assign');
 */
export class Inbox {
  private readonly queue: Message[] = [];
  private waiter: ((message: Message | Error) => void) | undefined;
  private closed: Error | undefined;

  constructor(connection: Connection) {
    connection.on('message', (message) => this.deliver(message));
    connection.once('close', (close) => {
      this.closed = new TrainingError(
        'ERR_TRAINING_WORKER_LOST',
        `connection to the coordinator closed: code ${close.code}${close.reason ? ` (${close.reason})` : ''}`,
      );
      this.waiter?.(this.closed);
    });
  }

  /** The next message, which must be one of `types`. */
  async next<T extends MessageType>(...types: T[]): Promise<Extract<Message, { type: T }>> {
    const message =
      this.queue.shift() ??
      (await new Promise<Message | Error>((resolve) => {
        if (this.closed !== undefined) resolve(this.closed);
        else this.waiter = resolve;
      }));
    if (message instanceof Error) throw message;
    if (!(types as readonly MessageType[]).includes(message.type)) throw outOfTurn(message, types);
    return message as Extract<Message, { type: T }>;
  }

  private deliver(message: Message): void {
    if (message.type === 'heartbeat') return;
    const waiter = this.waiter;
    if (waiter !== undefined) {
      this.waiter = undefined;
      waiter(message);
    } else {
      this.queue.push(message);
    }
  }
}

function outOfTurn(message: Message, expected: readonly MessageType[]): TrainingError {
  if (message.type === 'error') {
    return new TrainingError(
      'ERR_TRAINING_PROTOCOL',
      `the coordinator refused: ${message.code}: ${message.message}`,
    );
  }
  return new TrainingError(
    'ERR_TRAINING_PROTOCOL',
    `unexpected ${message.type} message from the coordinator (expected ${expected.join(' or ')})`,
  );
}
