import { open, readdir, readFile, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { metricsReached } from '../support/faults.js';
import { dptrain, runDirectoryOf, scratch } from '../support/processes.js';
import { readRunDirectory } from '../support/run-directory.js';

const BASE = ['task: synthetic', 'workers: 2', 'batch_size: 32', 'data_limit: 512', 'steps: 600'];
const MOMENTUM = [
  ...BASE,
  'optimizer: { name: Momentum, momentum: 0.9 }',
  'lr: { name: StepDecay, learning_rate: 0.05, step_size: 70 }',
];
// Adam, and a schedule stepped per epoch (16 steps here): the partial-epoch state must survive the resume too.
const ADAM_EPOCH = [
  ...BASE,
  'optimizer: { name: Adam }',
  'lr_granularity: epoch',
  'lr: { name: MultiStepDecay, learning_rate: 0.01, milestones: [3, 9, 20], gamma: 0.5 }',
];

// Async: Adam, drops (max_staleness) and scaled LRs, so that the policy's counts and the LR check must go on.
const ASYNC = [
  ...BASE,
  'mode: async',
  'optimizer: { name: Adam }',
  'lr: { name: StepDecay, learning_rate: 0.01, step_size: 70, gamma: 0.5 }',
  'async: { max_staleness: 2, lr_scale: inverse }',
];

interface Entry {
  i: number;
  step: number;
  read: number;
  applied: boolean;
}

/** arrivals.jsonl's lines (header first), without the last line end. */
async function arrivalLines(dir: string): Promise<string[]> {
  return (await readFile(join(dir, 'arrivals.jsonl'), 'utf8')).split('\n').slice(0, -1);
}

/** `dptrain replay <dir>`: exit 0 and the digest it printed. */
async function replayed(dir: string): Promise<string> {
  const replay = await dptrain(['replay', dir]).exited;
  expect(replay.code, replay.stderr).toBe(0);
  return /paramsDigest: (\S+)/.exec(replay.stdout)![1]!;
}

/**
 * The lines of `first`'s arrival log a checkpoint of step `step` follows: the header and every decision up to the
 * one that applied step `step` − 1 (the checkpoint is taken as that step completes).
 */
function linesUpTo(first: readonly string[], step: number): string[] {
  const entries = first.slice(1).map((line) => JSON.parse(line) as Entry);
  const last = entries.findIndex((e) => e.applied && e.step === step - 1);
  expect(last).toBeGreaterThanOrEqual(0);
  return first.slice(0, last + 2);
}

async function launch(args: readonly string[]) {
  const run = await dptrain(['launch', '--no-progress', ...args]).exited;
  expect(run.code, run.stderr).toBe(0);
  return { run, dir: runDirectoryOf(run.stdout) };
}

/** A launch killed with SIGKILL (the coordinator's process, the launcher) once `lines` steps are in metrics.jsonl. */
async function killedAt(
  config: string,
  out: string,
  lines: number,
  extra: readonly string[],
): Promise<string> {
  const child = dptrain(['launch', config, '--out', out, '--no-progress', ...extra]);
  await metricsReached(out, lines);
  child.process.kill('SIGKILL');
  const exit = await child.exited;
  expect(exit.signal).toBe('SIGKILL');
  return join(out, (await readdir(out))[0]!);
}

describe('dptrain launch --resume', () => {
  it.each([
    ['Momentum, LR per step', MOMENTUM],
    ['Adam, LR per epoch', ADAM_EPOCH],
  ])(
    'continues a run killed with SIGKILL bit for bit (%s): the same parameters and LR record as without',
    async (_, lines) => {
      const dir = await scratch({ 'run.yaml': lines.join('\n') });
      const config = join(dir, 'run.yaml');
      const whole = await launch([config, '--out', join(dir, 'whole')]);
      // Killed between two checkpoints: steps after the last one are lost and done again.
      const killed = await killedAt(config, join(dir, 'killed'), 230, ['--checkpoint.every-steps', '100']);
      const resumed = await launch(['--resume', killed, '--out', join(dir, 'resumed')]);
      const from = /resuming from=\S+ step=(\d+)/.exec(resumed.run.stderr);
      expect(from, resumed.run.stderr).not.toBeNull();
      const step = Number(from![1]);
      expect(step % 100).toBe(0);
      expect(step).toBeGreaterThanOrEqual(200);
      const a = await readRunDirectory(whole.dir);
      const b = await readRunDirectory(resumed.dir);
      expect(b.summary.steps).toBe(600);
      expect(b.summary.paramsDigest).toBe(a.summary.paramsDigest);
      expect(b.summary.consistency.consistent).toBe(true);
      // The resumed run's LR record is the uninterrupted one's from the resumed step on, bit for bit.
      expect(b.consistency.scheduleLrs).toEqual(a.consistency.scheduleLrs.slice(step));
      expect(b.metrics.map((m) => m.step)).toEqual(a.metrics.slice(step).map((m) => m.step));
    },
    240_000,
  );

  it('continues an async run killed with SIGKILL: its arrival log up to the checkpoint, then every step once, replayed to the same digest', async () => {
    const dir = await scratch({ 'run.yaml': ASYNC.join('\n') });
    const killed = await killedAt(join(dir, 'run.yaml'), join(dir, 'killed'), 230, [
      '--checkpoint.every-steps',
      '100',
    ]);
    const resumed = await launch(['--resume', killed, '--out', join(dir, 'resumed')]);
    const step = Number(/resuming from=\S+ step=(\d+)/.exec(resumed.run.stderr)![1]);
    expect(step % 100).toBe(0);
    expect(step).toBeGreaterThanOrEqual(200);
    const b = await readRunDirectory(resumed.dir);
    expect(b.summary).toMatchObject({ outcome: 'finished', steps: 600, exitCode: 0 });
    expect(b.summary.lrConsistency.consistent).toBe(true);
    expect(b.summary.consistency.consistent).toBe(true);
    // The replay re-executes the whole joined log from the task's initial parameters.
    expect(await replayed(resumed.dir)).toBe(b.summary.paramsDigest);
    expect(b.paramsSha256).toBe(b.summary.paramsDigest);

    // The resumed log starts as the killed run's, cut at the checkpoint, then goes on from its step.
    const before = await arrivalLines(killed);
    const after = await arrivalLines(resumed.dir);
    const kept = linesUpTo(before, step);
    expect(before.length).toBeGreaterThan(kept.length);
    expect(after.slice(0, kept.length)).toEqual(kept);
    const entries = after.slice(1).map((line) => JSON.parse(line) as Entry);
    expect(b.summary.arrivals).toBe(entries.length);
    expect(entries[kept.length - 1]).toMatchObject({ i: kept.length - 1, step, read: step });
    const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);
    expect(entries.filter((e) => e.applied).map((e) => e.step)).toEqual(range(0, 600));
    // metrics.jsonl: the killed run's steps before the checkpoint and the resumed run's, each step once.
    const k = await readFile(join(killed, 'metrics.jsonl'), 'utf8');
    const killedSteps = k
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line).step);
    const resumedSteps = b.metrics.map((m) => m.step);
    expect(resumedSteps[0]).toBe(step);
    expect([...killedSteps.filter((s: number) => s < step), ...resumedSteps]).toEqual(range(0, 600));
  }, 240_000);

  it.each([
    ['sync, a torn file', MOMENTUM],
    ['async, a corrupt file', ASYNC],
  ])(
    'skips a damaged newest checkpoint with a warning and resumes from the one before (%s)',
    async (_, base) => {
      const dir = await scratch({
        'run.yaml': [...base.filter((l) => !l.startsWith('steps')), 'steps: 60'].join('\n'),
      });
      const asyncRun = base === ASYNC;
      // Async: the checkpoints outside the run directory, so that only their own record leads to its arrival log.
      const elsewhere = asyncRun ? ['--checkpoint.dir', join(dir, 'elsewhere')] : [];
      const first = await launch([
        join(dir, 'run.yaml'),
        '--out',
        join(dir, 'first'),
        '--checkpoint.every-steps',
        '20',
        ...elsewhere,
      ]);
      const checkpoints = asyncRun ? join(dir, 'elsewhere') : join(first.dir, 'checkpoints');
      expect((await readdir(checkpoints)).sort()).toEqual([
        'step-00000020.ckpt',
        'step-00000040.ckpt',
        'step-00000060.ckpt',
      ]);
      const newest = join(checkpoints, 'step-00000060.ckpt');
      if (asyncRun) {
        // One byte flipped in the middle: the length is right, the checksum is not.
        const file = await open(newest, 'r+');
        const { size } = await file.stat();
        const byte = Buffer.alloc(1);
        await file.read(byte, 0, 1, size >> 1);
        await file.write(Buffer.from([byte[0]! ^ 0xff]), 0, 1, size >> 1);
        await file.close();
      } else {
        await truncate(newest, 100);
      }
      const resumed = await launch([
        '--resume',
        asyncRun ? checkpoints : first.dir,
        '--out',
        join(dir, 'resumed'),
      ]);
      expect(resumed.run.stderr).toMatch(
        asyncRun
          ? /warning: .*step-00000060\.ckpt is corrupt .*; using .*step-00000040\.ckpt/
          : /warning: .*step-00000060\.ckpt is torn .*; using .*step-00000040\.ckpt/,
      );
      expect(resumed.run.stderr).toMatch(/resuming from=\S+step-00000040\.ckpt step=40/);
      const a = await readRunDirectory(first.dir);
      const b = await readRunDirectory(resumed.dir);
      if (asyncRun) {
        // Not deterministic: the same steps, the first run's log up to step 40, and a replay of the whole.
        expect(b.summary.steps).toBe(60);
        const kept = linesUpTo(await arrivalLines(first.dir), 40);
        expect((await arrivalLines(resumed.dir)).slice(0, kept.length)).toEqual(kept);
        expect(await replayed(resumed.dir)).toBe(b.summary.paramsDigest);
      } else {
        expect(b.summary.paramsDigest).toBe(a.summary.paramsDigest);
      }
    },
    120_000,
  );

  it('refuses a change of what defines the trajectory, exit 2 naming the key, and takes a resumable one', async () => {
    const dir = await scratch({
      'run.yaml': [...MOMENTUM.filter((l) => !l.startsWith('steps')), 'steps: 10'].join('\n'),
    });
    const first = await launch([join(dir, 'run.yaml'), '--out', join(dir, 'first')]);
    const seed = await dptrain(['launch', '--resume', first.dir, '--seed', '7', '--out', join(dir, 'x')])
      .exited;
    expect(seed.code).toBe(2);
    expect(seed.stderr).toContain("seed: differs from the checkpoint's (1 there, 7 now)");
    const lr = await dptrain(['launch', '--resume', first.dir, '--lr.gamma', '0.5', '--out', join(dir, 'x')])
      .exited;
    expect(lr.code).toBe(2);
    expect(lr.stderr).toMatch(/^error: lr: differs from the checkpoint's/m);
    // A longer run and another round timeout are fine: it goes on from step 10 to 14.
    const longer = await launch([
      '--resume',
      first.dir,
      '--steps',
      '14',
      '--round-timeout',
      '30',
      '--out',
      join(dir, 'y'),
    ]);
    const { summary } = await readRunDirectory(longer.dir);
    expect(summary.steps).toBe(14);
    expect(summary.consistency.consistent).toBe(true);
  }, 120_000);

  it("keeps the first launch's lr variables when a resumed run is longer (T_max: total_steps stays 20)", async () => {
    const schedule = (tMax: string) =>
      `lr: { name: CosineAnnealingDecay, learning_rate: 0.1, T_max: ${tMax} }`;
    const base = [...MOMENTUM.filter((l) => !l.startsWith('steps') && !l.startsWith('lr'))];
    const dir = await scratch({
      'expr.yaml': [...base, 'steps: 20', schedule('total_steps')].join('\n'),
      'fixed.yaml': [...base, 'steps: 30', schedule('20')].join('\n'),
    });
    const first = await launch([join(dir, 'expr.yaml'), '--out', join(dir, 'first')]);
    const longer = await launch(['--resume', first.dir, '--steps', '30', '--out', join(dir, 'longer')]);
    // The same schedule written with the number by hand, run uninterrupted to 30 steps.
    const fixed = await launch([join(dir, 'fixed.yaml'), '--out', join(dir, 'fixed')]);
    const b = await readRunDirectory(longer.dir);
    const c = await readRunDirectory(fixed.dir);
    expect(b.consistency.scheduleLrs).toEqual(c.consistency.scheduleLrs.slice(20));
    expect(b.summary.paramsDigest).toBe(c.summary.paramsDigest);
  }, 120_000);

  it('says clearly when there is nothing to resume from', async () => {
    const dir = await scratch();
    const run = await dptrain(['launch', '--resume', join(dir, 'nothing')]).exited;
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/error: .*nothing/);
  });
});
