import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const SCRIPT = new URL('../../scripts/compare-sync-async.mjs', import.meta.url).pathname;
const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

// The quick plan, counted by hand: conditions (a), (b), (c) × sync, async = 6 runs; staleness with 2 and 3
// workers × sync, async lr_scale none, async lr_scale inverse = 6 runs.
const PLANNED = [
  'conditions-a-sync',
  'conditions-a-async',
  'conditions-b-sync',
  'conditions-b-async',
  'conditions-c-sync',
  'conditions-c-async',
  'staleness-w2-sync',
  'staleness-w2-async-none',
  'staleness-w2-async-inverse',
  'staleness-w3-sync',
  'staleness-w3-async-none',
  'staleness-w3-async-inverse',
];
/** Condition (c) needs the simulate link keys; a build without them reports it instead of running it. */
const LINK_RUNS = new Set(['conditions-c-sync', 'conditions-c-async']);
const NUMBER = /^-?[\d,]+(\.\d+)?$/;

let out: string;
let stdout: string;

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'dptrain-study-'));
  ({ stdout } = await promisify(execFile)(process.execPath, [SCRIPT, '--quick', '--out', out], {
    timeout: 170_000,
  }));
}, 180_000);

afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

/** The rows of table.md's run table, as cells keyed by the header. */
async function tableRows(): Promise<Record<string, string>[]> {
  const lines = (await readFile(join(out, 'table.md'), 'utf8')).split('\n').filter((l) => l.startsWith('|'));
  const cells = (line: string) =>
    line
      .slice(1, -1)
      .split(/(?<!\\)\|/)
      .map((c) => c.trim());
  const header = cells(lines[0]!);
  return lines.slice(2).map((line) => Object.fromEntries(cells(line).map((c, i) => [header[i], c])));
}

describe('scripts/compare-sync-async.mjs --quick', () => {
  it('writes one table row per planned run, with numbers for every run that finished', async () => {
    const rows = await tableRows();
    expect(rows.map((r) => r['run'])).toEqual(PLANNED);
    for (const row of rows) {
      if (LINK_RUNS.has(row['run']!) && row['outcome'] === 'not available in this build') continue;
      expect(row['outcome'], row['run']).toBe('finished');
      for (const column of ['wall s', 'train s', 'samples/s', 'final loss', 'test accuracy'])
        expect(row[column], `${row['run']} ${column}`).toMatch(NUMBER);
      if (row['mode'] === 'async') {
        for (const column of ['mean τ', 'p99 τ', 'drops'])
          expect(row[column], `${row['run']} ${column}`).toMatch(NUMBER);
      }
    }
  });

  it('records every run in results.json with its config and keeps its run directory', async () => {
    const results = JSON.parse(await readFile(join(out, 'results.json'), 'utf8'));
    expect(results.runs.map((r: { id: string }) => r.id)).toEqual(PLANNED);
    for (const run of results.runs) {
      expect(run.config.seed).toBe(1);
      expect(run.config.epochs).toBe(1);
      if (run.status === 'finished')
        expect(existsSync(join(out, run.runDirectory, 'summary.json'))).toBe(true);
    }
    const sync = results.runs.find((r: { id: string }) => r.id === 'staleness-w2-sync');
    expect(sync.config.mode).toBe('sync');
    expect(sync.config.optimizer).toBeUndefined();
  });

  it('draws loss against wall time and against samples, sync and async in one picture, as SVG and PNG', async () => {
    for (const condition of ['conditions-a', 'conditions-b', 'staleness-w2', 'staleness-w3']) {
      for (const picture of ['loss-vs-wall', 'loss-vs-samples']) {
        const svg = await readFile(join(out, condition, `${picture}.svg`), 'utf8');
        expect(svg.startsWith('<svg')).toBe(true);
        expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
        expect(svg).toContain('sync (');
        expect(svg).toContain('async');
        const png = await readFile(join(out, condition, `${picture}.png`));
        expect(png.subarray(0, 8)).toEqual(PNG_MAGIC);
      }
    }
  });

  it('prints the staleness check computed from the measured figures', () => {
    expect(stdout).toMatch(
      /mean τ by workers \(mean of the two async runs\): 2→\d+\.\d+, 3→\d+\.\d+ \(n−1: 1, 2\)/,
    );
    expect(stdout).toMatch(/(agrees|does not agree) with the paper/);
  });
});
