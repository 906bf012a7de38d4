import type { Span } from '../protocol/index.js';

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

/**
 * Collects the run's timeline: the coordinator's receive / reduce / broadcast spans and every worker's compute /
 * send / wait / apply spans, per step, as Chrome trace events (one process row each).
 *
 * @example
 * const trace = new TraceRecorder(); trace.add({ pid: process.pid, name: 'coordinator', order: 0 }, spans); JSON.stringify(trace.toJSON());
 */
export class TraceRecorder {
  private readonly processes = new Map<number, TraceProcess>();
  private readonly events: TraceEvent[] = [];

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

  /** The trace file's content: `{ traceEvents, displayTimeUnit }`. */
  toJSON(): { traceEvents: TraceEvent[]; displayTimeUnit: 'ms' } {
    const metadata = [...this.processes.values()].flatMap((p): TraceEvent[] => [
      { name: 'process_name', ph: 'M', pid: p.pid, tid: 0, args: { name: p.name } },
      { name: 'process_sort_index', ph: 'M', pid: p.pid, tid: 0, args: { sort_index: p.order } },
    ]);
    return { traceEvents: [...metadata, ...this.events], displayTimeUnit: 'ms' };
  }
}
