import { nowUs, packSpans, type Span, TRACE_MAX_STEPS } from '../protocol/index.js';
import type { Connection } from '../transport/index.js';

/** Spans are sent to the coordinator in batches of this many (and the rest when the run stops). */
export const TIMELINE_BATCH = 1000;

/**
 * A worker's side of trace.json: the compute / send / wait / apply spans of its first TRACE_MAX_STEPS steps,
 * sent to the coordinator in batches and once more, marked final, when the run stops.
 *
 * @example
 * const timeline = new Timeline(connection, rank); const start = nowUs(); … timeline.span('compute', step, start);
 */
export class Timeline {
  private spans: Span[] = [];

  constructor(
    private readonly connection: Connection,
    private readonly rank: number,
  ) {}

  span(name: string, step: number, startUs: number): void {
    if (step < TRACE_MAX_STEPS) this.spans.push({ name, step, startUs, durationUs: nowUs() - startUs });
  }

  /** Sends a batch when enough spans are waiting. */
  async flushIfFull(): Promise<void> {
    if (this.spans.length >= TIMELINE_BATCH) await this.flush(false);
  }

  /** Sends what is buffered; `final` on the last batch. A closed connection loses the spans, not the run. */
  async flush(final: boolean): Promise<void> {
    const spans = this.spans;
    this.spans = [];
    await this.connection
      .send({ type: 'trace', rank: this.rank, final, spans: packSpans(spans) })
      .catch(() => {});
  }
}
