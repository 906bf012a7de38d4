import { spawn, spawnSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scratch } from '../support/processes.js';

const SCRIPT = new URL('../../scripts/multihost.mjs', import.meta.url).pathname;

/** scripts/multihost.mjs's exit status when network namespaces cannot be made here. */
const SKIPPED = 77;

/** A prefix of this test run's own, so no other run's namespaces are touched or counted. */
const PREFIX = `dptrain-mht${process.pid}`;

interface Exited {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function multihost(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<Exited> {
  const child = spawn(process.execPath, [SCRIPT, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

/** The machine's network namespaces with this run's prefix, as `ip` lists them. */
function ownNamespaces(): string[] {
  const listed = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  return (listed.stdout ?? '')
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name.startsWith(`${PREFIX}-`));
}

describe('scripts/multihost.mjs', () => {
  let dir = '';
  let skipReason: string | null = null;
  let run: Exited | null = null;

  beforeAll(async () => {
    dir = await scratch();
    run = await multihost([
      '--prefix',
      PREFIX,
      '--workers',
      '2',
      '--port',
      '29517',
      '--json',
      '--',
      '--task',
      'synthetic',
      '--steps',
      '20',
      '--batch-size',
      '32',
      '--run-dir',
      join(dir, 'run'),
    ]);
    if (run.code === SKIPPED) skipReason = run.stderr.trim();
  }, 180_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('runs a consistent 2-worker run across three namespaces, workers joining from their own addresses', (ctx) => {
    if (skipReason !== null) ctx.skip(skipReason);
    expect(run!.code, run!.stderr).toBe(0);
    const report = JSON.parse(run!.stdout.trim().split('\n').at(-1)!);
    expect(report.summary).toMatchObject({ outcome: 'finished', consistent: true, steps: 20 });
    expect(report.summary.paramsDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(report.runDir).toBe(join(dir, 'run'));
    const coordinator: string = report.coordinator.address;
    const workers: string[] = report.workers.map((w: { address: string }) => w.address);
    expect(new Set([coordinator, ...workers]).size).toBe(3);
    expect(workers.every((address) => address.startsWith('10.231.0.'))).toBe(true);
    // the coordinator's own log: the peer address of each joining socket, so the route between namespaces was used
    expect([...report.joinAddresses].sort()).toEqual([...workers].sort());
    expect(run!.stderr).toMatch(new RegExp(`worker joined .*address=${workers[0]!.replaceAll('.', '\\.')}`));
  });

  it('leaves no namespace with its prefix behind', (ctx) => {
    if (skipReason !== null) ctx.skip(skipReason);
    expect(ownNamespaces()).toEqual([]);
    expect(JSON.parse(run!.stdout.trim().split('\n').at(-1)!).leftNamespaces).toEqual([]);
  });

  it('refuses --latency-ms with a clear message while dptrain netsim is not wired in', async () => {
    const refused = await multihost(['--prefix', PREFIX, '--latency-ms', '5']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--latency-ms: .*netsim|--latency-ms needs `dptrain netsim`/);
    expect(refused.stdout).toBe('');
  });

  it('skips with exit 77 and one line saying why when it cannot make a namespace (no ip on PATH)', async () => {
    const skipped = await multihost(['--prefix', PREFIX], { ...process.env, PATH: '/nonexistent' });
    expect(skipped.code).toBe(SKIPPED);
    expect(skipped.stderr.trim().split('\n')).toHaveLength(1);
    expect(skipped.stderr).toMatch(/^multihost: skipped: .*iproute2/);
  });
});
