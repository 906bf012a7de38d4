import { SchedulerError } from '../errors.js';
import { encodeNumber, type FullStateReader } from './full-state.js';
import { pyLog, pyMod } from './python-math.js';
import type { StateValue } from './scheduler.js';

/** Where SGDR stands: the epoch reached, the position in the current cycle and the cycle's length. */
export interface RestartPosition {
  readonly epoch: number;
  readonly tCur: number;
  readonly tI: number;
}

/**
 * One step of CosineAnnealingWarmRestarts, the same code in Paddle and PyTorch: a plain step moves one epoch along
 * the cycle (restarting once when it ends); an explicit epoch (may be fractional) is placed in its cycle, with
 * Python's `int(math.log(v, T_mult))` deciding the cycle at `T_mult ** k` boundaries.
 *
 * @example
 * advanceWarmRestarts('CosineAnnealingWarmRestarts', { lastEpoch: 9, tCur: 9, tI: 10 }, undefined, 10, 1); // { epoch: 10, tCur: 0, tI: 10 }
 */
export function advanceWarmRestarts(
  className: string,
  current: { readonly lastEpoch: number; readonly tCur: number; readonly tI: number },
  epoch: number | undefined,
  t0: number,
  tMult: number,
): RestartPosition {
  if (epoch === undefined && current.lastEpoch >= 0) {
    let tCur = current.tCur + 1;
    let tI = current.tI;
    if (tCur >= tI) {
      tCur = tCur - tI;
      tI = tI * tMult;
    }
    return { epoch: current.lastEpoch + 1, tCur, tI };
  }
  const target = epoch ?? 0;
  if (target < 0) {
    throw new SchedulerError(
      'ERR_LR_STEP',
      'ValueError',
      `${className}: epoch must be >= 0, received ${target}`,
    );
  }
  if (target < t0) return { epoch: target, tCur: target, tI: t0 };
  if (tMult === 1) return { epoch: target, tCur: pyMod(target, t0), tI: current.tI };
  const n = Math.trunc(pyLog((target / t0) * (tMult - 1) + 1, tMult));
  return { epoch: target, tCur: target - (t0 * (tMult ** n - 1)) / (tMult - 1), tI: t0 * tMult ** n };
}

/**
 * The cycle position for a full state, in Paddle's and torch's CosineAnnealingWarmRestarts alike: what Paddle's
 * state dict loses (without it a restored instance restarts its cycle).
 *
 * @example
 * cycleFullState({ tCur: 3, tI: 10 }); // { T_cur: 3, T_i: 10 }
 */
export function cycleFullState(cycle: {
  readonly tCur: number;
  readonly tI: number;
}): Record<string, StateValue> {
  return { T_cur: encodeNumber(cycle.tCur), T_i: encodeNumber(cycle.tI) };
}

/** Reads what `cycleFullState` wrote; the reader refuses a missing or mistyped key. */
export function readCycleFullState(reader: FullStateReader): { tCur: number; tI: number } {
  return { tCur: reader.number('T_cur'), tI: reader.number('T_i') };
}
