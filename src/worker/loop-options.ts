import type { Connection } from '../transport/index.js';
import type { Faults } from './faults.js';
import type { Inbox } from './inbox.js';
import type { RoundLoop } from './round-loop.js';
import type { Slowdown } from './slowdown.js';
import type { Timeline } from './timeline.js';

/** What every mode's worker loop trains with; each loop adds where it starts. */
export interface LoopOptions {
  readonly connection: Connection;
  readonly inbox: Inbox;
  readonly rank: number;
  readonly totalSteps: number;
  /** the worker's parameters: updated by sync's optimizer, replaced by async's answers */
  readonly params: Float32Array;
  readonly loop: RoundLoop;
  readonly timeline: Timeline;
  readonly faults: Faults;
  readonly slowdown: Slowdown;
}
