import type { Flag } from './args.js';
import { COMMAND_TABLE } from './command-table.js';
import { flagSynopsis } from './help.js';

/**
 * A command's flags as the README's `| option | meaning |` table, one row per flag in table order.
 *
 * @example
 * renderFlagTable([{ name: 'steps', value: 'N', meaning: 'calls' }]).split('\n')[2]; // '| `--steps N` | calls |'
 */
export function renderFlagTable(flags: readonly Flag[]): string {
  const rows = flags.map((flag) => `| \`${cell(flagSynopsis(flag))}\` | ${cell(flag.meaning)} |`);
  return ['| option | meaning |', '|---|---|', ...rows].join('\n');
}

/**
 * Every flag table the README's "Command-line reference" holds, by the id of its block
 * (`<!-- cli-flags:<id>:start -->` … `<!-- cli-flags:<id>:end -->`). `npm run docs` writes them; a test keeps
 * README and help equal.
 *
 * @example
 * readmeFlagTables().find((t) => t.id === 'lr-values')?.table.split('\n')[0]; // '| option | meaning |'
 */
export function readmeFlagTables(): { id: string; table: string }[] {
  return COMMAND_TABLE.flatMap((spec) =>
    spec.groups.flatMap((group) =>
      group.readme === undefined ? [] : [{ id: group.readme, table: renderFlagTable(group.flags) }],
    ),
  );
}

/** A pipe would end the cell early. */
function cell(text: string): string {
  return text.replaceAll('|', '\\|');
}
