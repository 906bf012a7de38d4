import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dptrain, scratch } from '../support/processes.js';
import { readRunDirectory } from '../support/run-directory.js';

const TOKEN = { DPTRAIN_TOKEN: 'worker-connect-token' };

/** A port nothing listens on (bound, read, released). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address !== null ? address.port : 0;
}

describe('dptrain worker --connect-timeout (retrying the coordinator with backoff)', () => {
  it('joins a coordinator started 1.5 s after the worker, and the run finishes', async () => {
    const port = await freePort();
    const dir = await scratch({
      'run.yaml': [
        'task: synthetic',
        'workers: 1',
        'steps: 3',
        'batch_size: 16',
        'data_limit: 64',
        `port: ${port}`,
        'optimizer: { name: SGD }',
        'lr: { name: StepDecay, learning_rate: 0.1, step_size: 2 }',
      ].join('\n'),
    });
    const worker = dptrain(['worker', '--connect', `ws://127.0.0.1:${port}`], TOKEN);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const runDir = join(dir, 'run');
    const coordinator = dptrain(['coordinator', join(dir, 'run.yaml'), '--run-dir', runDir], TOKEN);
    const [workerExit, coordinatorExit] = await Promise.all([worker.exited, coordinator.exited]);
    expect(coordinatorExit.code, coordinatorExit.stderr).toBe(0);
    expect(workerExit.code, workerExit.stderr).toBe(0);
    expect(workerExit.stderr).toContain('coordinator not reachable yet, retrying');
    expect((await readRunDirectory(runDir)).summary).toMatchObject({ outcome: 'finished', steps: 3 });
  });

  it('exits 1 after --connect-timeout 1 against nothing, naming the address and how long it tried', async () => {
    const port = await freePort();
    const started = performance.now();
    const run = await dptrain(
      ['worker', '--connect', `ws://127.0.0.1:${port}`, '--connect-timeout', '1'],
      TOKEN,
    ).exited;
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      new RegExp(
        `error: cannot connect to ws://127\\.0\\.0\\.1:${port}: tried for \\d+\\.\\d s .*--connect-timeout 1 s`,
      ),
    );
    expect(performance.now() - started).toBeLessThan(30_000);
  });

  it('refuses a --connect-timeout that is not a positive number, exit 2', async () => {
    const run = await dptrain(['worker', '--connect', 'ws://127.0.0.1:9', '--connect-timeout', '0'], TOKEN)
      .exited;
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--connect-timeout must be a positive number of seconds, received "0"');
  });
});
