/**
 * reference.json is what scripts/paddle-dialects/reference.py writes: re-run it (PaddleOCR's and PaddleDetection's
 * files over Paddle's lr.py) where python3 with PyYAML is installed; the rest of the suite never needs Python.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const python = spawnSync('python3', ['-c', 'import yaml'], { stdio: 'ignore' }).status === 0;
if (!python) console.warn('skipping the reference.py re-run: no python3 with PyYAML on this machine');

describe.skipIf(!python)('scripts/paddle-dialects/reference.py', () => {
  it('writes the committed reference values', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'dptrain-reference-')), 'reference.json');
    execFileSync('python3', [join(ROOT, 'scripts', 'paddle-dialects', 'reference.py'), out], {
      stdio: 'ignore',
    });
    const fresh = JSON.parse(readFileSync(out, 'utf8'));
    const committed = JSON.parse(
      readFileSync(join(ROOT, 'test', 'fixtures', 'dialects', 'reference.json'), 'utf8'),
    );
    expect({ lr: fresh.lr, optimizers: fresh.optimizers }).toEqual({
      lr: committed.lr,
      optimizers: committed.optimizers,
    });
  });
});
