import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { dptrain, scratch } from './processes.js';

/** What a test does to a worker process: kill it, or hang it (its socket stays open). */
export type Fault = 'SIGKILL' | 'SIGSTOP';

/** The pid of the launcher's worker with `--rank R`, read from ps. */
export function workerPid(launcher: number, rank: number): number {
  const listed = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(launcher)], { encoding: 'utf8' });
  const line = listed.split('\n').find((entry) => entry.includes(`--rank ${rank}`));
  if (line === undefined) throw new Error(`no worker with --rank ${rank} under pid ${launcher}:\n${listed}`);
  return Number(line.trim().split(/\s+/)[0]);
}

/** Resolves once the only run directory under `out` has at least `lines` lines in metrics.jsonl. */
export async function metricsReached(out: string, lines: number): Promise<void> {
  for (;;) {
    const names = existsSync(out) ? await readdir(out) : [];
    const metrics = names.length === 1 ? join(out, names[0]!, 'metrics.jsonl') : null;
    if (metrics !== null && existsSync(metrics)) {
      const text = await readFile(metrics, 'utf8');
      if (text.split('\n').filter((line) => line !== '').length >= lines) return;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Kills `pid` with SIGKILL if it still runs (a stopped worker a test left behind). */
export function reap(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/**
 * Launches `config`, sends `fault` to worker rank 1 once `atStep` steps are recorded, and waits for the launch to
 * end; `sent` is when the signal went (Date.now), `pid` the worker's.
 */
export async function faulted(config: string, fault: Fault, extra: readonly string[], atStep = 300) {
  const dir = await scratch({ 'run.yaml': config });
  const out = join(dir, 'runs');
  const child = dptrain(['launch', join(dir, 'run.yaml'), '--out', out, '--no-progress', ...extra]);
  await metricsReached(out, atStep);
  const pid = workerPid(child.process.pid!, 1);
  const sent = Date.now();
  process.kill(pid, fault);
  try {
    return { run: await child.exited, pid, sent };
  } finally {
    reap(pid);
  }
}

/** Milliseconds from `sentAt` to the coordinator's `worker lost rank=R` log line (text log format). */
export function detectionMs(stderr: string, sentAt: number, rank: number): number {
  const line = stderr.split('\n').find((entry) => entry.includes(`worker lost rank=${rank}`));
  if (line === undefined) throw new Error(`no "worker lost rank=${rank}" line in:\n${stderr}`);
  return Date.parse(line.split(' ')[0]!) - sentAt;
}

/** Prints how long the coordinator took to name worker rank 1 lost (`what` says which case); asserts a generous bound. */
export function reportDetection(what: string, stderr: string, sentAt: number): void {
  const ms = detectionMs(stderr, sentAt, 1);
  console.info(`${what}: worker rank 1 named lost after ${ms} ms`);
  expect(ms).toBeLessThan(20_000);
}
