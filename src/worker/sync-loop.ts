import { TrainingError } from '../errors.js';
import type { Optimizer } from '../optim/index.js';
import { type MessageOf, nowUs, parameterDigest } from '../protocol/index.js';
import type { LoopOptions } from './loop-options.js';

export interface SyncLoopOptions extends LoopOptions {
  /** where training starts: the welcome's global step and batch */
  readonly step: number;
  readonly round: number;
  readonly optimizer: Optimizer;
  /**
   * answers the coordinator's `evaluate` (`eval_every`), which comes between an update and the next: this worker's
   * parameters are then those of the step asked for; absent, such a request fails the loop
   */
  readonly evaluate?: (request: MessageOf<'evaluate'>) => Promise<void>;
}

/** How the loop ended: the coordinator's `stop`, or the last step applied. */
export type SyncLoopEnd =
  | {
      readonly kind: 'stopped';
      readonly stop: MessageOf<'stop'>;
      readonly step: number;
      readonly round: number;
    }
  | { readonly kind: 'done'; readonly step: number; readonly round: number };

/**
 * A worker's side of synchronous training: for every round, the gradient of its batch goes to the coordinator;
 * the averaged update comes back with the global step and the LR, which the worker applies with its own
 * optimizer (it keeps no schedule); then it reports the LR it used and a digest of its parameters. The report of
 * step t goes out after the gradient of step t+1, so hashing the parameters is off the critical path, and so is
 * gathering the batch of the next round, which happens before the update is awaited.
 *
 * @example
 * const end = await syncLoop({ connection, inbox, rank, step: 0, round: 0, totalSteps, params, optimizer, loop, timeline, faults, slowdown });
 */
export async function syncLoop(options: SyncLoopOptions): Promise<SyncLoopEnd> {
  const { connection, inbox, rank, params, optimizer, loop, timeline, faults, slowdown } = options;
  let totalSteps = options.totalSteps;
  let step = options.step;
  let round = options.round;
  let report: { step: number; lr: number } | null = null;
  const sendReport = async () => {
    if (report !== null && !faults.skipsReport(report.step)) {
      const digest = parameterDigest(params);
      await connection.send({ type: 'applied', rank, step: report.step, lr: report.lr, digest });
      await timeline.flushIfFull();
    }
    report = null;
  };
  while (step < totalSteps) {
    if (faults.stalls(step)) {
      await sendReport();
      const stop = await inbox.next('stop');
      return { kind: 'stopped', stop, step, round };
    }
    const computeStart = nowUs();
    const { loss, grad, samples } = loop.gradient(round);
    if (faults.poisons(step)) grad.fill(Number.NaN);
    const computeMs = (nowUs() - computeStart) / 1000;
    timeline.span('compute', step, computeStart);
    await slowdown.after(computeMs);
    const sendStart = nowUs();
    await connection.send({ type: 'gradient', rank, step, round, loss, samples, computeMs, grad });
    timeline.span('send', step, sendStart);
    await sendReport();
    // The next batch is known before the update comes (a world change in it discards this): gather it while waiting.
    if (step + 1 < totalSteps) loop.prefetch(round + 1);
    const waitStart = nowUs();
    let reply = await inbox.next(
      'update',
      'stop',
      ...(options.evaluate === undefined ? [] : ['evaluate' as const]),
    );
    // The next gradient is on its way; the parameters are still the step's, which is what is evaluated.
    while (reply.type === 'evaluate') {
      if (reply.step !== step || reply.params !== null) {
        throw new TrainingError(
          'ERR_TRAINING_PROTOCOL',
          `rank ${rank} holds the parameters of step ${step} but was asked to evaluate step ${reply.step}${reply.params === null ? '' : ' with parameters of its own'}`,
          { rank },
        );
      }
      await options.evaluate!(reply);
      reply = await inbox.next('update', 'stop', 'evaluate');
    }
    timeline.span('wait', step, waitStart);
    if (reply.type === 'stop') return { kind: 'stopped', stop: reply, step, round };
    if (reply.step !== step || reply.round !== round) {
      throw new TrainingError(
        'ERR_TRAINING_PROTOCOL',
        `rank ${rank} is at step ${step} (batch ${round}) but the update is for step ${reply.step} (batch ${reply.round})`,
        { rank },
      );
    }
    round += 1;
    if (reply.world !== null) {
      const world = reply.world as { members: number[]; unfinished: number[]; totalSteps?: number };
      loop.resize(round, world.members, world.unfinished);
      // A run given in epochs lasts longer with fewer ranks: the coordinator says how long.
      if (world.totalSteps !== undefined) totalSteps = world.totalSteps;
    }
    if (reply.skipped || reply.grad === null) continue;
    const applyStart = nowUs();
    const lr = faults.appliedLr(step, reply.lr);
    optimizer.step(params, reply.grad, lr);
    timeline.span('apply', step, applyStart);
    report = { step, lr: faults.reportedLr(step, lr, reply.lr) };
    step += 1;
  }
  await sendReport();
  return { kind: 'done', step, round };
}
