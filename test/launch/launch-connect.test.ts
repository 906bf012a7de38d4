import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dptrain, listeningUrl, scratch } from '../support/processes.js';
import { readRunDirectory } from '../support/run-directory.js';

const CONFIG = [
  'task: synthetic',
  'workers: 4',
  'steps: 6',
  'batch_size: 16',
  'data_limit: 256',
  'optimizer: { name: SGD }',
  'lr: { name: StepDecay, learning_rate: 0.1, step_size: 2 }',
].join('\n');

describe('dptrain launch --connect (workers for a coordinator elsewhere)', () => {
  it('runs two nodes of two workers each, ranks from --node-rank, to a consistent run', async () => {
    const dir = await scratch({ 'run.yaml': CONFIG, token: 'connect-test-token\n' });
    const runDir = join(dir, 'run');
    const coordinator = dptrain(['coordinator', join(dir, 'run.yaml'), '--run-dir', runDir], {
      DPTRAIN_TOKEN: 'connect-test-token',
    });
    const url = await listeningUrl(coordinator);
    const node = (rank: number) =>
      dptrain([
        'launch',
        '--connect',
        url,
        '--workers',
        '2',
        '--node-rank',
        String(rank),
        '--token-file',
        join(dir, 'token'),
      ]);
    const nodes = [node(0), node(1)];
    const [coordinatorExit, ...nodeExits] = await Promise.all([
      coordinator.exited,
      ...nodes.map((n) => n.exited),
    ]);
    expect(coordinatorExit!.code, coordinatorExit!.stderr).toBe(0);
    for (const exit of nodeExits) expect(exit.code, exit.stderr).toBe(0);
    // Node 1's workers are ranks 2 and 3, each line marked with its rank.
    expect(nodeExits[1]!.stderr).toContain('ranks=2-3');
    expect(nodeExits[1]!.stderr).toMatch(/^\[rank 2\] /m);
    expect(nodeExits[1]!.stderr).toMatch(/^\[rank 3\] /m);
    expect(nodeExits[1]!.stderr).not.toMatch(/^\[rank [01]\] /m);
    const { summary } = await readRunDirectory(runDir);
    expect(summary).toMatchObject({ outcome: 'finished', workers: 4, steps: 6, replicasIdentical: true });
    expect(summary.consistency.consistent).toBe(true);
  });

  it('lets the coordinator give the ranks without --node-rank, marking lines by local index', async () => {
    const dir = await scratch({ 'run.yaml': CONFIG.replace('workers: 4', 'workers: 2') });
    const runDir = join(dir, 'run');
    const env = { DPTRAIN_TOKEN: 'connect-test-token' };
    const coordinator = dptrain(['coordinator', join(dir, 'run.yaml'), '--run-dir', runDir], env);
    const url = await listeningUrl(coordinator);
    const launcher = dptrain(['launch', '--connect', url, '--workers', '2'], env);
    const [coordinatorExit, launcherExit] = await Promise.all([coordinator.exited, launcher.exited]);
    expect(coordinatorExit!.code, coordinatorExit!.stderr).toBe(0);
    expect(launcherExit!.code, launcherExit!.stderr).toBe(0);
    expect(launcherExit!.stderr).toMatch(/^\[local 0\] /m);
    expect(launcherExit!.stderr).toMatch(/^\[local 1\] /m);
    expect((await readRunDirectory(runDir)).summary.consistency.consistent).toBe(true);
  });

  it('refuses --connect without --workers or with a bad address, exit 2, naming the flag', async () => {
    const missing = await dptrain(['launch', '--connect', 'ws://127.0.0.1:1']).exited;
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--workers K is required with --connect');
    const bad = await dptrain(['launch', '--connect', 'http://x', '--workers', '1']).exited;
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--connect must be ws://HOST:PORT, received http://x');
    const noToken = await dptrain(['launch', '--connect', 'ws://127.0.0.1:1', '--workers', '1'], {
      DPTRAIN_TOKEN: '',
    }).exited;
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toContain('no token');
  });

  it('exits 1 naming the worker when the coordinator is not there within --connect-timeout', async () => {
    const run = await dptrain(
      ['launch', '--connect', 'ws://127.0.0.1:9', '--workers', '1', '--connect-timeout', '1'],
      { DPTRAIN_TOKEN: 'connect-test-token' },
    ).exited;
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/error: local worker 0 \(pid \d+\) exited with code 1/);
    expect(run.stderr).toContain('cannot connect to ws://127.0.0.1:9: tried for');
  });
});
