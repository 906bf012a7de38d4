import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dptrain, runDirectoryOf, scratch } from '../support/processes.js';
import { readRunDirectory } from '../support/run-directory.js';

/** The pid of the launcher's worker with `--rank R`, read from ps. */
function workerPid(launcher: number, rank: number): number {
  const listed = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(launcher)], { encoding: 'utf8' });
  const line = listed.split('\n').find((entry) => entry.includes(`--rank ${rank}`));
  if (line === undefined) throw new Error(`no worker with --rank ${rank} under pid ${launcher}:\n${listed}`);
  return Number(line.trim().split(/\s+/)[0]);
}

describe('a hung worker (SIGSTOP) under dptrain launch', () => {
  it('is named by the heartbeat timeout, killed, and the run ends with its directory and exit 1', async () => {
    const dir = await scratch();
    const out = join(dir, 'runs');
    const child = dptrain([
      'launch',
      '--task',
      'synthetic',
      '--steps',
      '1000000',
      '--heartbeat-interval',
      '0.2',
      '--heartbeat-timeout',
      '2',
      '--out',
      out,
      '--no-progress',
    ]);
    for (;;) {
      const names = existsSync(out) ? await readdir(out) : [];
      const metrics = names.length === 1 ? join(out, names[0]!, 'metrics.jsonl') : null;
      if (metrics !== null && existsSync(metrics) && (await readFile(metrics, 'utf8')).split('\n').length > 5)
        break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const pid = workerPid(child.process.pid!, 1);
    process.kill(pid, 'SIGSTOP');
    try {
      const run = await child.exited;
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toMatch(
        /error: worker rank 1 \(pid \d+ on \S+\) silent for \d+ ms \(heartbeat_timeout 2 s\)/,
      );
      const { summary } = await readRunDirectory(runDirectoryOf(run.stdout));
      expect(summary.failure).toMatchObject({
        code: 'ERR_TRAINING_WORKER_LOST',
        rank: 1,
        step: summary.steps,
      });
      // The launcher killed the stopped worker rather than wait for it forever.
      expect(() => process.kill(pid, 0)).toThrow();
    } finally {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }, 120_000);
});
