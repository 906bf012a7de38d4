import { describe, expect, it } from 'vitest';
import { fitProgress, formatDuration, formatProgress, ProgressDisplay } from '../../src/launch/progress.js';
import { terminalWidth } from '../../src/launch/terminal-width.js';
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

describe('the progress line in a terminal of a given width', () => {
  // The run of the user's report: 4,341 samples/s. Fields, by hand: 'step 120/1407 (8%)' (18 characters),
  // 'epoch 1/3' (9), 'lr 0.01235' (10), 'loss 0.4500' (11), '4,341 samples/s' (15), 'ETA 1:04' (8, 6 s / 120
  // steps × 1287 left = 64 s); ' | ' (3) between two. All six: 71 + 5 × 3 = 86.
  const run = { ...state, samplesPerSec: 4341.2 };
  const all = 'step 120/1407 (8%) | epoch 1/3 | lr 0.01235 | loss 0.4500 | 4,341 samples/s | ETA 1:04';

  it('keeps every field at 120 columns and fills the 30 columns left with the bar', () => {
    // 119 usable − 86 − 3 for the brackets and the space = 30; 120/1407 of 30 cells = 2.56 → 2 full, then 4/8.
    expect(fitProgress(run, 120, { bar: true })).toBe(`[██▌${' '.repeat(27)}] ${all}`);
    expect(fitProgress(run, 120)).toBe(all);
  });

  it('drops samples/s first at 80 columns, so the ETA keeps its value', () => {
    expect(fitProgress(run, 80, { bar: true })).toBe(
      'step 120/1407 (8%) | epoch 1/3 | lr 0.01235 | loss 0.4500 | ETA 1:04',
    );
  });

  it('drops the epoch next at 60 columns, then the LR and the loss at 40', () => {
    expect(fitProgress(run, 60, { bar: true })).toBe(
      'step 120/1407 (8%) | lr 0.01235 | loss 0.4500 | ETA 1:04',
    );
    expect(fitProgress(run, 40, { bar: true })).toBe('step 120/1407 (8%) | ETA 1:04');
  });

  it('never cuts a value: at every width the line is whole fields of the full line, in order, within the width', () => {
    const fields = all.split(' | ');
    for (let columns = 1; columns <= 140; columns++) {
      const line = fitProgress(run, columns);
      expect(line.length, `${columns} columns`).toBeLessThanOrEqual(columns - 1);
      if (line === '') {
        expect(columns - 1, 'empty only when not even the step fits').toBeLessThan(fields[0]!.length);
        continue;
      }
      const shown = line.split(' | ');
      expect(
        shown.every((field) => fields.includes(field)),
        `${columns} columns: ${line}`,
      ).toBe(true);
      expect(shown.map((field) => fields.indexOf(field))).toEqual(
        [...shown.map((field) => fields.indexOf(field))].sort((a, b) => a - b),
      );
      expect(shown[0]).toBe(fields[0]);
    }
  });

  it('draws at the terminal width on a TTY, read at every draw', () => {
    let out = '';
    const stream = { write: (t: string) => (out += t), isTTY: true, columns: 40 };
    const display = new ProgressDisplay(stream, true);
    display.update(run);
    expect(out).toBe('\r\u001b[Kstep 120/1407 (8%) | ETA 1:04');
  });
});

describe('terminalWidth', () => {
  it("takes a terminal's columns, else COLUMNS, else 80", () => {
    expect(terminalWidth({ isTTY: true, columns: 132 }, { COLUMNS: '100' })).toBe(132);
    expect(terminalWidth({ isTTY: false }, { COLUMNS: '100' })).toBe(100);
    expect(terminalWidth({ isTTY: true }, { COLUMNS: '61' })).toBe(61);
    expect(terminalWidth({}, {})).toBe(80);
    for (const bad of ['', 'wide', '0', '-5', '7.5']) expect(terminalWidth({}, { COLUMNS: bad })).toBe(80);
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
