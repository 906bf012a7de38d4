import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dptrain, runDirectoryOf, scratch } from '../support/processes.js';
import { type RunRecord, readEarlyEnd, readRunDirectory } from '../support/run-directory.js';

const QUICK = [
  'task: synthetic',
  'workers: 2',
  'steps: 40',
  'batch_size: 32',
  'optimizer: { name: SGD }',
  'lr: { name: StepDecay, learning_rate: 0.3, step_size: 10 }',
];

async function checkRunDirectory(dir: string, workers: number): Promise<RunRecord> {
  const files = await readdir(dir);
  for (const name of [
    'config.yaml',
    'metrics.jsonl',
    'summary.json',
    'trace.json',
    'loss.png',
    'lr.png',
    'loss.svg',
    'lr.svg',
  ]) {
    expect(files).toContain(name);
  }
  const record = await readRunDirectory(dir);
  const summary = record.summary;
  expect(summary).toMatchObject({
    mode: 'sync',
    outcome: 'finished',
    failure: null,
    exitCode: 0,
    workers,
    replicasIdentical: true,
    consistency: { lrMismatches: 0, digestMismatches: 0, missingReports: 0, consistent: true },
  });
  expect(summary.consistency.checkedSteps).toBe(summary.steps);
  expect(summary.consistency.steps).toBe(summary.steps);
  expect(summary.paramsDigest).toBe(record.paramsSha256);
  expect(summary.trainSeconds).toBeGreaterThan(0);
  expect(summary.wallSeconds).toBeGreaterThanOrEqual(summary.trainSeconds);
  // samplesPerSec is the examples over the training time; trainSeconds is shown to 0.01 s.
  expect(summary.samplesPerSec).toBeGreaterThanOrEqual(
    Math.floor(summary.samples / (summary.trainSeconds + 0.005)),
  );
  expect(summary.samplesPerSec).toBeLessThanOrEqual(
    Math.ceil(summary.samples / (summary.trainSeconds - 0.005)),
  );
  const metrics = record.metrics;
  expect(metrics).toHaveLength(summary.steps);
  expect(metrics.reduce((sum, m) => sum + m.samples, 0)).toBe(summary.samples);
  expect(summary.finalLoss).toBe(metrics.at(-1)!.loss);
  expect(metrics.map((m) => m.step)).toEqual(metrics.map((_, i) => i));
  for (const m of metrics) {
    expect(m.computeMs).toHaveLength(workers);
  }
  const trace = JSON.parse(await readFile(join(dir, 'trace.json'), 'utf8'));
  expect(Array.isArray(trace.traceEvents)).toBe(true);
  for (const event of trace.traceEvents) {
    expect(typeof event.name).toBe('string');
    expect(['X', 'M']).toContain(event.ph);
    expect(Number.isInteger(event.pid)).toBe(true);
    if (event.ph === 'X') {
      expect(event.ts).toBeGreaterThan(1.7e15);
      expect(event.dur).toBeGreaterThanOrEqual(0);
    }
  }
  const names = new Map<number, string>(
    trace.traceEvents
      .filter((e: { name: string }) => e.name === 'process_name')
      .map((e: { pid: number; args: { name: string } }) => [e.pid, e.args.name]),
  );
  expect(names.size).toBe(workers + 1);
  const spans = trace.traceEvents.filter((e: { ph: string }) => e.ph === 'X');
  const byProcess = (pid: number) =>
    new Set(spans.filter((e: { pid: number }) => e.pid === pid).map((e: { name: string }) => e.name));
  for (const [pid, name] of names) {
    const expected =
      name === 'coordinator' ? ['receive', 'reduce', 'broadcast'] : ['compute', 'send', 'wait'];
    expect([...byProcess(pid)]).toEqual(expect.arrayContaining(expected));
  }
  const png = await readFile(join(dir, 'loss.png'));
  expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
  return record;
}

describe('dptrain launch', () => {
  it('runs the synthetic task end to end and leaves a complete run directory', async () => {
    const dir = await scratch({ 'run.yaml': QUICK.join('\n') });
    const run = await dptrain([
      'launch',
      join(dir, 'run.yaml'),
      '--out',
      join(dir, 'runs'),
      '--backend',
      'cpu',
    ]).exited;
    expect(run.code).toBe(0);
    const { summary, metrics, consistency } = await checkRunDirectory(runDirectoryOf(run.stdout), 2);
    expect(run.stderr.match(/backend selected backend=\w+/g)).toEqual([
      'backend selected backend=cpu',
      'backend selected backend=cpu',
    ]);
    expect(summary.backend).toBe('cpu');
    // 2048 examples, 2 ranks of 1024, batches of 32: 32 steps an epoch, every batch full.
    expect(summary).toMatchObject({
      steps: 40,
      totalSteps: 40,
      epochs: 1.25,
      skippedSteps: 0,
      samples: 40 * 64,
      stopped: null,
    });
    // StepDecay(0.3, step_size 10, gamma 0.1), Paddle's closed form: 0.3 * 0.1 ** floor(t / 10).
    const lrs = Array.from({ length: 40 }, (_, t) => 0.3 * 0.1 ** Math.floor(t / 10));
    expect(metrics.map((m) => m.lr)).toEqual(lrs);
    expect(consistency.scheduleLrs).toEqual(lrs);
    expect(metrics.map((m) => [m.step, m.round, m.epoch, m.samples])).toEqual(
      lrs.map((_, t) => [t, t, Math.floor(t / 32), 64]),
    );
    expect(run.stderr).toMatch(/\[rank 0\] .*worker finished/);
    expect(run.stderr).toMatch(/\[rank 1\] .*worker finished/);
  });

  it('trains a small MNIST slice with 3 workers and flags overriding the file', async () => {
    const dir = await scratch();
    const run = await dptrain([
      'launch',
      '--task',
      'mnist-mlp',
      '--workers',
      '3',
      '--data-limit',
      '3000',
      '--eval-limit',
      '1000',
      '--epochs',
      '1',
      '--out',
      join(dir, 'runs'),
      '--log-format',
      'json',
    ]).exited;
    expect(run.code).toBe(0);
    const { summary } = await checkRunDirectory(runDirectoryOf(run.stdout), 3);
    // 3000 examples over 3 ranks: 1000 each, batches of 64: 15 full batches and one of 40.
    expect(summary).toMatchObject({
      steps: 16,
      epochs: 1,
      samples: 15 * 3 * 64 + 3 * 40,
      evalExamples: 1000,
    });
    expect(summary.evalAccuracy).toBeGreaterThan(0.5);
    expect(Number.isInteger(summary.evalAccuracy! * 1000)).toBe(true);
    const lines = run.stderr
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.some((l) => l.rank === 2 && l.msg === 'worker finished')).toBe(true);
  });
});

describe('dptrain launch refuses a bad config before anything starts', () => {
  const cases: [string, string[], RegExp][] = [
    ['an unknown key', [...QUICK, 'batchsize: 3'], /batchsize/],
    ['steps and epochs together', [...QUICK, 'epochs: 2'], /epochs|steps/],
    [
      'a schedule that cannot cover the run',
      [...QUICK.slice(0, 5), 'lr: { name: OneCycleLR, max_learning_rate: 0.1, total_steps: 10 }'],
      /^error: lr: /m,
    ],
    ['async: keys with mode: sync', [...QUICK, 'async: { max_staleness: 2 }'], /async/],
  ];
  for (const [what, lines, message] of cases) {
    it(`refuses ${what} with exit 2, naming the key`, async () => {
      const dir = await scratch({ 'run.yaml': lines.join('\n') });
      const run = await dptrain(['launch', join(dir, 'run.yaml'), '--out', join(dir, 'runs')]).exited;
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(message);
      expect(existsSync(join(dir, 'runs'))).toBe(false);
    });
  }

  it('refuses a bad flag with exit 2', async () => {
    const dir = await scratch({ 'run.yaml': QUICK.join('\n') });
    const run = await dptrain([
      'launch',
      join(dir, 'run.yaml'),
      '--batch-size',
      'many',
      '--out',
      join(dir, 'runs'),
    ]).exited;
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: batch_size/);
    expect(existsSync(join(dir, 'runs'))).toBe(false);
  });
});

describe('dptrain launch when things go wrong', () => {
  const LONG = [
    'task: synthetic',
    'workers: 2',
    'steps: 1000000',
    'batch_size: 8',
    'optimizer: { name: SGD }',
    'lr: { name: StepDecay, learning_rate: 0.01, step_size: 1000 }',
  ];

  /**
   * A launch of a run too long to finish, once both workers joined and metrics.jsonl has at least `steps` lines;
   * with the worker pids.
   */
  async function startLongRun(steps = 5): Promise<{ child: ReturnType<typeof dptrain>; pids: number[] }> {
    const dir = await scratch({ 'run.yaml': LONG.join('\n') });
    const out = join(dir, 'runs');
    const child = dptrain(['launch', join(dir, 'run.yaml'), '--out', out, '--progress', 'false']);
    for (let i = 0; i < 1200; i++) {
      const pids = [...child.stderr().matchAll(/worker joined .*pid=(\d+)/g)].map((m) => Number(m[1]));
      if (pids.length === 2 && (await metricLines(out)) >= steps) return { child, pids };
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    child.process.kill('SIGKILL');
    throw new Error(`the run did not start: ${child.stderr()}`);
  }

  /** Lines in metrics.jsonl of the one run directory under `out` so far (0 before there is one). */
  async function metricLines(out: string): Promise<number> {
    const runs = existsSync(out) ? await readdir(out) : [];
    if (runs.length !== 1) return 0;
    const path = join(out, runs[0]!, 'metrics.jsonl');
    if (!existsSync(path)) return 0;
    return (await readFile(path, 'utf8')).split('\n').filter((line) => line !== '').length;
  }

  /** The rank a worker process was started as, from its command line (ps), not from anything dptrain logged. */
  function rankOfProcess(pid: number): number {
    const args = execFileSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' });
    const rank = /--rank (\d+)/.exec(args);
    if (rank === null) throw new Error(`process ${pid} is not a worker: ${args}`);
    return Number(rank[1]);
  }

  it('exits 1 naming the worker process that died, and still writes what the run did', async () => {
    const { child, pids } = await startLongRun();
    const killed = pids[1]!;
    const rank = rankOfProcess(killed);
    process.kill(killed, 'SIGKILL');
    const run = await child.exited;
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      new RegExp(`error: worker rank ${rank} \\(pid ${killed}\\) was killed by SIGKILL`),
    );
    const record = await readEarlyEnd(runDirectoryOf(run.stdout));
    // The synthetic task's MLP 16-32-4: 16·32 + 32 + 32·4 + 4 parameters.
    expect(record.params).toHaveLength(676);
    expect(record.summary).toMatchObject({
      outcome: 'failed',
      exitCode: 1,
      stopped: null,
      failure: { code: 'ERR_TRAINING_WORKER_LOST', rank, step: record.summary.steps },
    });
    expect(record.summary.failure!.step).toBeGreaterThanOrEqual(5);
  });

  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    it(`stops cleanly on ${signal}, writes what it has and exits ${code}`, async () => {
      const { child } = await startLongRun();
      child.process.kill(signal);
      const run = await child.exited;
      expect(run.code).toBe(code);
      const record = await readEarlyEnd(runDirectoryOf(run.stdout));
      expect(record.summary).toMatchObject({
        outcome: 'stopped',
        exitCode: code,
        failure: null,
        replicasIdentical: true,
        consistency: { consistent: true, missingReports: 0 },
      });
      expect(record.summary.stopped).toContain(signal);
      expect(record.summary.steps).toBeGreaterThanOrEqual(5);
      expect(record.summary.consistency.checkedSteps).toBe(record.summary.steps);
    });
  }
});
