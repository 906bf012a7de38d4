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

/** The script's arguments for a short 2-worker synthetic run on `port`, with `extra` options of its own. */
function quickRun(port: number, runDir: string, extra: readonly string[] = []): string[] {
  const own = ['--prefix', PREFIX, '--workers', '2', '--port', String(port), ...extra, '--json'];
  return [...own, '--', '--task', 'synthetic', '--steps', '20', '--batch-size', '32', '--run-dir', runDir];
}

describe('scripts/multihost.mjs', () => {
  let dir = '';
  let skipReason: string | null = null;
  let run: Exited | null = null;

  beforeAll(async () => {
    dir = await scratch();
    run = await multihost(quickRun(29517, join(dir, 'run')));
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

  it('puts a dptrain netsim relay on each worker host with --latency-ms: the same parameters, bytes forwarded', async (ctx) => {
    if (skipReason !== null) ctx.skip(skipReason);
    const relayed = await multihost(
      quickRun(29518, join(dir, 'relayed'), ['--latency-ms', '5', '--jitter-ms', '1']),
    );
    expect(relayed.code, relayed.stderr).toBe(0);
    const report = JSON.parse(relayed.stdout.trim().split('\n').at(-1)!);
    const plain = JSON.parse(run!.stdout.trim().split('\n').at(-1)!);
    // Timing only: the same bytes in the same order, so the sync run ends with the same parameters.
    expect(report.summary.paramsDigest).toBe(plain.summary.paramsDigest);
    // The relay forwards from the worker's own address: the coordinator still sees each worker's host.
    expect([...report.joinAddresses].sort()).toEqual(
      report.workers.map((w: { address: string }) => w.address).sort(),
    );
    for (const rank of [0, 1]) {
      const line = new RegExp(
        `relay ${rank}: exit 0, forwarded (\\d+) bytes to the target and (\\d+) bytes back`,
      ).exec(relayed.stderr);
      expect(line, relayed.stderr).not.toBeNull();
      expect(Number(line![1])).toBeGreaterThan(20 * 676 * 4);
      expect(Number(line![2])).toBeGreaterThan(20 * 676 * 4);
    }
    expect(ownNamespaces()).toEqual([]);
  }, 180_000);

  it('refuses --jitter-ms without --latency-ms, naming both', async () => {
    const refused = await multihost(['--prefix', PREFIX, '--jitter-ms', '5']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--jitter-ms and --bandwidth-mbps shape the relay of --latency-ms');
    expect(refused.stdout).toBe('');
  });

  it('skips with exit 77 and one line saying why when it cannot make a namespace (no ip on PATH)', async () => {
    const skipped = await multihost(['--prefix', PREFIX], { ...process.env, PATH: '/nonexistent' });
    expect(skipped.code).toBe(SKIPPED);
    expect(skipped.stderr.trim().split('\n')).toHaveLength(1);
    expect(skipped.stderr).toMatch(/^multihost: skipped: .*iproute2/);
  });
});
