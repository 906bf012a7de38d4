/** One timeline span: a named phase of one global step, in µs since the Unix epoch. */
export interface Span {
  readonly name: string;
  readonly step: number;
  readonly startUs: number;
  readonly durationUs: number;
}

/** Timelines keep the spans of the first this-many global steps: a longer trace would not open in a viewer anyway. */
export const TRACE_MAX_STEPS = 10_000;

/** The wall clock in µs since the Unix epoch, with sub-ms precision (the same clock in every process of a machine). */
export function nowUs(): number {
  return (performance.timeOrigin + performance.now()) * 1000;
}

/**
 * Packs spans for a `trace` message: `{ names, data }` with four numbers per span (name index, step, start, duration).
 *
 * @example
 * packSpans([{ name: 'compute', step: 0, startUs: 1e15, durationUs: 2000 }]); // { names: ['compute'], data: [0, 0, 1e15, 2000] }
 */
export function packSpans(spans: readonly Span[]): { names: string[]; data: number[] } {
  const names: string[] = [];
  const data: number[] = [];
  for (const span of spans) {
    let index = names.indexOf(span.name);
    if (index < 0) index = names.push(span.name) - 1;
    data.push(index, span.step, span.startUs, span.durationUs);
  }
  return { names, data };
}

/** Reads what packSpans wrote; returns null when the record is not such a pack. */
export function unpackSpans(record: Readonly<Record<string, unknown>>): Span[] | null {
  const { names, data } = record;
  if (!Array.isArray(names) || !Array.isArray(data) || data.length % 4 !== 0) return null;
  if (
    !names.every((n) => typeof n === 'string') ||
    !data.every((x) => typeof x === 'number' && Number.isFinite(x))
  ) {
    return null;
  }
  const spans: Span[] = [];
  for (let i = 0; i < data.length; i += 4) {
    const name = names[data[i] as number];
    if (typeof name !== 'string') return null;
    spans.push({
      name,
      step: data[i + 1] as number,
      startUs: data[i + 2] as number,
      durationUs: data[i + 3] as number,
    });
  }
  return spans;
}
