/**
 * Async mode with real processes on the synthetic task: a coordinator, three workers (rank 2 twice as slow),
 * the arrival log, and `dptrain replay` re-executing the run in one process to the same digest. The replay is an
 * independent check of the live run only because it recomputes every gradient from the task and the logged
 * batches (it shares the parameter server's arithmetic, which the scripted tests check against hand values).
 */
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { dptrain, type Exited, listeningUrl, scratch } from '../support/processes.js';
import { type RunRecord, readRunDirectory } from '../support/run-directory.js';

const TOKEN = 'async-process-token';
const WORKERS = 3;
const STEPS = 90;

interface Live {
  readonly runDir: string;
  readonly record: RunRecord;
  readonly exits: Exited[];
}

async function liveRun(): Promise<Live> {
  const config = [
    'task: synthetic',
    'mode: async',
    `workers: ${WORKERS}`,
    `steps: ${STEPS}`,
    'batch_size: 16',
    'seed: 5',
    'data_limit: 288',
    'optimizer: { name: Momentum, momentum: 0.9 }',
    'lr: { name: StepDecay, learning_rate: 0.2, step_size: 30, gamma: 0.5 }',
    'async: { max_staleness: 8, lr_scale: inverse }',
    'simulate: { slow: { 2: 2.0 } }',
    'join_timeout: 60',
  ].join('\n');
  const dir = await scratch({ 'run.yaml': config });
  const runDir = join(dir, 'run');
  const env = { DPTRAIN_TOKEN: TOKEN };
  const coordinator = dptrain(['coordinator', join(dir, 'run.yaml'), '--run-dir', runDir], env);
  const url = await listeningUrl(coordinator);
  const workers = Array.from({ length: WORKERS }, (_, rank) =>
    dptrain(['worker', '--connect', url, '--rank', String(rank), '--backend', 'wasm'], env),
  );
  const exits = await Promise.all([coordinator.exited, ...workers.map((w) => w.exited)]);
  for (const exit of exits) {
    if (exit.code !== 0) throw new Error(`a process exited ${exit.code}: ${exit.stderr}`);
  }
  return { runDir, record: await readRunDirectory(runDir), exits };
}

describe('async mode with real processes', () => {
  let live: Live;
  beforeAll(async () => {
    live = await liveRun();
  }, 120_000);

  it('trains through the parameter server: stale gradients scaled, the slow rank mostly applied, LRs consistent', () => {
    const { summary, metrics } = live.record;
    expect(summary).toMatchObject({
      mode: 'async',
      outcome: 'finished',
      steps: STEPS,
      replicasIdentical: null,
    });
    expect(summary.lrConsistency.consistent).toBe(true);
    expect(summary.policy).toEqual({ maxStaleness: 8, sspBound: null, lrScale: 'inverse', dcLambda: 0 });
    const staleness = summary.staleness!;
    expect(Object.keys(staleness.histogram).some((tau) => Number(tau) > 0)).toBe(true);
    expect(staleness.max).toBeLessThanOrEqual(8);
    const slow = summary.perWorker!.find((w) => w.rank === 2)!;
    expect(slow.applied).toBeGreaterThan(slow.dropped);
    // One metrics line per applied update; its LR is the schedule's (0.2 halved every 30 steps) over max(τ, 1).
    expect(metrics.map((m) => m.step)).toEqual(Array.from({ length: STEPS }, (_, i) => i));
    for (const m of metrics as unknown as { step: number; lr: number; tau: number; scale: number }[]) {
      const scheduled = 0.2 * 0.5 ** Math.floor(m.step / 30);
      expect(m.lr).toBe(m.tau >= 1 ? scheduled / m.tau : scheduled);
    }
    // It learns: the mean loss of the last 15 updates is well below that of the first 15.
    const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const losses = metrics.map((m) => m.loss);
    expect(mean(losses.slice(-15))).toBeLessThan(0.7 * mean(losses.slice(0, 15)));
    expect(summary.evalAccuracy).toBeGreaterThan(0.5);
  });

  it('replays the run bit for bit in one process', async () => {
    const replay = dptrain(['replay', live.runDir]);
    const exit = await replay.exited;
    expect(exit.stderr).toBe('');
    expect(exit.code).toBe(0);
    expect(exit.stdout).toContain(`paramsDigest: ${live.record.summary.paramsDigest}`);
    expect(live.record.summary.paramsDigest).toBe(live.record.paramsSha256);
  });

  it('catches a tampered entry (a dropped gradient made applied, or the reverse) and exits 3 naming it', async () => {
    const copy = `${live.runDir}-tampered`;
    await cp(live.runDir, copy, { recursive: true });
    const path = join(copy, 'arrivals.jsonl');
    const lines = (await readFile(path, 'utf8')).split('\n');
    const line = 10;
    const entry = JSON.parse(lines[line]!) as { applied: boolean };
    entry.applied = !entry.applied;
    lines[line] = JSON.stringify(entry);
    await writeFile(path, lines.join('\n'));
    const exit = await dptrain(['replay', copy]).exited;
    expect(exit.code).toBe(3);
    expect(exit.stderr).toMatch(/line 11/);
  });
});
