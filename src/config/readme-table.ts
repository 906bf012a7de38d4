import { stringify } from 'yaml';
import { RUN_CONFIG_KEYS, type RunConfigKey } from './keys.js';

/**
 * The README's run-config table (`| key | default | meaning |`), one row per key in table order: defaults as
 * YAML (mappings in flow style, so a default can be copied into a file), "—" for none.
 * `npm run docs` writes it into README.md; a test keeps the two equal.
 *
 * @example
 * renderRunConfigTable().split('\n')[2]; // '| `task` | `mnist-mlp` | a built-in task name (…) … |'
 */
export function renderRunConfigTable(keys: readonly RunConfigKey[] = RUN_CONFIG_KEYS): string {
  const rows = keys.map(
    (entry) => `| \`${entry.key}\` | ${defaultCell(entry.default)} | ${cell(entry.meaning)} |`,
  );
  return ['| key | default | meaning |', '|---|---|---|', ...rows].join('\n');
}

function defaultCell(value: unknown): string {
  if (value === null) return '—';
  const yaml = stringify(value, { collectionStyle: 'flow', lineWidth: 0 }).trim();
  return `\`${cell(yaml)}\``;
}

/** A pipe would end the cell early. */
function cell(text: string): string {
  return text.replaceAll('|', '\\|');
}
