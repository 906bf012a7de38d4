import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dptrain, scratch } from '../support/processes.js';

const QUICK = [
  'task: synthetic',
  'workers: 2',
  'steps: 40',
  'batch_size: 32',
  'optimizer: { name: SGD }',
  'lr: { name: StepDecay, learning_rate: 0.3, step_size: 10 }',
];

/** The run directory the launcher named on its last stdout line. */
function runDirectoryOf(stdout: string): string {
  const last = stdout.trim().split('\n').at(-1) ?? '';
  expect(last).toMatch(/^run directory: /);
  return last.slice('run directory: '.length);
}

async function checkRunDirectory(dir: string, workers: number): Promise<Record<string, unknown>> {
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
  const summary = JSON.parse(await readFile(join(dir, 'summary.json'), 'utf8'));
  expect(summary).toMatchObject({
    mode: 'sync',
    workers,
    replicasIdentical: true,
    lrConsistency: { consistent: true, mismatches: 0 },
  });
  expect(summary.lrConsistency.checkedSteps).toBe(summary.steps);
  expect(summary.paramsDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
  const metrics = (await readFile(join(dir, 'metrics.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  expect(metrics).toHaveLength(summary.steps);
  expect(metrics.map((m) => m.step)).toEqual(metrics.map((_, i) => i));
  for (const m of metrics) {
    expect(Object.keys(m)).toEqual(
      expect.arrayContaining(['step', 'epoch', 'lr', 'loss', 'samplesPerSec', 'roundMs', 'computeMs']),
    );
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
  return summary;
}

describe('dptrain launch', () => {
  it('runs the synthetic task end to end and leaves a complete run directory', async () => {
    const dir = await scratch({ 'run.yaml': QUICK.join('\n') });
    const run = await dptrain(['launch', join(dir, 'run.yaml'), '--out', join(dir, 'runs')]).exited;
    expect(run.code).toBe(0);
    const summary = await checkRunDirectory(runDirectoryOf(run.stdout), 2);
    expect(summary).toMatchObject({ steps: 40, skippedSteps: 0, stopped: null });
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
    const summary = await checkRunDirectory(runDirectoryOf(run.stdout), 3);
    expect(summary.steps).toBe(16);
    expect(summary.evalAccuracy).toBeGreaterThan(0.5);
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
    ['mode: async', [...QUICK, 'mode: async'], /mode/],
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

  /** A launch of a run too long to finish, once both workers joined and training started; with the worker pids. */
  async function startLongRun(): Promise<{ child: ReturnType<typeof dptrain>; pids: number[] }> {
    const dir = await scratch({ 'run.yaml': LONG.join('\n') });
    const child = dptrain([
      'launch',
      join(dir, 'run.yaml'),
      '--out',
      join(dir, 'runs'),
      '--progress',
      'false',
    ]);
    for (let i = 0; i < 600; i++) {
      const pids = [...child.stderr().matchAll(/worker joined .*pid=(\d+)/g)].map((m) => Number(m[1]));
      if (pids.length === 2 && /training started/.test(child.stderr())) return { child, pids };
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    child.process.kill('SIGKILL');
    throw new Error(`the run did not start: ${child.stderr()}`);
  }

  it('exits non-zero naming the worker process that died', async () => {
    const { child, pids } = await startLongRun();
    process.kill(pids[0]!, 'SIGKILL');
    const run = await child.exited;
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      new RegExp(`error: worker rank \\d \\(pid ${pids[0]}\\) was killed by SIGKILL`),
    );
  });

  it('stops cleanly on Ctrl-C and writes what it has', async () => {
    const { child } = await startLongRun();
    await new Promise((resolve) => setTimeout(resolve, 300));
    child.process.kill('SIGINT');
    const run = await child.exited;
    expect(run.code).toBe(130);
    const summary = JSON.parse(await readFile(join(runDirectoryOf(run.stdout), 'summary.json'), 'utf8'));
    expect(summary.stopped).toMatch(/SIGINT/);
    expect(summary.steps).toBeGreaterThan(0);
    expect(summary).toMatchObject({ replicasIdentical: true, lrConsistency: { consistent: true } });
  });
});
