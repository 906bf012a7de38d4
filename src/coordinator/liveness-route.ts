import type { MessageOf } from '../protocol/index.js';
import type { Connection } from '../transport/index.js';

/**
 * Causes of refused liveness connections. They are strangers' refusals (the connection proved only that it knows
 * the token), logged rate-limited under these names and closed with 1008.
 */
export const LIVENESS_CAUSES = {
  /** no member holds the rank (outside the world, or the rendezvous is not complete) */
  rank: 'liveness_rank',
  /** the member holding the rank is another process */
  pid: 'liveness_pid',
  /** the member already has an open liveness connection */
  duplicate: 'liveness_duplicate',
  /** the run is ending */
  ended: 'liveness_ended',
} as const;

/** Why a liveness connection was refused: the cause it is logged under and the close reason. */
export interface LivenessRefusal {
  readonly cause: (typeof LIVENESS_CAUSES)[keyof typeof LIVENESS_CAUSES];
  readonly message: string;
}

/**
 * Where a liveness connection whose `liveness` message passed the protocol and token checks goes: attached to the
 * member it names (null), or refused. The process group is the route once it exists.
 */
export type LivenessRoute = (hello: MessageOf<'liveness'>, connection: Connection) => LivenessRefusal | null;

/**
 * Whether the liveness connection that sent `hello` may attach to `member`, the member that holds `hello.rank` now
 * (undefined when none does). `heldBy` is the pid of the process whose liveness connection is open at that rank
 * (null when none): a second one from the same process is refused, while one left by a previous process of the
 * rank (lost and replaced) gives way to the current member's.
 *
 * @example
 * livenessRefusal({ type: 'liveness', protocol: 3, token, rank: 1, pid: 42 }, { pid: 42 }, null); // null: attach
 */
export function livenessRefusal(
  hello: MessageOf<'liveness'>,
  member: { readonly pid: number } | undefined,
  heldBy: number | null,
): LivenessRefusal | null {
  if (member === undefined) {
    return {
      cause: LIVENESS_CAUSES.rank,
      message: `liveness for rank ${hello.rank}: no member holds that rank`,
    };
  }
  if (member.pid !== hello.pid) {
    return {
      cause: LIVENESS_CAUSES.pid,
      message: `liveness for rank ${hello.rank} from pid ${hello.pid}: the member holding it is pid ${member.pid}`,
    };
  }
  if (heldBy === hello.pid) {
    return {
      cause: LIVENESS_CAUSES.duplicate,
      message: `liveness for rank ${hello.rank}: pid ${hello.pid} already has a liveness connection`,
    };
  }
  return null;
}
