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
 * parameters for the next one. The answer names the next batch: the rank's own, or (under shrink) a lost rank's.
 * The worker applies nothing and keeps no schedule: the parameter server does both.
 *
 * @example
 * const end = await asyncLoop({ connection, inbox, rank, step: 0, lr, round: 0, totalSteps, params, loop, timeline, faults, slowdown });
 */
export async function asyncLoop(options: AsyncLoopOptions): Promise<AsyncLoopEnd> {
  const { connection, inbox, rank, totalSteps, params, loop, timeline, faults, slowdown } = options;
  let read = options.step;
  let lr = options.lr;
  /** this rank's own next batch, and the batch it computes next (of `shard`'s shard) */
  let own = options.round;
  let shard = rank;
  let round = own;
  while (read < totalSteps) {
    if (faults.stalls(read)) {
      const stop = await inbox.next('stop');
      return { kind: 'stopped', stop, step: read, round: own };
    }
    const computeStart = nowUs();
    const { loss, grad, samples } = loop.gradient(round, shard);
    if (faults.poisons(read)) grad.fill(Number.NaN);
    const computeMs = (nowUs() - computeStart) / 1000;
    timeline.span('compute', read, computeStart);
    await slowdown.after(computeMs);
    const sendStart = nowUs();
    await connection.send({
      type: 'push',
      rank,
      shard,
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
    if (answer.type === 'stop') return { kind: 'stopped', stop: answer, step: read, round: own };
    if (shard === rank) own += 1;
    // Once the run is over nothing is handed out (a gradient that came late used up no batch): nothing to check.
    const over = answer.step >= totalSteps;
    if (
      answer.round !== round ||
      answer.params.length !== params.length ||
      (!over && answer.nextShard === rank && answer.nextRound !== own)
    ) {
      throw new TrainingError(
        'ERR_TRAINING_PROTOCOL',
        `rank ${rank} pushed the gradient of batch ${round} (${params.length} parameters) and its next own batch is ${own}, ` +
          `but the answer is for batch ${answer.round} with ${answer.params.length} and hands it batch ${answer.nextRound} of rank ${answer.nextShard}`,
        { rank },
      );
    }
    shard = answer.nextShard;
    round = answer.nextRound;
    params.set(answer.params);
    read = answer.step;
    lr = answer.lr;
    await timeline.flushIfFull();
  }
  return { kind: 'done', step: read, round: own };
}
