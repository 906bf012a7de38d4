import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCheckpoint } from '../../src/checkpoint/index.js';
import { dptrain, runDirectoryOf, scratch } from '../support/processes.js';
import { readRunDirectory } from '../support/run-directory.js';

const QUICK = [
  'task: synthetic',
  'workers: 2',
  'batch_size: 32',
  'data_limit: 512',
  'optimizer: { name: Momentum, momentum: 0.9 }',
  'lr: { name: StepDecay, learning_rate: 0.1, step_size: 10 }',
];

const sha256 = (params: Float32Array) =>
  `sha256:${createHash('sha256')
    .update(new Uint8Array(params.buffer, params.byteOffset, params.byteLength))
    .digest('hex')}`;

describe('checkpoints of a run', () => {
  it('writes one every every_steps, keeps the newest keep, the last holding the final parameters bit for bit', async () => {
    const dir = await scratch({ 'run.yaml': [...QUICK, 'steps: 20'].join('\n') });
    const run = await dptrain([
      'launch',
      join(dir, 'run.yaml'),
      '--out',
      join(dir, 'runs'),
      '--no-progress',
      '--checkpoint.every-steps',
      '5',
      '--checkpoint.keep',
      '2',
    ]).exited;
    expect(run.code, run.stderr).toBe(0);
    const runDir = runDirectoryOf(run.stdout);
    expect(run.stderr.match(/checkpoint written step=\d+/g)).toEqual([
      'checkpoint written step=5',
      'checkpoint written step=10',
      'checkpoint written step=15',
      'checkpoint written step=20',
    ]);
    expect((await readdir(join(runDir, 'checkpoints'))).sort()).toEqual([
      'step-00000015.ckpt',
      'step-00000020.ckpt',
    ]);
    const { summary, params } = await readRunDirectory(runDir);
    expect(summary.checkpoint).toEqual({ path: join(runDir, 'checkpoints', 'step-00000020.ckpt'), step: 20 });
    const last = await readCheckpoint(summary.checkpoint!.path);
    expect(last.step).toBe(20);
    expect(sha256(last.content.state.tensors.params)).toBe(summary.paramsDigest);
    expect([...last.content.state.tensors.params]).toEqual([...params]);
    // Momentum's velocity travels with it, and the config the run was given.
    expect(Object.keys(last.content.state.tensors.optimizer).length).toBeGreaterThan(0);
    expect(last.content.config).toMatchObject({ task: 'synthetic', workers: 2, steps: 20 });
    // The one of step 15 holds other parameters: it is the state of its own step, not a copy of the last.
    const earlier = await readCheckpoint(join(runDir, 'checkpoints', 'step-00000015.ckpt'));
    expect(sha256(earlier.content.state.tensors.params)).not.toBe(summary.paramsDigest);
  }, 120_000);

  it('writes only the final checkpoint by default, also in async mode', async () => {
    const dir = await scratch({ 'run.yaml': [...QUICK, 'steps: 12', 'mode: async'].join('\n') });
    const run = await dptrain(['launch', join(dir, 'run.yaml'), '--out', join(dir, 'runs'), '--no-progress'])
      .exited;
    expect(run.code, run.stderr).toBe(0);
    const runDir = runDirectoryOf(run.stdout);
    expect(await readdir(join(runDir, 'checkpoints'))).toEqual(['step-00000012.ckpt']);
    const { summary } = await readRunDirectory(runDir);
    const last = await readCheckpoint(join(runDir, 'checkpoints', 'step-00000012.ckpt'));
    expect(sha256(last.content.state.tensors.params)).toBe(summary.paramsDigest);
  }, 120_000);

  it('writes a checkpoint of the step it stopped at when the launcher gets SIGINT', async () => {
    const dir = await scratch({ 'run.yaml': [...QUICK, 'steps: 1000000'].join('\n') });
    const child = dptrain(['launch', join(dir, 'run.yaml'), '--out', join(dir, 'runs'), '--no-progress']);
    const runs = join(dir, 'runs');
    for (;;) {
      const names = existsSync(runs) ? await readdir(runs) : [];
      const metrics = names.length === 1 ? join(runs, names[0]!, 'metrics.jsonl') : null;
      if (metrics !== null && existsSync(metrics)) {
        const lines = (await readFile(metrics, 'utf8')).split('\n').filter((line) => line !== '');
        if (lines.length >= 5) break;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    child.process.kill('SIGINT');
    const run = await child.exited;
    expect(run.code, run.stderr).toBe(130);
    const { summary } = await readRunDirectory(runDirectoryOf(run.stdout));
    expect(summary.outcome).toBe('stopped');
    expect(summary.checkpoint!.step).toBe(summary.steps);
    const last = await readCheckpoint(summary.checkpoint!.path);
    expect(sha256(last.content.state.tensors.params)).toBe(summary.paramsDigest);
  }, 120_000);
});
