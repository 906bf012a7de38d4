/**
 * `dptrain --help` and `dptrain <command> --help`, written from the command table and the run-config table, the
 * ones the README's tables come from.
 */
import { stringify } from 'yaml';
import { RUN_CONFIG_KEYS } from '../config/index.js';
import type { Flag } from './args.js';
import { COMMAND_TABLE, type CommandSpec } from './command-table.js';

/** Where meanings start, at most; a longer flag gets its meaning on the next line. */
const MAX_FLAG_COLUMN = 30;
/** Help wider than this is hard to read, however wide the terminal. */
const MAX_WIDTH = 100;
/** A default longer than this would bury the meaning: the README's run-config table has it. */
const MAX_DEFAULT = 40;
const HELP_FLAG: Flag = { name: 'help', short: 'h', meaning: 'show this help and exit' };

/**
 * The overview: every command's usage and what it does, and where to read more; with `group` (`lr`), only the
 * commands that start with that word.
 *
 * @example
 * renderMainHelp('0.1.0', 80).split('\n')[0]; // 'dptrain 0.1.0 — data-parallel training coordinator'
 */
export function renderMainHelp(version: string, columns: number, group?: string): string {
  const shown = COMMAND_TABLE.filter(
    (spec) => spec.hidden !== true && (group === undefined || spec.name.startsWith(`${group} `)),
  );
  const width = Math.min(columns, MAX_WIDTH) - 1;
  const summaries = shown.map((spec) => ({ left: spec.name, meaning: spec.summary }));
  return [
    `dptrain ${version} — data-parallel training coordinator`,
    '',
    'usage:',
    ...shown.flatMap((spec) => spec.usage.map((line) => `  ${line}`)),
    '',
    'commands:',
    ...columnsOf(summaries, width),
    '',
    ...wrap(
      'dptrain <command> --help lists the flags of a command; dptrain --version prints the version. ' +
        'README.md says more about each.',
      width,
    ),
  ].join('\n');
}

/**
 * One command's help: usage, what it does, every flag of each of its forms with its meaning, and, for the
 * commands that take a run config, every run-config key as a flag with its default.
 *
 * @example
 * renderCommandHelp(commandSpec('lr values'), 80).split('\n')[0]; // 'usage: dptrain lr values <config> --steps N …'
 */
export function renderCommandHelp(spec: CommandSpec, columns: number): string {
  const width = Math.min(columns, MAX_WIDTH) - 1;
  const [first, ...others] = spec.usage;
  const lines = [
    `usage: ${first}`,
    ...others.map((line) => `       ${line}`),
    '',
    ...wrap(spec.summary, width),
  ];
  const groups =
    spec.groups.length === 0 ? [{ title: 'options', flags: [] as readonly Flag[] }] : spec.groups;
  for (const [i, group] of groups.entries()) {
    const flags = i === 0 ? [...group.flags, HELP_FLAG] : group.flags;
    lines.push('', `${group.title}:`, ...columnsOf(flags.map(flagEntry), width));
  }
  if (spec.runConfigFlags === true) {
    const about =
      'run-config flags: every key of the run config (README.md, "Run config") in kebab-case, overriding the ' +
      'config file. Nested keys use dots (--optimizer.momentum 0.8); values are YAML scalars (--data-limit null).';
    lines.push('', ...wrap(about, width), ...columnsOf(runConfigEntries(), width));
  }
  return lines.join('\n');
}

interface Entry {
  readonly left: string;
  readonly meaning: string;
}

/**
 * `-o, --output FILE`, as help and the README's tables show a flag.
 *
 * @example
 * flagSynopsis({ name: 'output', short: 'o', value: 'FILE', meaning: '' }); // '-o, --output FILE'
 */
export function flagSynopsis(flag: Flag): string {
  const long = flag.value === undefined ? `--${flag.name}` : `--${flag.name} ${flag.value}`;
  return flag.short === undefined ? long : `-${flag.short}, ${long}`;
}

function flagEntry(flag: Flag): Entry {
  return { left: flagSynopsis(flag), meaning: flag.meaning };
}

function runConfigEntries(): Entry[] {
  return RUN_CONFIG_KEYS.flatMap((entry) => {
    const rows = [{ key: entry.key, default: entry.default, meaning: entry.meaning }, ...(entry.parts ?? [])];
    return rows.map((row): Entry => {
      const isSectionRow = entry.parts !== undefined && row.key === entry.key;
      const flag = `--${row.key.replaceAll('_', '-')}${isSectionRow ? '.…' : ''}`;
      const left = typeof row.default === 'boolean' ? `${flag}, --no-${row.key.replaceAll('_', '-')}` : flag;
      return {
        left,
        meaning: isSectionRow ? row.meaning : `${row.meaning}. Default: ${defaultText(row.default)}`,
      };
    });
  });
}

function defaultText(value: unknown): string {
  if (value === null) return 'none';
  const yaml = stringify(value, { collectionStyle: 'flow', lineWidth: 0 }).trim();
  return yaml.length <= MAX_DEFAULT ? yaml : 'see the README';
}

/** Two columns: the flag, then its meaning wrapped to the width under itself. */
function columnsOf(entries: readonly Entry[], width: number): string[] {
  const longest = Math.max(0, ...entries.map((entry) => entry.left.length));
  const column = Math.min(MAX_FLAG_COLUMN, longest + 4);
  return entries.flatMap((entry) => {
    const wrapped = wrap(plain(entry.meaning), Math.max(20, width - column));
    const pad = ' '.repeat(column);
    const head = `  ${entry.left}`;
    if (head.length + 2 > column) return [head, ...wrapped.map((line) => `${pad}${line}`)];
    return [`${head.padEnd(column)}${wrapped[0] ?? ''}`, ...wrapped.slice(1).map((line) => `${pad}${line}`)];
  });
}

/** The markdown of a meaning as a terminal shows it: without the backticks of `code`. */
function plain(markdown: string): string {
  return markdown.replaceAll('`', '');
}

/** Words in lines of at most `width` characters; a longer word gets a line of its own, uncut. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    if (line === '') line = word;
    else if (line.length + 1 + word.length <= width) line += ` ${word}`;
    else {
      lines.push(line);
      line = word;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}
