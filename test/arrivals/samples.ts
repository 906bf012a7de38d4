import { createHash } from 'node:crypto';
import type { ArrivalEntry, ArrivalHeader } from '../../src/arrivals/index.js';
import { ARRIVAL_LOG_FORMAT, ARRIVAL_LOG_VERSION } from '../../src/arrivals/index.js';

/** A digest of the right form that stands for some gradient or parameters. */
export function fakeDigest(label: string): string {
  return `sha256:${createHash('sha256').update(label).digest('hex')}`;
}

export const HEADER: ArrivalHeader = {
  format: ARRIVAL_LOG_FORMAT,
  version: ARRIVAL_LOG_VERSION,
  backend: 'wasm',
  build: { simd: true, threads: null },
  threadCount: null,
  workers: 2,
  task: 'synthetic',
  seed: 7,
  paramsDigest0: fakeDigest('params0'),
};

/** Five decisions by two ranks, one dropped as too stale; LRs and scales that have no short decimal form. */
export function sampleEntries(): ArrivalEntry[] {
  const rows: [number, number, number, boolean][] = [
    // rank, read, position, applied
    [0, 0, 0, true],
    [1, 0, 0, true],
    [0, 1, 1, true],
    [1, 0, 1, false],
    [1, 3, 2, true],
  ];
  return rows.map(([rank, read, position, applied], i) => ({
    i,
    step: i,
    rank,
    read,
    epoch: 0,
    position,
    tau: i - read,
    scale: 1 / (1 + i - read) / 7,
    lr: 0.1 / (3 + i),
    applied,
    code: applied ? null : 'stale',
    grad: fakeDigest(`grad ${i}`),
  }));
}
