import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { metricsReached, reap, workerPid } from '../support/faults.js';
import { dptrain, runDirectoryOf, scratch } from '../support/processes.js';
import { readRunDirectory } from '../support/run-directory.js';

/** Resolves with the time (performance.now) at which `text()` first matches `pattern`, polling every 20 ms. */
async function seen(text: () => string, pattern: RegExp): Promise<number> {
  while (!pattern.test(text())) await new Promise((resolve) => setTimeout(resolve, 20));
  return performance.now();
}

describe('a hung worker (SIGSTOP) under dptrain launch', () => {
  it('is named within seconds under the default heartbeat keys, killed, and the run ends with its directory and exit 1', async () => {
    const dir = await scratch();
    const out = join(dir, 'runs');
    const child = dptrain([
      'launch',
      '--task',
      'synthetic',
      '--steps',
      '1000000',
      '--out',
      out,
      '--no-progress',
    ]);
    await metricsReached(out, 5);
    const pid = workerPid(child.process.pid!, 1);
    process.kill(pid, 'SIGSTOP');
    const stoppedAt = performance.now();
    try {
      const failedAt = await seen(child.stderr, /run failed/);
      const run = await child.exited;
      const exitedAt = performance.now();
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toMatch(
        new RegExp(
          `error: worker rank 1 \\(pid ${pid} on \\S+, \\d+ steps? completed\\) silent for \\d+ ms \\(heartbeat_timeout 5 s\\)`,
        ),
      );
      const { summary } = await readRunDirectory(runDirectoryOf(run.stdout));
      expect(summary.failure).toMatchObject({
        code: 'ERR_TRAINING_WORKER_LOST',
        rank: 1,
        step: summary.steps,
      });
      // The launcher killed the stopped worker rather than wait for it forever.
      expect(() => process.kill(pid, 0)).toThrow();
      const detection = (failedAt - stoppedAt) / 1000;
      console.log(
        `SIGSTOP of rank 1: 'run failed' after ${detection.toFixed(2)} s, launcher exited after ${((exitedAt - stoppedAt) / 1000).toFixed(2)} s (defaults: heartbeat_interval 1 s, heartbeat_timeout 5 s)`,
      );
      // A generous bound: the timeout is 5 s, the rest is a loaded machine's slack.
      expect(detection).toBeLessThan(20);
    } finally {
      reap(pid);
    }
  }, 120_000);
});
