/**
 * Codes of the `error` replies the coordinator sends for a well-formed message that is wrong. The connection
 * stays open and the coordinator's state is unchanged. (A stream that cannot be trusted is closed instead,
 * with a WebSocket close code: see ProtocolError.)
 */
export const REFUSALS = {
  /** a gradient for a step other than the one being reduced */
  wrongStep: 'ERR_ROUND_WRONG_STEP',
  /** a second gradient from the same rank in one round */
  duplicate: 'ERR_ROUND_DUPLICATE',
  /** a tensor whose length is not the model's parameter count */
  tensorSize: 'ERR_ROUND_TENSOR_SIZE',
  /** a gradient whose `samples` is not the size of that rank's batch in that round */
  samples: 'ERR_ROUND_SAMPLES',
  /** an evaluation for another step than the one asked for, or more correct predictions than examples */
  evaluation: 'ERR_EVALUATION_INVALID',
  /** a message naming a rank other than the connection's own */
  wrongRank: 'ERR_ROUND_WRONG_RANK',
  /** a message that is valid but not expected now (params from rank 1, a gradient before training starts, …) */
  unexpected: 'ERR_UNEXPECTED_MESSAGE',
  /** a join that asks for a rank outside the world or one already taken */
  rankUnavailable: 'ERR_RENDEZVOUS_RANK',
  /** a join after the rendezvous is complete */
  runFull: 'ERR_RENDEZVOUS_FULL',
  /** rank 0's initial parameters are unusable (empty, non-finite, or a layout that does not add up) */
  badParams: 'ERR_PARAMS_INVALID',
  /** async: a push that does not name the step of the parameters the coordinator last sent that rank */
  wrongRead: 'ERR_ASYNC_WRONG_READ',
  /** async: a second push from a rank whose previous one is not answered yet */
  busy: 'ERR_ASYNC_BUSY',
  // Codes of a `pushed` answer's `code` (a dropped gradient is not an error: the worker goes on):
  /** async: the gradient's staleness is above max_staleness */
  stale: 'ERR_ASYNC_STALE',
  /** async: the gradient or its loss is not finite (on_nonfinite: skip) */
  nonfinite: 'ERR_ASYNC_NONFINITE',
  /** async: the run reached its last step before this gradient was decided */
  runOver: 'ERR_ASYNC_RUN_OVER',
} as const;

export type RefusalCode = (typeof REFUSALS)[keyof typeof REFUSALS];
