import { type MessageOf, type Span, TRACE_MAX_STEPS, unpackSpans } from '../protocol/index.js';
import type { ProcessGroup } from './group.js';

/** A process on the timeline. */
export interface TraceProcess {
  readonly pid: number;
  readonly name: string;
  /** order in the viewer: the coordinator first, then workers by rank */
  readonly order: number;
}

/** One event of the Chrome trace event format (what Perfetto and chrome://tracing open). */
export interface TraceEvent {
  readonly name: string;
  readonly ph: 'X' | 'M';
  readonly pid: number;
  readonly tid: number;
  readonly ts?: number;
  readonly dur?: number;
  readonly cat?: string;
  readonly args?: Readonly<Record<string, unknown>>;
}

/** Spans kept per process: a handful per step for the first TRACE_MAX_STEPS steps; more is refused. */
export const TRACE_MAX_SPANS_PER_PROCESS = TRACE_MAX_STEPS * 8;

/**
 * Collects the run's timeline: the coordinator's receive / reduce / apply / broadcast spans and every worker's
 * compute / send / wait / apply spans, per step, as Chrome trace events (one process row each). Workers send
 * theirs in batches and a last one marked `final` when the run stops; what a worker may add is bounded.
 *
 * @example
 * const trace = new TraceCollector(); trace.add({ pid: process.pid, name: 'coordinator', order: 0 }, spans); JSON.stringify(trace.toJSON());
 */
export class TraceCollector {
  private readonly processes = new Map<number, TraceProcess>();
  private readonly counts = new Map<number, number>();
  private readonly events: TraceEvent[] = [];
  private readonly finals = new Set<number>();
  private wake: (() => void) | undefined;

  add(process: TraceProcess, spans: readonly Span[]): void {
    this.processes.set(process.pid, process);
    const cat = process.order === 0 ? 'coordinator' : 'worker';
    for (const span of spans) {
      this.events.push({
        name: span.name,
        cat,
        ph: 'X',
        pid: process.pid,
        tid: 0,
        ts: Math.round(span.startUs),
        dur: Math.max(0, Math.round(span.durationUs)),
        args: { step: span.step },
      });
    }
  }

  /** Takes a worker's `trace` message; returns why it is refused (nothing is kept then), else null. */
  offer(rank: number, process: TraceProcess, message: MessageOf<'trace'>): string | null {
    if (message.rank !== rank) return `trace names rank ${message.rank} but this connection is rank ${rank}`;
    if (this.finals.has(rank)) return `rank ${rank} already sent its final trace`;
    const spans = unpackSpans(message.spans);
    if (spans === null) return `rank ${rank}'s trace message is not a packed span list`;
    if (spans.some((s) => s.step >= TRACE_MAX_STEPS || s.durationUs < 0)) {
      return `rank ${rank}'s trace holds spans past step ${TRACE_MAX_STEPS} or of negative duration`;
    }
    const count = (this.counts.get(rank) ?? 0) + spans.length;
    if (count > TRACE_MAX_SPANS_PER_PROCESS) {
      return `rank ${rank} sent more than ${TRACE_MAX_SPANS_PER_PROCESS} trace spans`;
    }
    this.counts.set(rank, count);
    this.add(process, spans);
    if (message.final) this.finals.add(rank);
    this.wake?.();
    return null;
  }

  /**
   * Resolves once every member whose connection is open has sent its final trace (a member that closes
   * counts as done at once), or after `timeoutMs`.
   */
  settled(group: ProcessGroup, timeoutMs: number): Promise<void> {
    const done = () => group.members.every((m) => this.finals.has(m.rank) || !group.isOpen(m.rank));
    if (done()) return Promise.resolve();
    return new Promise((resolve) => {
      const finish = () => {
        if (!done()) return;
        clearTimeout(timer);
        unsubscribe();
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(() => {
        unsubscribe();
        this.wake = undefined;
        resolve();
      }, timeoutMs);
      const unsubscribe = group.onClose(finish);
      this.wake = finish;
    });
  }

  /** The trace file's content: `{ traceEvents, displayTimeUnit }`. */
  toJSON(): { traceEvents: TraceEvent[]; displayTimeUnit: 'ms' } {
    const metadata = [...this.processes.values()].flatMap((p): TraceEvent[] => [
      { name: 'process_name', ph: 'M', pid: p.pid, tid: 0, args: { name: p.name } },
      { name: 'process_sort_index', ph: 'M', pid: p.pid, tid: 0, args: { sort_index: p.order } },
    ]);
    return { traceEvents: [...metadata, ...this.events], displayTimeUnit: 'ms' };
  }
}
