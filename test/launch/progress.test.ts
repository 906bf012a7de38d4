import { describe, expect, it } from 'vitest';
import { formatDuration, formatProgress, ProgressDisplay } from '../../src/launch/progress.js';
import { describeExit, markLine } from '../../src/launch/worker-processes.js';

const state = {
  step: 120,
  totalSteps: 1407,
  epoch: 0,
  epochs: 3,
  lr: 0.0123456,
  loss: 0.45,
  samplesPerSec: 21000.4,
  elapsedSeconds: 6,
};

describe('progress line', () => {
  it('shows step/total, epoch, LR, loss, samples/s and the ETA from the pace so far', () => {
    expect(formatProgress(state, 0)).toBe(
      'step 120/1407 (8%) | epoch 1/3 | lr 0.01235 | loss 0.4500 | 21,000 samples/s | ETA 1:04',
    );
  });

  it('draws a bar of the requested width that fills with progress', () => {
    const empty = formatProgress({ ...state, step: 0 }, 10);
    const full = formatProgress({ ...state, step: 1407 }, 10);
    expect(empty.startsWith(`[${' '.repeat(10)}]`)).toBe(true);
    expect(full.startsWith(`[${'█'.repeat(10)}]`)).toBe(true);
    expect(empty).toContain('ETA --:--');
  });

  it('formats durations as m:ss or h:mm:ss', () => {
    expect([
      formatDuration(0),
      formatDuration(59.6),
      formatDuration(3725),
      formatDuration(Number.NaN),
    ]).toEqual(['0:00', '1:00', '1:02:05', '--:--']);
  });

  it('prints plain lines at most every interval off a terminal, and always the last one', () => {
    const lines: string[] = [];
    const display = new ProgressDisplay({ write: (t: string) => lines.push(t) }, true, 3600);
    display.update({ ...state, step: 1 });
    display.update({ ...state, step: 2 });
    display.update({ ...state, step: 1407 });
    expect(lines.map((l) => l.split(' |')[0])).toEqual(['step 1/1407 (0%)', 'step 1407/1407 (100%)']);
  });

  it('redraws one line on a terminal and prints log lines above it', () => {
    let out = '';
    const display = new ProgressDisplay(
      { write: (t: string) => (out += t), isTTY: true, columns: 160 },
      true,
    );
    display.update(state);
    display.log('[rank 1] hello');
    const clear = '\r\u001b[K';
    const [first, second, third] = out.split(clear);
    expect(first).toBe('');
    expect(second).toMatch(/^\[.*step 120\/1407/);
    expect(third).toMatch(/^\[rank 1\] hello\n\[.*step 120\/1407/);
  });
});

describe('worker processes', () => {
  it('marks text lines with a rank prefix and JSON lines with a rank field', () => {
    expect(markLine('2026 info worker hi', 2, 'text')).toBe('[rank 2] 2026 info worker hi');
    expect(JSON.parse(markLine('{"msg":"hi","level":"info"}', 1, 'json'))).toEqual({
      msg: 'hi',
      level: 'info',
      rank: 1,
    });
    expect(markLine('Segmentation fault', 0, 'json')).toBe('[rank 0] Segmentation fault');
  });

  it('says how a worker ended', () => {
    expect(describeExit({ rank: 1, pid: 42, code: null, signal: 'SIGKILL' })).toBe(
      'worker rank 1 (pid 42) was killed by SIGKILL',
    );
    expect(describeExit({ rank: 0, pid: 7, code: 3, signal: null })).toBe(
      'worker rank 0 (pid 7) exited with code 3',
    );
  });
});
