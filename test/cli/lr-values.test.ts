import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../support/cli.js';
import { type GoldenCase, readFixture, toConfig } from '../support/lr-golden.js';

const run = promisify(execFile);
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dptrain-lr-'));
});

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

describe('dptrain lr values', () => {
  const golden = readFixture<GoldenCase[]>('lr-golden.json');

  it('prints N+1 values equal to the golden sequences, with calls and a restore', async () => {
    for (const name of [
      'LinearWarmup_multistep_ocr_2000_explicit',
      'Restore_LinearWarmup_cosine_after_warmup',
      'ReduceOnPlateau_cooldown_improvement',
    ]) {
      const c = golden.find((g) => g.name === name)!;
      const config = await file(`${name}.json`, JSON.stringify({ lr: toConfig(c.scheduler) }));
      const args = ['lr', 'values', config, '--steps', String(c.steps)];
      if (c.calls) args.push('--calls', await file(`${name}.calls.json`, JSON.stringify(c.calls)));
      if (c.restore) args.push('--restore-at', String(c.restore.at));
      const out = await cli(args);
      expect(out).toMatchObject({ code: 0, stderr: [] });
      expect(out.stdout).toHaveLength(1);
      const values = JSON.parse(out.stdout[0]!) as number[];
      expect(values).toHaveLength(c.steps + 1);
      for (const [k, v] of values.entries()) {
        expect(Math.abs(v - c.lrs[k]!)).toBeLessThanOrEqual(1e-12 * Math.abs(c.lrs[k]!) + 1e-18);
      }
    }
  });

  it('refuses a bad config with exit 2, one error line and nothing on stdout', async () => {
    const config = await file('bad.yaml', 'name: StepDecay\nlearning_rate: 0.1\nstep_size: 0\n');
    const out = await cli(['lr', 'values', config, '--steps', '3']);
    expect(out.code).toBe(2);
    expect(out.stdout).toEqual([]);
    expect(out.stderr).toHaveLength(1);
    expect(out.stderr[0]).toMatch(
      /^error: step_size: StepDecay: step_size must be a positive integer, received 0$/,
    );
  });

  it('refuses an error raised while stepping, bad flags and bad calls the same way', async () => {
    const oneCycle = await file(
      'onecycle.yaml',
      'lr: {name: OneCycleLR, max_learning_rate: 0.1, total_steps: 3}\n',
    );
    const cases = [
      ['lr', 'values', oneCycle, '--steps', '5'],
      ['lr', 'values', oneCycle, '--steps', '-1'],
      ['lr', 'values', oneCycle, '--steps', '2', '--restore-at', '3'],
      ['lr', 'values', oneCycle],
      ['lr', 'values', oneCycle, '--steps', '2', '--calls', await file('short.json', '[null]')],
      ['lr', 'values', oneCycle, '--steps', '1', '--calls', await file('typo.json', '[{"epoc": 1}]')],
      ['lr', 'values', join(dir, 'missing.yaml'), '--steps', '2'],
      ['lr', 'valuez'],
    ];
    for (const args of cases) {
      const out = await cli(args);
      expect({ args, code: out.code, stdout: out.stdout, lines: out.stderr.length }).toEqual({
        args,
        code: 2,
        stdout: [],
        lines: 1,
      });
      expect(out.stderr[0]).toMatch(/^error: /);
    }
  });

  it('runs as a real process: exit code 2 and no stack trace on stderr', async () => {
    const config = await file('proc.yaml', 'lr:\n  name: Nope\n');
    const failure = await run('node', ['dist/cli/main.js', 'lr', 'values', config, '--steps', '2']).catch(
      (e) => e,
    );
    expect(failure.code).toBe(2);
    expect(failure.stdout).toBe('');
    expect(failure.stderr.trim().split('\n')).toHaveLength(1);
    expect(failure.stderr).toContain('lr.name: unknown scheduler "Nope"');
  });
});
