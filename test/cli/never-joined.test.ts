import { readdir, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dptrain, scratch } from '../support/processes.js';

let busy: Server | undefined;
afterEach(() => {
  busy?.close();
  busy = undefined;
});

/** A port this process holds, so the coordinator cannot listen on it. */
async function takenPort(): Promise<number> {
  busy = createServer();
  await new Promise<void>((resolve) => busy!.listen(0, '127.0.0.1', resolve));
  const address = busy.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('a coordinator whose workers never joined', () => {
  it('cannot listen: its run directory holds a summary.json that says why, and it exits at once', async () => {
    const port = await takenPort();
    const runDir = join(await scratch(), 'run');
    // A join timeout far beyond the test's: the process must not wait for it once listening failed.
    const exit = await dptrain(
      [
        'coordinator',
        '--task',
        'synthetic',
        '--port',
        String(port),
        '--join-timeout',
        '3600',
        '--run-dir',
        runDir,
      ],
      { DPTRAIN_TOKEN: 'never-joined' },
    ).exited;
    expect(exit.code, exit.stderr).toBe(1);
    expect(exit.stderr).toContain(`cannot listen on 127.0.0.1:${port}`);
    expect(exit.stdout.trim().split('\n').at(-1)).toBe(`run directory: ${runDir}`);
    const summary = JSON.parse(await readFile(join(runDir, 'summary.json'), 'utf8'));
    expect(summary).toMatchObject({ outcome: 'failed', steps: 0, exitCode: 1 });
    expect(summary.failure).toMatchObject({ code: 'ERR_TRANSPORT_LISTEN', step: null });
    expect((await readdir(runDir)).sort()).toEqual(['metrics.jsonl', 'summary.json']);
  }, 30_000);
});
