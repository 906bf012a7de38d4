import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunDirectory } from '../../src/run-directory/index.js';
import { scratch } from '../support/processes.js';

/** A metrics.jsonl line as a dead coordinator left it, written here by hand. */
const line = (step: number) =>
  JSON.stringify({ step, epoch: 0, round: step, lr: 0.1, loss: 1 / (step + 1), samples: 8 });

describe('RunDirectory.create with continueAt (a restarted coordinator)', () => {
  it('keeps the lines of the steps before the checkpoint, byte for byte, and drops the rest and a torn last line', async () => {
    const dir = await scratch();
    const kept = [0, 1, 2].map(line).join('\n');
    await writeFile(join(dir, 'metrics.jsonl'), `${kept}\n${[3, 4].map(line).join('\n')}\n{"step":5,"ep`);
    const directory = await RunDirectory.create(dir, { continueAt: 3 });
    expect(await readFile(join(dir, 'metrics.jsonl'), 'utf8')).toBe(`${kept}\n`);
    expect(directory.path).toBe(dir);
  });

  it('starts metrics.jsonl empty when the restart goes back to the start, and without one there', async () => {
    const dir = await scratch();
    await writeFile(join(dir, 'metrics.jsonl'), `${[0, 1].map(line).join('\n')}\n`);
    await RunDirectory.create(dir, { continueAt: 0 });
    expect(await readFile(join(dir, 'metrics.jsonl'), 'utf8')).toBe('');
    const fresh = join(await scratch(), 'run');
    await RunDirectory.create(fresh, { continueAt: 7 });
    expect(await readFile(join(fresh, 'metrics.jsonl'), 'utf8')).toBe('');
  });

  it('keeps the evaluation lines up to the checkpoint step (taken before it was written), not the ones after', async () => {
    const dir = await scratch();
    const evaluation = (step: number) =>
      JSON.stringify({ type: 'eval', step, epoch: step / 4, evalLoss: 0.5 });
    // Steps 0 to 5, evaluated after 2 and 4 completed steps; the checkpoint the restart goes on from is of step 4.
    const before = [line(0), line(1), evaluation(2), line(2), line(3), evaluation(4)];
    await writeFile(
      join(dir, 'metrics.jsonl'),
      `${[...before, line(4), line(5), evaluation(6)].join('\n')}\n`,
    );
    await RunDirectory.create(dir, { continueAt: 4 });
    expect(await readFile(join(dir, 'metrics.jsonl'), 'utf8')).toBe(`${before.join('\n')}\n`);
  });
});
