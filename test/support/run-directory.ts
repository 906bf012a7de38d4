import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunSummary } from '../../src/run-directory/index.js';

/** summary.json, as a test reads it (the shape the run directory documents). */
export type SummaryJson = RunSummary;

export interface MismatchJson {
  rank: number;
  step: number;
  expectedLr: number;
  appliedLr: number;
  expectedDigest: string;
  digest: string;
}

export interface ConsistencyJson {
  readonly mismatches: MismatchJson[];
  readonly missing: { rank: number; step: number }[];
  readonly scheduleLrs: number[];
  readonly appliedLrs: (number | null)[][];
}

export interface MetricLine {
  step: number;
  epoch: number;
  round: number;
  lr: number;
  loss: number;
  samples: number;
  samplesPerSec: number;
  roundMs: number;
  reduceMs: number;
  computeMs: number[];
}

/** What a finished run directory holds, read back. */
export interface RunRecord {
  readonly summary: SummaryJson;
  readonly consistency: ConsistencyJson;
  readonly metrics: MetricLine[];
  readonly params: Float32Array;
  /** sha256 of params.f32, computed here */
  readonly paramsSha256: string;
}

export async function readRunDirectory(dir: string): Promise<RunRecord> {
  const bytes = await readFile(join(dir, 'params.f32'));
  const metricsText = (await readFile(join(dir, 'metrics.jsonl'), 'utf8')).trim();
  return {
    summary: JSON.parse(await readFile(join(dir, 'summary.json'), 'utf8')),
    consistency: JSON.parse(await readFile(join(dir, 'consistency.json'), 'utf8')),
    metrics: metricsText === '' ? [] : metricsText.split('\n').map((line) => JSON.parse(line)),
    params: new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4),
    paramsSha256: `sha256:${createHash('sha256').update(bytes).digest('hex')}`,
  };
}

/** summary.json alone (a run that failed before it started has nothing else). */
export async function readSummary(dir: string): Promise<SummaryJson> {
  return JSON.parse(await readFile(join(dir, 'summary.json'), 'utf8'));
}
