import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors.js';
import { chooseTransport, isLoopback, runLaneDirectory, runSocketPath } from '../../src/launch/index.js';
import { dptrain, runDirectoryOf, scratch } from '../support/processes.js';
import { readRunDirectory } from '../support/run-directory.js';

const QUICK = [
  'task: synthetic',
  'workers: 2',
  'steps: 12',
  'batch_size: 32',
  'data_limit: 512',
  'optimizer: { name: SGD }',
  'lr: { name: StepDecay, learning_rate: 0.3, step_size: 5 }',
];

const PATH = '/tmp/dptrain-test.sock';
const LANES = '/dev/shm/dptrain-test';
const at = { socket: () => PATH, lanes: () => LANES };

describe('chooseTransport', () => {
  it('takes tensor lanes for loopback workers without simulated links on a host with /dev/shm, and TCP otherwise', () => {
    const local = {
      requested: 'auto',
      host: '127.0.0.1',
      simulatedLinks: false,
      sharedMemory: true,
    } as const;
    expect(chooseTransport(local, at)).toEqual({
      kind: 'shm',
      reason: 'every worker runs on this host, no simulated links',
      socketPath: null,
      laneDirectory: LANES,
    });
    expect(chooseTransport({ ...local, host: 'localhost' }, at).kind).toBe('shm');
    expect(chooseTransport({ ...local, simulatedLinks: true }, at)).toMatchObject({
      kind: 'tcp',
      laneDirectory: null,
      reason: expect.stringContaining('simulated links'),
    });
    expect(chooseTransport({ ...local, host: '0.0.0.0' }, at)).toMatchObject({
      kind: 'tcp',
      reason: expect.stringContaining('0.0.0.0'),
    });
    expect(chooseTransport({ ...local, sharedMemory: false }, at)).toMatchObject({
      kind: 'tcp',
      reason: expect.stringContaining('/dev/shm'),
    });
    expect(chooseTransport({ ...local, requested: 'tcp' }, at).kind).toBe('tcp');
    // Forced: the local workers take the socket or the lanes; remote ones still have the TCP port.
    expect(chooseTransport({ ...local, requested: 'unix', host: '0.0.0.0' }, at)).toMatchObject({
      kind: 'unix',
      socketPath: PATH,
      laneDirectory: null,
    });
    expect(chooseTransport({ ...local, requested: 'shm', host: '0.0.0.0' }, at)).toMatchObject({
      kind: 'shm',
      reason: 'transport: shm',
      laneDirectory: LANES,
    });
  });

  it('gives a run a lane directory in /dev/shm, the same for a restarted coordinator of the same run', () => {
    const dir = runLaneDirectory(4242, '/x/runs/20261203-180000-sync');
    expect(dir).toMatch(/^\/dev\/shm\/dptrain-4242-[0-9a-f]{8}$/);
    expect(runLaneDirectory(4242, '/x/runs/20261203-180000-sync')).toBe(dir);
    expect(runLaneDirectory(4242, '/x/runs/20261203-180000-sync-2')).not.toBe(dir);
  });

  it('names loopback hosts only', () => {
    expect(['127.0.0.1', '127.1.2.3', 'localhost', '::1'].map(isLoopback)).toEqual([true, true, true, true]);
    expect(['0.0.0.0', '10.0.0.1', 'example.com', '127.0.0.1.example.com'].map(isLoopback)).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });

  it('gives a run a socket path within sun_path, the same for a restarted coordinator of the same run', () => {
    const deep = `/${'d'.repeat(200)}/runs/20261203-180000-sync`;
    const path = runSocketPath(4242, deep);
    expect(Buffer.byteLength(path)).toBeLessThanOrEqual(103);
    expect(path).toMatch(/dptrain-4242-[0-9a-f]{8}\.sock$/);
    expect(runSocketPath(4242, deep)).toBe(path);
    expect(runSocketPath(4242, `${deep}-2`)).not.toBe(path);
  });
});

describe('transport: in the run config', () => {
  it('refuses transport: unix or shm with simulated links, naming both', () => {
    for (const transport of ['unix', 'shm']) {
      const given = { workers: 2, transport, simulate: { latency_ms: 5 } };
      expect(() => parseRunConfig(given)).toThrow(ConfigError);
      expect(() => parseRunConfig(given)).toThrow(new RegExp(`transport.*${transport}.*simulate`, 's'));
      expect(parseRunConfig({ ...given, transport: 'auto' }).transport).toBe('auto');
    }
  });

  it('defaults to auto', () => {
    expect(parseRunConfig({ workers: 2 }).transport).toBe('auto');
  });
});

describe('dptrain launch over a Unix socket and through tensor lanes', () => {
  it('runs co-located workers over a Unix socket or tensor lanes, as consistent and bit-identical as over TCP, and removes both', async () => {
    const dir = await scratch({ 'run.yaml': QUICK.join('\n') });
    const launch = async (extra: readonly string[]) => {
      const run = await dptrain([
        'launch',
        join(dir, 'run.yaml'),
        '--out',
        join(dir, 'runs'),
        '--no-progress',
        ...extra,
      ]).exited;
      expect(run.code, run.stderr).toBe(0);
      return { run, record: await readRunDirectory(runDirectoryOf(run.stdout)) };
    };
    // auto is the default: tensor lanes for workers on this host (docs/performance.md).
    const lanes = await launch([]);
    const unix = await launch(['--transport', 'unix']);
    const tcp = await launch(['--transport', 'tcp']);
    const linked = await launch(['--simulate.latency-ms', '1']);
    expect(lanes.record.summary.transport).toEqual({
      kind: 'shm',
      reason: 'every worker runs on this host, no simulated links',
    });
    expect(unix.record.summary.transport).toEqual({ kind: 'unix', reason: 'transport: unix' });
    expect(tcp.record.summary.transport).toEqual({ kind: 'tcp', reason: 'transport: tcp' });
    expect(linked.record.summary.transport?.kind).toBe('tcp');
    for (const { record } of [lanes, unix, tcp, linked]) {
      expect(record.summary.consistency.consistent).toBe(true);
      expect(record.summary.replicasIdentical).toBe(true);
      expect(record.summary.paramsDigest).toBe(tcp.record.summary.paramsDigest);
    }
    // Every worker took the lanes (else its tensors went over the socket), and none of the others did.
    const directory = /transport kind=shm .*lanes=(\S+)/.exec(lanes.run.stderr)?.[1];
    expect(directory, lanes.run.stderr).toMatch(/^\/dev\/shm\/dptrain-/);
    for (const rank of [0, 1]) {
      expect(lanes.run.stderr).toMatch(new RegExp(`tensor lanes rank=${rank} directory=${directory}`));
    }
    for (const { run } of [unix, tcp, linked]) expect(run.stderr).not.toMatch(/tensor lanes/);
    expect(existsSync(directory!)).toBe(false);
    const socket = /coordinator=ws\+unix:\/\/(\S+):\//.exec(unix.run.stderr)?.[1];
    expect(socket, unix.run.stderr).toBeDefined();
    expect(existsSync(socket!)).toBe(false);
  });

  it('refuses transport: unix with simulated links before it starts anything', async () => {
    const dir = await scratch({ 'run.yaml': QUICK.join('\n') });
    const out = join(dir, 'runs');
    const run = await dptrain([
      'launch',
      join(dir, 'run.yaml'),
      '--out',
      out,
      '--no-progress',
      '--transport',
      'unix',
      '--simulate.latency-ms',
      '1',
    ]).exited;
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/transport.*simulate/s);
    expect(existsSync(out)).toBe(false);
  });
});
