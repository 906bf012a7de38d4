import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { measureTrainCeiling } from '../../src/bench/train-ceiling.js';
import { parameterDigest } from '../../src/protocol/index.js';
import { mnistTask } from '../../src/tasks/index.js';
import { dptrain, scratch } from '../support/processes.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** The paramsDigest of a real 1-worker `dptrain launch` of the default run, `steps` steps long. */
async function launchDigest(steps: number): Promise<string> {
  const dir = await scratch();
  dirs.push(dir);
  const out = join(dir, 'runs');
  const child = dptrain([
    'launch',
    '--workers',
    '1',
    '--steps',
    String(steps),
    '--out',
    out,
    '--progress',
    'false',
  ]);
  const exited = await child.exited;
  expect(exited.code, exited.stderr).toBe(0);
  const [runDir] = await readdir(out);
  const summary = JSON.parse(await readFile(join(out, runDir!, 'summary.json'), 'utf8')) as {
    paramsDigest: string;
  };
  return summary.paramsDigest;
}

describe('the single-process ceiling of bench train', () => {
  it('trains the run a 1-worker dptrain launch trains: the same parameters, bit for bit, after 3 steps', async () => {
    const [ceiling, launched] = await Promise.all([
      measureTrainCeiling({ steps: 3, warmup: 1 }),
      launchDigest(3),
    ]);
    expect(ceiling.paramsDigest).toBe(launched);
    // and it did train: the parameters moved from the initial ones
    expect(ceiling.paramsDigest).not.toBe(
      parameterDigest(mnistTask.createModel({ seed: 1 }).initialParameters()),
    );
    expect(ceiling).toMatchObject({ steps: 2, samples: 128 });
    expect(Number.isFinite(ceiling.samplesPerSec) && ceiling.samplesPerSec > 0).toBe(true);
  });

  it('refuses a warm-up that leaves no step to time', async () => {
    await expect(measureTrainCeiling({ steps: 2, warmup: 2 })).rejects.toMatchObject({
      code: 'ERR_BENCH_ARGUMENT',
    });
  });
});
