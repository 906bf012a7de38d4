import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../support/cli.js';

let dir: string;
let config: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dptrain-plot-'));
  config = join(dir, 'warmup.yaml');
  await writeFile(
    config,
    'lr:\n  name: LinearWarmup\n  learning_rate: {name: CosineAnnealingDecay, learning_rate: 0.1, T_max: 200}\n  warmup_steps: 20\n  start_lr: 0\n  end_lr: 0.1\n',
  );
});

describe('dptrain lr plot', () => {
  it('writes an SVG with labelled axes and the warmup marker', async () => {
    const out = join(dir, 'lr.svg');
    expect((await cli(['lr', 'plot', config, '--steps', '220', '-o', out])).code).toBe(0);
    const svg = await readFile(out, 'utf8');
    for (const text of ['learning rate', 'scheduler calls', 'warmup ends (step 20)', 'LinearWarmup'])
      expect(svg).toContain(text);
  });

  it('writes a PNG', async () => {
    const out = join(dir, 'lr.png');
    expect((await cli(['lr', 'plot', config, '--steps', '220', '-o', out])).code).toBe(0);
    const png = await readFile(out);
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.readUInt32BE(16)).toBe(1200);
  });

  it('draws in the terminal with --ascii', async () => {
    const out = await cli(['lr', 'plot', config, '--steps', '220', '--ascii']);
    expect(out.code).toBe(0);
    expect(out.stdout.join('\n')).toContain('warmup ends (step 20)');
  });

  it('draws --log-y on a log axis with decade ticks, and the LR as steps', async () => {
    const decay = join(dir, 'decay.yaml');
    await writeFile(
      decay,
      'lr:\n  name: MultiStepDecay\n  learning_rate: 0.007\n  milestones: [30, 40]\n  gamma: 0.1\n',
    );
    const out = join(dir, 'decay.svg');
    expect((await cli(['lr', 'plot', decay, '--steps', '100', '--log-y', '-o', out])).code).toBe(0);
    const svg = await readFile(out, 'utf8');
    // 0.007 → 7e-4 at call 30 → 7e-5 at call 40: the axis spans the decades 1e-5 … 0.01
    for (const tick of ['>1e-4<', '>1e-3<', '>0.01<', 'learning rate (log scale)'])
      expect(svg).toContain(tick);
    const ascii = await cli(['lr', 'plot', decay, '--steps', '100', '--log-y', '--ascii']);
    expect(ascii.stdout.join('\n')).toMatch(/^ *1e-4 \+/m);
  });

  it('refuses --log-y for a schedule with an LR of 0, naming the value and the call', async () => {
    const out = await cli(['lr', 'plot', config, '--steps', '30', '--log-y', '--ascii']);
    expect(out.code).toBe(2);
    expect(out.stdout).toEqual([]);
    // the warmup starts at start_lr 0, the LR right after construction
    expect(out.stderr[0]).toMatch(/^error: --log-y .*received 0 after 0 calls/);
  });

  it('refuses an unknown picture format and a missing output', async () => {
    for (const args of [
      ['lr', 'plot', config, '--steps', '5', '-o', join(dir, 'lr.jpg')],
      ['lr', 'plot', config, '--steps', '5'],
    ]) {
      const out = await cli(args);
      expect(out.code).toBe(2);
      expect(out.stderr[0]).toMatch(/^error: /);
    }
  });
});
