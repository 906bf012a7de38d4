import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors.js';
import { chooseTransport, isLoopback, runSocketPath } from '../../src/launch/index.js';
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
const at = () => PATH;

describe('chooseTransport', () => {
  it('takes a Unix socket for loopback workers without simulated links, and TCP otherwise', () => {
    const local = { requested: 'auto', host: '127.0.0.1', simulatedLinks: false } as const;
    expect(chooseTransport(local, at)).toMatchObject({ kind: 'unix', socketPath: PATH });
    expect(chooseTransport({ ...local, host: 'localhost' }, at).kind).toBe('unix');
    expect(chooseTransport({ ...local, simulatedLinks: true }, at)).toMatchObject({
      kind: 'tcp',
      socketPath: null,
      reason: expect.stringContaining('simulated links'),
    });
    expect(chooseTransport({ ...local, host: '0.0.0.0' }, at)).toMatchObject({
      kind: 'tcp',
      reason: expect.stringContaining('0.0.0.0'),
    });
    expect(chooseTransport({ ...local, requested: 'tcp' }, at).kind).toBe('tcp');
    // Forced: the local workers take the socket; remote ones still have the TCP port.
    expect(chooseTransport({ ...local, requested: 'unix', host: '0.0.0.0' }, at).kind).toBe('unix');
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
  it('refuses transport: unix with simulated links, naming both', () => {
    const given = { workers: 2, transport: 'unix', simulate: { latency_ms: 5 } };
    expect(() => parseRunConfig(given)).toThrow(ConfigError);
    expect(() => parseRunConfig(given)).toThrow(/transport.*simulate/s);
    expect(parseRunConfig({ ...given, transport: 'auto' }).transport).toBe('auto');
  });
});

describe('dptrain launch over a Unix socket', () => {
  it('runs co-located workers over a Unix socket, as consistent and bit-identical as over TCP, and removes the socket', async () => {
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
    const unix = await launch(['--transport', 'auto']);
    // TCP is the default: a Unix socket measured no faster on the sync round (docs/performance.md).
    const tcp = await launch([]);
    const linked = await launch(['--transport', 'auto', '--simulate.latency-ms', '1']);
    expect(unix.record.summary.transport).toEqual({
      kind: 'unix',
      reason: 'every worker runs on this host, no simulated links',
    });
    expect(tcp.record.summary.transport).toEqual({ kind: 'tcp', reason: 'transport: tcp' });
    expect(linked.record.summary.transport?.kind).toBe('tcp');
    for (const { record } of [unix, tcp, linked]) {
      expect(record.summary.consistency.consistent).toBe(true);
      expect(record.summary.replicasIdentical).toBe(true);
      expect(record.summary.paramsDigest).toBe(unix.record.summary.paramsDigest);
    }
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
