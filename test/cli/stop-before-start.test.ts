import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dptrain, listeningUrl, scratch } from '../support/processes.js';

describe('a signal before training began', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)(
    '%s while workers are still joining: outcome stopped, exit %i, the run directory said',
    async (signal, code) => {
      const dir = await scratch();
      const runDir = join(dir, 'run');
      const coordinator = dptrain(
        ['coordinator', '--task', 'synthetic', '--workers', '2', '--run-dir', runDir],
        {
          DPTRAIN_TOKEN: 'stop-test',
        },
      );
      await listeningUrl(coordinator);
      coordinator.process.kill(signal);
      const exit = await coordinator.exited;
      expect(exit.code, exit.stderr).toBe(code);
      expect(exit.stdout.trim().split('\n').at(-1)).toBe(`run directory: ${runDir}`);
      const summary = JSON.parse(await readFile(join(runDir, 'summary.json'), 'utf8'));
      expect(summary).toMatchObject({ outcome: 'stopped', failure: null, exitCode: code, steps: 0 });
      expect(summary.stopped).toContain(`interrupted by ${signal}`);
    },
    60_000,
  );
});
