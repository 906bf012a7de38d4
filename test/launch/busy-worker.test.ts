import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dptrain, runDirectoryOf, scratch } from '../support/processes.js';
import { readRunDirectory } from '../support/run-directory.js';

const BUSY_TASK = new URL('../fixtures/busy-task.mjs', import.meta.url).pathname;
const STEPS = 3;

describe('a busy worker under a short heartbeat_timeout', () => {
  it('is not taken for a hung one while each synchronous gradient holds its main thread for 3 × heartbeat_timeout', async () => {
    const dir = await scratch();
    // Every loss call spins 6 s, three times a heartbeat_timeout of 2 s (the defaults, 5 s, only scale it up).
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
        '--heartbeat-interval',
        '0.25',
        '--heartbeat-timeout',
        '2',
      ],
      { DPTRAIN_BUSY_MS: '6000' },
    ).exited;
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).not.toMatch(/silent for|no liveness connection/);
    const { summary } = await readRunDirectory(runDirectoryOf(run.stdout));
    expect(summary).toMatchObject({ outcome: 'finished', steps: STEPS });
  }, 240_000);
});
