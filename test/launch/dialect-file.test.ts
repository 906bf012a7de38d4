import { copyFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { dptrain, runDirectoryOf, scratch } from '../support/processes.js';

/**
 * One real `dptrain launch` of a published PaddleOCR file, as tiny as a run gets: 8 synthetic examples on one
 * worker in batches of 4 are 2 steps per epoch, and 6 steps are 3 epochs. The expected LRs are computed by hand from
 * PaddleOCR's Cosine with warmup_epoch 2 (a LinearWarmup from 0 over round(2 × 2) = 4 steps, then a cosine of
 * T_max 2 × 3 = 6 steps); the first four are also reference.json's, which PaddleOCR's own Python computed for 2
 * steps per epoch.
 */
const OCR = new URL('../fixtures/dialects/paddleocr/ch_PP-OCRv3_det_student.yml', import.meta.url).pathname;

describe('dptrain launch with a whole PaddleOCR file', () => {
  it('runs to the end on the dialect’s schedule, says what it ignored, and records the translated lr', async () => {
    const dir = await scratch();
    const file = join(dir, 'det_student.yml');
    await copyFile(OCR, file);
    const run = await dptrain([
      'launch',
      file,
      '--task',
      'synthetic',
      '--steps',
      '6',
      '--workers',
      '1',
      '--batch-size',
      '4',
      '--data-limit',
      '8',
      '--eval-limit',
      '8',
      '--backend',
      'cpu',
      '--no-progress',
      '--out',
      join(dir, 'runs'),
    ]).exited;
    expect(run.code, run.stderr).toBe(0);
    const warnings = run.stderr.split('\n').filter((line) => line.includes('PaddleOCR file:'));
    expect(warnings).toEqual([
      'warning: PaddleOCR file: read Optimizer (Adam, lr Cosine); ignored Global.epoch_num (--steps gives the run ' +
        'length), the rest of Global, Architecture, Loss, PostProcess, Metric, Train, Eval',
    ]);
    const runDir = runDirectoryOf(run.stdout);
    const metrics = (await readFile(join(runDir, 'metrics.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { step: number; lr: number });
    const cosine = (t: number) => (0.001 * (1 + Math.cos((Math.PI * t) / 6))) / 2;
    const expected = [0, 0.00025, 0.0005, 0.00075, cosine(0), cosine(1)];
    expect(metrics.map((m) => m.step)).toEqual([0, 1, 2, 3, 4, 5]);
    metrics.forEach((m, i) => {
      expect(Math.abs(m.lr - expected[i]!), `step ${i}`).toBeLessThanOrEqual(1e-12 * expected[i]!);
    });
    const config = parse(await readFile(join(runDir, 'config.yaml'), 'utf8'));
    expect(config.lr).toEqual({
      name: 'LinearWarmup',
      learning_rate: { name: 'CosineAnnealingDecay', learning_rate: 0.001, T_max: 6 },
      warmup_steps: 4,
      start_lr: 0,
      end_lr: 0.001,
    });
    expect(config.optimizer).toEqual({ name: 'Adam', beta1: 0.9, beta2: 0.999, weight_decay: 5e-5 });
  });
});
