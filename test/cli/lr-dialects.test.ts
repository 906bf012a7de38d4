/**
 * `dptrain lr values` / `lr plot` with Paddle's dialect files, through the command itself (in process): the values,
 * the one warning line of what was read and ignored, and the refusals that name the missing flag.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../support/cli.js';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'dialects');
const reference = JSON.parse(readFileSync(join(DIR, 'reference.json'), 'utf8')) as {
  lr: Record<string, number[]>;
};

describe('dptrain lr values with Paddle dialects', () => {
  it('the seed block pastes in as written and prints the reference values', async () => {
    const { code, stdout, stderr } = await cli(['lr', 'values', join(DIR, 'seed.yml'), '--steps', '2450']);
    expect({ code, stderr }).toEqual({ code: 0, stderr: [] });
    expect(JSON.parse(stdout[0]!)).toEqual(reference.lr.seed);
  });

  it('a whole PaddleOCR file: epochs from Global.epoch_num, one warning line naming the ignored blocks', async () => {
    const file = join(DIR, 'paddleocr', 'det_mv3_db.yml');
    const { code, stdout, stderr } = await cli([
      'lr',
      'values',
      file,
      '--steps',
      '20',
      '--steps-per-epoch',
      '4',
    ]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout[0]!)).toEqual(reference.lr['ppocr-det-mv3-db']);
    expect(stderr).toEqual([
      'warning: PaddleOCR file: read Optimizer.lr with epochs from Global.epoch_num (1200); ' +
        'ignored Architecture, Loss, PostProcess, Metric, Train, Eval',
    ]);
  });

  it('refuses a PaddleOCR file without --steps-per-epoch, naming the flag', async () => {
    const { code, stderr } = await cli([
      'lr',
      'values',
      join(DIR, 'paddleocr', 'linear.yml'),
      '--steps',
      '5',
    ]);
    expect(code).toBe(2);
    expect(stderr.join('\n')).toMatch(/Optimizer\.lr \(PaddleOCR Linear\).*give --steps-per-epoch K/);
  });

  it('refuses a PaddleOCR class that counts epochs without --epochs (no Global.epoch_num), naming the flag', async () => {
    const file = join(DIR, 'paddleocr', 'linear.yml');
    const { code, stderr } = await cli(['lr', 'values', file, '--steps', '5', '--steps-per-epoch', '4']);
    expect(code).toBe(2);
    expect(stderr.join('\n')).toMatch(/give --epochs E/);
  });

  it('refuses dptrain expressions over total_steps without both flags, and evaluates them with both', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dptrain-dialects-'));
    const file = join(dir, 'lr.yml');
    await writeFile(file, 'lr:\n  name: CosineAnnealingDecay\n  learning_rate: 1\n  T_max: total_steps\n');
    const refused = await cli(['lr', 'values', file, '--steps', '2', '--steps-per-epoch', '2']);
    expect(refused.code).toBe(2);
    expect(refused.stderr.join('\n')).toMatch(/total_steps; give --steps-per-epoch K and --epochs E/);
    const given = await cli([
      'lr',
      'values',
      file,
      '--steps',
      '2',
      '--steps-per-epoch',
      '2',
      '--epochs',
      '1',
    ]);
    // T_max = 2 by hand: (1 + cos(pi/2)) / 2 rounds to 0.5, then (1 + cos(pi)) / (1 + cos(pi/2)) * 0.5 = 0.
    expect(JSON.parse(given.stdout[0]!)).toEqual([1, 0.5, 0]);
  });

  it('lr plot draws a PaddleDetection !Tag file', async () => {
    const file = join(DIR, 'paddledet', 'optimizer_270e.yml');
    const { code, stdout } = await cli([
      'lr',
      'plot',
      file,
      '--steps',
      '60',
      '--steps-per-epoch',
      '1',
      '--ascii',
    ]);
    expect(code).toBe(0);
    expect(stdout.join('\n')).toContain('PiecewiseDecay');
  });
});
