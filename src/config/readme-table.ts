import { stringify } from 'yaml';
import { RUN_CONFIG_KEYS, type RunConfigKey } from './keys.js';

/**
 * The README's run-config table (`| key | default | meaning |`), one row per key in table order: defaults as
 * YAML (mappings in flow style, so a default can be copied into a file), "—" for none. A section (`async`) has
 * its own row, with the default cell left empty, followed by one row per sub-key (`async.max_staleness`), each with
 * its default. A key whose default differs in async mode shows both. `npm run docs` writes it into README.md; a test keeps the two equal.
 *
 * @example
 * renderRunConfigTable().split('\n')[2]; // '| `task` | `mnist-mlp` | a built-in task name (…) … |'
 */
export function renderRunConfigTable(keys: readonly RunConfigKey[] = RUN_CONFIG_KEYS): string {
  const rows = keys.flatMap((entry) => {
    if (entry.parts === undefined) {
      if (entry.asyncDefault === undefined)
        return [line(entry.key, defaultCell(entry.default), entry.meaning)];
      const both = `sync: ${defaultCell(entry.default)}<br>async: ${defaultCell(entry.asyncDefault)}`;
      return [line(entry.key, both, entry.meaning)];
    }
    // The sub-key rows say every default; repeating the whole mapping here would only be longer.
    const parts = entry.parts.map((sub) => line(sub.key, defaultCell(sub.default), sub.meaning));
    return [line(entry.key, '', entry.meaning), ...parts];
  });
  return ['| key | default | meaning |', '|---|---|---|', ...rows].join('\n');
}

function line(key: string, defaultText: string, meaning: string): string {
  return `| \`${key}\` | ${defaultText} | ${cell(meaning)} |`;
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
