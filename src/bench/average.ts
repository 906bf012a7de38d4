import { SyncRound } from '../coordinator/index.js';
import { BenchError } from '../errors.js';
import type { GradientMessage, UpdateMessage } from '../protocol/index.js';

/**
 * The reducer's step of one benchmark round, through the coordinator's own `SyncRound`: offers each rank's
 * gradient (refusing a wrong rank, step or size), sums them in rank order, divides by their number into
 * `into` and returns the `update` message that carries `into` to every worker. `gradients[r]` is rank r's.
 *
 * @example
 * const update = averageGradients(3, [g0, g1], new Float32Array(g0.grad.length)); // update.grad[i] = (g0.grad[i] + g1.grad[i]) / 2
 */
export function averageGradients(
  step: number,
  gradients: readonly (GradientMessage | undefined)[],
  into: Float32Array,
): UpdateMessage {
  const round = new SyncRound({ step, round: step, worldSize: gradients.length, size: into.length });
  for (const [rank, gradient] of gradients.entries()) {
    if (gradient === undefined) {
      throw new BenchError('ERR_BENCH_PROTOCOL', `rank ${rank} sent no gradient for step ${step}`, { rank });
    }
    const refusal = round.offer(rank, gradient);
    if (refusal !== null) throw new BenchError('ERR_BENCH_PROTOCOL', refusal.message, { rank });
  }
  round.reduce(into);
  return { type: 'update', step, epoch: 0, lr: 0, round: step, skipped: false, world: null, grad: into };
}
