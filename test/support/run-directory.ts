import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
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

/**
 * Reads the directory of a run that ended early (failed or stopped) and checks that it is complete: every file,
 * steps = the lines of metrics.jsonl numbered from 0, params.f32 whose SHA-256 (computed here) is the summary's
 * paramsDigest, a consistency.json with the schedule's LR of each of those steps, pictures and a trace.
 */
export async function readEarlyEnd(dir: string): Promise<RunRecord> {
  const files = await readdir(dir);
  for (const name of [
    'config.yaml',
    'metrics.jsonl',
    'summary.json',
    'params.f32',
    'consistency.json',
    'trace.json',
    'loss.png',
    'loss.svg',
    'lr.png',
    'lr.svg',
  ]) {
    expect(files).toContain(name);
  }
  const record = await readRunDirectory(dir);
  const { summary, metrics } = record;
  expect(summary.paramsDigest).toBe(record.paramsSha256);
  expect(metrics).toHaveLength(summary.steps);
  expect(metrics.map((m) => m.step)).toEqual(metrics.map((_, i) => i));
  expect(summary.finalLoss).toBe(metrics.at(-1)?.loss ?? null);
  expect(record.consistency.scheduleLrs).toEqual(metrics.map((m) => m.lr));
  expect(summary.consistency.steps).toBe(summary.steps);
  for (const picture of ['loss.png', 'lr.png']) {
    const png = await readFile(join(dir, picture));
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
  }
  const trace = JSON.parse(await readFile(join(dir, 'trace.json'), 'utf8'));
  expect(trace.traceEvents.length).toBeGreaterThan(0);
  return record;
}
