import { TrainingError } from '../errors.js';
import { type MessageOf, nowUs } from '../protocol/index.js';
import type { LoopOptions } from './loop-options.js';

export interface AsyncLoopOptions extends LoopOptions {
  /** the welcome's global step and LR: the parameters `params` holds */
  readonly step: number;
  readonly lr: number;
  /** this rank's next batch (its own count) */
  readonly round: number;
}

/** How the loop ended: the coordinator's `stop`, or an answer with the parameters of the last step. */
export type AsyncLoopEnd =
  | {
      readonly kind: 'stopped';
      readonly stop: MessageOf<'stop'>;
      readonly step: number;
      readonly round: number;
    }
  | { readonly kind: 'done'; readonly step: number; readonly round: number };

/**
 * A worker's side of async training: compute the gradient of its next batch on the parameters it holds, push it
 * with the step they are of (and the LR they came with, for the consistency check), and take the answer's
 * parameters for the next one. The worker applies nothing and keeps no schedule: the parameter server does both.
 *
 * @example
 * const end = await asyncLoop({ connection, inbox, rank, step: 0, lr, round: 0, totalSteps, params, loop, timeline, faults, slowdown });
 */
export async function asyncLoop(options: AsyncLoopOptions): Promise<AsyncLoopEnd> {
  const { connection, inbox, rank, totalSteps, params, loop, timeline, faults, slowdown } = options;
  let read = options.step;
  let lr = options.lr;
  let round = options.round;
  while (read < totalSteps) {
    if (faults.stalls(read)) {
      const stop = await inbox.next('stop');
      return { kind: 'stopped', stop, step: read, round };
    }
    const computeStart = nowUs();
    const { loss, grad, samples } = loop.gradient(round);
    if (faults.poisons(read)) grad.fill(Number.NaN);
    const computeMs = (nowUs() - computeStart) / 1000;
    timeline.span('compute', read, computeStart);
    await slowdown.after(computeMs);
    const sendStart = nowUs();
    await connection.send({
      type: 'push',
      rank,
      read,
      lr: faults.reportedLr(read, lr, lr),
      round,
      loss,
      samples,
      computeMs,
      grad,
    });
    timeline.span('send', read, sendStart);
    const waitStart = nowUs();
    const answer = await inbox.next('pushed', 'stop');
    timeline.span('wait', read, waitStart);
    if (answer.type === 'stop') return { kind: 'stopped', stop: answer, step: read, round };
    if (answer.round !== round || answer.params.length !== params.length) {
      throw new TrainingError(
        'ERR_TRAINING_PROTOCOL',
        `rank ${rank} pushed the gradient of its batch ${round} (${params.length} parameters) but the answer is for batch ${answer.round} with ${answer.params.length}`,
        { rank },
      );
    }
    round += 1;
    params.set(answer.params);
    read = answer.step;
    lr = answer.lr;
    await timeline.flushIfFull();
  }
  return { kind: 'done', step: read, round };
}
