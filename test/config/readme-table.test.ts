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

  it('renders every key of the run config', () => {
    const table = renderRunConfigTable();
    expect(table.split('\n')).toHaveLength(RUN_CONFIG_KEYS.length + 2);
    expect(table).toContain('| `workers` | `2` | worker processes (1–64) |');
    expect(table).toContain('| `round_timeout` | `600` |');
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
