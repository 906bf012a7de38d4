import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RUN_CONFIG_KEYS, type RunConfigKey, renderRunConfigTable } from '../../src/config/index.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const START = '<!-- run-config-table:start -->\n';
const END = '\n<!-- run-config-table:end -->';

function key(entry: Partial<RunConfigKey> & Pick<RunConfigKey, 'key' | 'default' | 'meaning'>): RunConfigKey {
  return { field: 'task', allowed: 'anything', resume: true, ...entry } as RunConfigKey;
}

describe('renderRunConfigTable', () => {
  it('writes a markdown row per key: defaults as YAML in backticks, — for none, pipes escaped', () => {
    const table = renderRunConfigTable([
      key({ key: 'task', default: 'mnist-mlp', meaning: 'what to train' }),
      key({ key: 'steps', default: null, meaning: 'steps | or epochs' }),
      key({ key: 'progress', default: true, meaning: 'a bar' }),
      key({ key: 'optimizer', default: { name: 'SGD', args: [1, 2] }, meaning: 'an optimizer' }),
      key({ key: 'lr', default: { T_max: 'max(1, n)' }, meaning: 'a schedule' }),
    ]);
    expect(table).toBe(
      [
        '| key | default | meaning |',
        '|---|---|---|',
        '| `task` | `mnist-mlp` | what to train |',
        '| `steps` | — | steps \\| or epochs |',
        '| `progress` | `true` | a bar |',
        '| `optimizer` | `{ name: SGD, args: [ 1, 2 ] }` | an optimizer |',
        '| `lr` | `{ T_max: "max(1, n)" }` | a schedule |',
      ].join('\n'),
    );
  });

  it('renders every key of the run config, and every sub-key of a section after its row', () => {
    const table = renderRunConfigTable();
    const parts = RUN_CONFIG_KEYS.flatMap((entry) => entry.parts ?? []);
    expect(table.split('\n')).toHaveLength(RUN_CONFIG_KEYS.length + parts.length + 2);
    expect(table).toContain(
      '| `workers` | `2` | worker processes (1–64); a resumed sync run may have another number',
    );
    expect(table).toContain('| `round_timeout` | `600` |');
    expect(table).toContain('| `async` |  | settings of the parameter server');
    expect(table).toContain('\n| `async.max_staleness` | — | a gradient with staleness');
    expect(table).toContain('\n| `async.lr_scale` | `none` |');
    expect(table).toContain('\n| `async.dc_lambda` | `0` |');
    expect(table).toContain('\n| `simulate.slow` | `{}` |');
    const lines = table.split('\n');
    const at = (key: string) => lines.findIndex((line) => line.startsWith(`| \`${key}\` |`));
    expect(at('async.max_staleness')).toBe(at('async') + 1);
    expect(at('simulate.jitter')).toBe(at('simulate') + 2);
  });

  it('writes both defaults of a key whose default differs in async mode', () => {
    const table = renderRunConfigTable([
      key({
        key: 'optimizer',
        default: { name: 'SGD' },
        asyncDefault: { name: 'Adam' },
        meaning: 'an optimizer',
      }),
    ]);
    expect(table.split('\n')[2]).toBe(
      '| `optimizer` | sync: `{ name: SGD }`<br>async: `{ name: Adam }` | an optimizer |',
    );
  });

  it('writes a section row with an empty default followed by its sub-keys', () => {
    const table = renderRunConfigTable([
      {
        ...key({ key: 'async', default: { a: 1 }, meaning: 'a section' }),
        parts: [{ key: 'async.a', default: 1, meaning: 'one part | of it', allowed: 'a number' }],
      },
    ]);
    expect(table.split('\n').slice(2)).toEqual([
      '| `async` |  | a section |',
      '| `async.a` | `1` | one part \\| of it |',
    ]);
  });
});

describe('README.md', () => {
  it('holds the run-config table exactly as renderRunConfigTable writes it (npm run build && npm run docs)', () => {
    const start = README.indexOf(START);
    const end = README.indexOf(END);
    expect(start, 'the start marker').toBeGreaterThanOrEqual(0);
    expect(end, 'the end marker, after the start').toBeGreaterThan(start);
    expect(README.slice(start + START.length, end)).toBe(renderRunConfigTable());
  });
});
