import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

describe('scripts/mutations.json', () => {
  // An entry whose edit no longer applies would stop the whole mutation run, so every change to src keeps it true.
  it('holds only entries whose find text occurs exactly once in their file and whose tests exist', () => {
    const run = spawnSync(process.execPath, ['scripts/mutate.mjs', '--list'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
});
