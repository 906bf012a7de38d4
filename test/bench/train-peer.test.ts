import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SCRIPT = fileURLToPath(new URL('../../scripts/bench-peer', import.meta.url));

describe('scripts/bench-peer', () => {
  it('says the peer is absent and how to get it, and exits 0, when the python it is given has no torch', async () => {
    // /bin/false stands for a python without torch: `import torch` fails. The skips keep dptrain's side out.
    const child = spawn(SCRIPT, ['--skip-allreduce', '--skip-train'], {
      env: { ...process.env, BENCH_PEER_PYTHON: '/bin/false' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    const code = await new Promise((resolve) => child.once('close', resolve));
    expect(code).toBe(0);
    expect(stdout).toMatch(/the peer is absent/);
    expect(stdout).toMatch(/apt-get install python3-torch libopenblas0-pthread/);
  });
});
