import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMMAND_TABLE, commandSpec } from '../../src/cli/command-table.js';
import { flagSynopsis, renderCommandHelp, renderMainHelp } from '../../src/cli/help.js';
import { readmeFlagTables, renderFlagTable } from '../../src/cli/readme-flags.js';
import { COMMAND_LOADERS } from '../../src/cli/run-cli.js';
import { RUN_CONFIG_KEYS } from '../../src/config/index.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('the command table', () => {
  it('has a loader for every command and a command for every loader', () => {
    expect(Object.keys(COMMAND_LOADERS).sort()).toEqual(COMMAND_TABLE.map((spec) => spec.name).sort());
  });

  it('writes a flag as the README and help show it', () => {
    expect(flagSynopsis({ name: 'output', short: 'o', value: 'FILE', meaning: '' })).toBe(
      '-o, --output FILE',
    );
    expect(flagSynopsis({ name: 'ascii', meaning: '' })).toBe('--ascii');
    expect(renderFlagTable([{ name: 'backend', value: 'a|b', meaning: 'one `x` | two' }])).toBe(
      '| option | meaning |\n|---|---|\n| `--backend a\\|b` | one `x` \\| two |',
    );
  });
});

describe('README.md and --help', () => {
  it("hold the same flag tables: each README block is exactly its command's table (npm run build && npm run docs)", () => {
    const tables = readmeFlagTables();
    expect(tables.map((t) => t.id).sort()).toEqual(
      ['coordinator', 'launch', 'launch-connect', 'lr-plot', 'lr-values', 'netsim', 'worker'].sort(),
    );
    for (const { id, table } of tables) {
      const start = `<!-- cli-flags:${id}:start -->\n`;
      const from = README.indexOf(start);
      const to = README.indexOf(`\n<!-- cli-flags:${id}:end -->`);
      expect(from, `the start marker of ${id}`).toBeGreaterThanOrEqual(0);
      expect(to, `the end marker of ${id}, after its start`).toBeGreaterThan(from);
      expect(README.slice(from + start.length, to), id).toBe(table);
    }
  });

  it('lists in each command help every flag of its README table', () => {
    for (const spec of COMMAND_TABLE) {
      const help = renderCommandHelp(spec, 200);
      for (const group of spec.groups) {
        for (const flag of group.flags)
          expect(help, `${spec.name} ${flag.name}`).toContain(flagSynopsis(flag));
      }
    }
  });

  it('lists every run-config key and sub-key as a flag in the help of launch and coordinator, with its default', () => {
    for (const name of ['launch', 'coordinator']) {
      const help = renderCommandHelp(commandSpec(name), 200);
      for (const entry of RUN_CONFIG_KEYS) {
        for (const key of [entry.key, ...(entry.parts ?? []).map((part) => part.key)]) {
          expect(help, key).toContain(`  --${key.replaceAll('_', '-')}`);
        }
      }
      expect(help).toContain('--batch-size');
      // the meaning wraps at the help's width; its default ends it
      expect(help).toMatch(/--batch-size +examples per worker per step;(?:(?!\n {2}--)[\s\S])*Default: 64\n/);
      expect(help).toContain('--progress, --no-progress');
    }
  });

  it('wraps meanings to the width: at 80 columns no line but a usage line is longer than 79', () => {
    const texts = [renderMainHelp('0.1.0', 80), ...COMMAND_TABLE.map((spec) => renderCommandHelp(spec, 80))];
    for (const text of texts) {
      const long = text
        .split('\n')
        .filter((line) => line.length > 79 && !/^(usage: | {7}| {2})dptrain /.test(line));
      expect(long).toEqual([]);
    }
  });

  it('leaves the processes dptrain starts itself out of the overview', () => {
    const help = renderMainHelp('0.1.0', 80);
    expect(help).not.toContain('bench worker');
    expect(help).toContain('dptrain bench allreduce');
  });
});
