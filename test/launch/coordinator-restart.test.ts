import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCheckpoint } from '../../src/checkpoint/index.js';
import { type Child, dptrain, runDirectoryOf, scratch } from '../support/processes.js';
import { readRunDirectory } from '../support/run-directory.js';

// Momentum in sync mode, a schedule that changes within the run: 8 steps an epoch, 300 steps.
const RUN = [
  'task: synthetic',
  'workers: 2',
  'batch_size: 32',
  'data_limit: 512',
  'steps: 300',
  'optimizer: { name: Momentum, momentum: 0.9 }',
  'lr: { name: StepDecay, learning_rate: 0.05, step_size: 70 }',
];

/** Lines in metrics.jsonl of the one run directory under `out` so far (0 before there is one). */
async function metricLines(out: string): Promise<number> {
  const runs = existsSync(out) ? await readdir(out) : [];
  const path = runs.length === 1 ? join(out, runs[0]!, 'metrics.jsonl') : null;
  if (path === null || !existsSync(path)) return 0;
  return (await readFile(path, 'utf8')).split('\n').filter((line) => line !== '').length;
}

/** The pid of the coordinator child the launcher logged it started (the `restart`-th one, 0 the first). */
function coordinatorPid(launch: Child, restart = 0): number | null {
  const pids = [...launch.stderr().matchAll(/launcher {2}started coordinator pid=(\d+)/g)];
  const pid = pids[restart]?.[1];
  return pid === undefined ? null : Number(pid);
}

/**
 * Kills the launch's coordinator child (or the launcher itself) with SIGKILL once metrics.jsonl has `lines`
 * steps; the pid killed.
 */
async function killCoordinatorAt(
  launch: Child,
  out: string,
  lines: number,
  which: 'coordinator' | 'launcher' = 'coordinator',
): Promise<number> {
  for (let i = 0; i < 2400; i++) {
    const pid = which === 'launcher' ? (launch.process.pid ?? null) : coordinatorPid(launch);
    if (pid !== null && (await metricLines(out)) >= lines) {
      process.kill(pid, 'SIGKILL');
      return pid;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  launch.process.kill('SIGKILL');
  throw new Error(`the run did not get to ${lines} steps: ${launch.stderr()}`);
}

describe('dptrain launch restarts a coordinator that died', () => {
  it.each([
    ['from the newest checkpoint (every 40 steps)', 40],
    ['from the start when there is no checkpoint yet', 0],
  ])(
    'kill -9 at step 70, coordinator_max_restarts 1: continues %s, bit for bit as a run never interrupted',
    async (_, every) => {
      const dir = await scratch({ 'run.yaml': [...RUN, `checkpoint: { every_steps: ${every} }`].join('\n') });
      const config = join(dir, 'run.yaml');
      const whole = await dptrain(['launch', config, '--out', join(dir, 'whole'), '--no-progress']).exited;
      expect(whole.code, whole.stderr).toBe(0);
      const out = join(dir, 'restarted');
      const launch = dptrain([
        'launch',
        config,
        '--out',
        out,
        '--no-progress',
        '--coordinator-max-restarts',
        '1',
      ]);
      const killed = await killCoordinatorAt(launch, out, 70);
      const run = await launch.exited;
      expect(run.code, run.stderr).toBe(0);
      expect(killed).not.toBe(launch.process.pid);
      expect(run.stderr).toMatch(
        new RegExp(
          `coordinator died, restarting it pid=${killed} how="the coordinator \\(pid ${killed}\\) was killed by SIGKILL" restart=1 of=1`,
        ),
      );
      const restarted = coordinatorPid(launch, 1);
      expect(restarted).not.toBeNull();
      expect(restarted).not.toBe(killed);
      const from = /restarting it .* step=(\d+)/.exec(run.stderr);
      const step = Number(from![1]);
      // Killed after 70 steps, between two checkpoints (or before any): it went on from the one before.
      if (every === 0) expect(step).toBe(0);
      else {
        expect(step % every).toBe(0);
        expect(step).toBeGreaterThanOrEqual(40);
        expect(run.stderr).toMatch(
          new RegExp(`resuming from=\\S+step-${String(step).padStart(8, '0')}\\.ckpt step=${step}`),
        );
      }
      // The same run directory all along, and the workers rejoined rather than being started again.
      const runDir = runDirectoryOf(run.stdout);
      expect(await readdir(out)).toHaveLength(1);
      expect(run.stderr.match(/\[rank \d\] .*lost the coordinator, rejoining rank=\d/g)).toHaveLength(2);
      expect(run.stderr.match(/launcher {2}started workers/g)).toHaveLength(1);
      const a = await readRunDirectory(runDirectoryOf(whole.stdout));
      const b = await readRunDirectory(runDir);
      expect(b.summary).toMatchObject({ outcome: 'finished', exitCode: 0, steps: 300 });
      expect(b.summary.paramsDigest).toBe(a.summary.paramsDigest);
      expect(b.paramsSha256).toBe(b.summary.paramsDigest);
      // metrics.jsonl holds every step once, in order, with the LR the uninterrupted run had at it.
      expect(b.metrics.map((m) => m.step)).toEqual(a.metrics.map((m) => m.step));
      expect(b.metrics.map((m) => m.lr)).toEqual(a.metrics.map((m) => m.lr));
      // StepDecay(0.05, 70, gamma 0.1), Paddle's closed form: 0.05 · 0.1^floor(t / 70).
      expect(b.metrics.map((m) => m.lr)).toEqual(b.metrics.map((_, t) => 0.05 * 0.1 ** Math.floor(t / 70)));
      // The restarted coordinator's own record covers the steps from its checkpoint on, consistent.
      expect(b.consistency.scheduleLrs).toEqual(a.consistency.scheduleLrs.slice(step));
      expect(b.summary.consistency.consistent).toBe(true);
    },
    240_000,
  );

  it('with coordinator_max_restarts 0 the launch exits 1 naming the dead coordinator, and the run directory keeps what it had', async () => {
    const dir = await scratch({ 'run.yaml': [...RUN, 'checkpoint: { every_steps: 40 }'].join('\n') });
    const out = join(dir, 'runs');
    const launch = dptrain(['launch', join(dir, 'run.yaml'), '--out', out, '--no-progress']);
    const killed = await killCoordinatorAt(launch, out, 70);
    const run = await launch.exited;
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(
      new RegExp(
        `^error: the coordinator \\(pid ${killed}\\) was killed by SIGKILL and coordinator_max_restarts is 0; the run stopped`,
        'm',
      ),
    );
    expect(run.stderr).not.toMatch(/restarting it/);
    const runDir = runDirectoryOf(run.stdout);
    const metrics = (await readFile(join(runDir, 'metrics.jsonl'), 'utf8')).trim().split('\n');
    expect(metrics.length).toBeGreaterThanOrEqual(70);
    expect(metrics.map((line) => JSON.parse(line).step)).toEqual(metrics.map((_, i) => i));
    const checkpoint = await readCheckpoint(join(runDir, 'checkpoints', 'step-00000040.ckpt'));
    expect(checkpoint.step).toBe(40);
    expect(existsSync(join(runDir, 'config.yaml'))).toBe(true);
    // The launcher wrote what the dead coordinator could not: summary.json (failed), the pictures of the steps
    // metrics.jsonl holds, and params.f32 from the newest checkpoint, hashing to the summary's digest.
    const summary = JSON.parse(await readFile(join(runDir, 'summary.json'), 'utf8'));
    expect(summary).toMatchObject({ outcome: 'failed', exitCode: 1, steps: metrics.length });
    expect(summary.failure).toMatchObject({ code: 'ERR_TRAINING_COORDINATOR_LOST', step: metrics.length });
    const newest = Math.max(
      ...(await readdir(join(runDir, 'checkpoints'))).map((name) => Number(/\d+/.exec(name)![0])),
    );
    expect(summary.checkpoint.step).toBe(newest);
    const saved = await readCheckpoint(summary.checkpoint.path);
    const params = await readFile(join(runDir, 'params.f32'));
    const own = saved.content.state.tensors.params;
    expect(Buffer.compare(params, Buffer.from(own.buffer, own.byteOffset, own.byteLength))).toBe(0);
    expect(summary.paramsDigest).toBe(`sha256:${createHash('sha256').update(params).digest('hex')}`);
    for (const picture of ['loss.png', 'lr.png']) expect(existsSync(join(runDir, picture))).toBe(true);
    // The workers, left without a coordinator, were made to leave: none is still running.
    const workers = [...run.stderr.matchAll(/worker joined .*pid=(\d+)/g)].map((m) => Number(m[1]));
    expect(workers).toHaveLength(2);
    for (const pid of workers) expect(() => process.kill(pid, 0)).toThrow();
  }, 120_000);

  it('takes the coordinator child with it when the launcher itself is killed', async () => {
    const long = [...RUN.filter((line) => !line.startsWith('steps')), 'steps: 1000000'];
    const dir = await scratch({ 'run.yaml': long.join('\n') });
    const out = join(dir, 'runs');
    const launch = dptrain(['launch', join(dir, 'run.yaml'), '--out', out, '--no-progress']);
    await killCoordinatorAt(launch, out, 5, 'launcher');
    await launch.exited;
    const pid = coordinatorPid(launch);
    expect(pid).not.toBeNull();
    // Nobody is left to report to: the child goes at once rather than train on (and checkpoint) unseen.
    let alive = true;
    for (let i = 0; i < 200 && alive; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      try {
        process.kill(pid!, 0);
      } catch {
        alive = false;
      }
    }
    // The orphaned workers would give up after their connect timeout, and a coordinator that stayed would train
    // on for ever: neither may outlive the test.
    const left = [...launch.stderr().matchAll(/worker joined .*pid=(\d+)/g)].map((m) => Number(m[1]));
    for (const orphan of alive ? [...left, pid!] : left) {
      try {
        process.kill(orphan, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    expect(alive).toBe(false);
  }, 120_000);
});
