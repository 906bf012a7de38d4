import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dptrain, runDirectoryOf, scratch } from '../support/processes.js';
import { readRunDirectory } from '../support/run-directory.js';

const BUSY_TASK = new URL('../fixtures/busy-task.mjs', import.meta.url).pathname;
const STEPS = 3;

describe('a busy worker under the default heartbeat keys', () => {
  it('is not taken for a hung one while each synchronous gradient holds its main thread for 3 × heartbeat_timeout', async () => {
    const dir = await scratch();
    // Every loss call spins 15 s, three times the default heartbeat_timeout of 5 s.
    const run = await dptrain(
      [
        'launch',
        '--task',
        BUSY_TASK,
        '--steps',
        String(STEPS),
        '--data-limit',
        '64',
        '--out',
        join(dir, 'runs'),
        '--no-progress',
      ],
      { DPTRAIN_BUSY_MS: '15000' },
    ).exited;
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).not.toMatch(/silent for|no liveness connection/);
    const { summary } = await readRunDirectory(runDirectoryOf(run.stdout));
    expect(summary).toMatchObject({ outcome: 'finished', steps: STEPS });
  }, 240_000);
});
