// Rewrites the run-config table of README.md from the one table of keys in src/config, and the flag tables of the
// "Command-line reference" from the command table in src/cli (both built into dist/):
// `npm run build && npm run docs`. A test fails while README and the tables differ.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readmeFlagTables } from '../dist/cli/index.js';
import { renderRunConfigTable } from '../dist/config/index.js';

const readme = fileURLToPath(new URL('../README.md', import.meta.url));
const blocks = [
  { name: 'run-config-table', table: renderRunConfigTable() },
  ...readmeFlagTables().map(({ id, table }) => ({ name: `cli-flags:${id}`, table })),
];

const text = readFileSync(readme, 'utf8');
let updated = text;
for (const { name, table } of blocks) {
  const START = `<!-- ${name}:start -->`;
  const END = `<!-- ${name}:end -->`;
  const start = updated.indexOf(START);
  const end = updated.indexOf(END);
  if (start < 0 || end < start) {
    console.error(`README.md needs the markers ${START} and ${END}, in that order, around its table`);
    process.exit(1);
  }
  updated = `${updated.slice(0, start + START.length)}\n${table}\n${updated.slice(end)}`;
}
if (updated === text) {
  console.log('README.md: the run-config and flag tables are up to date');
} else {
  writeFileSync(readme, updated);
  console.log('README.md: rewrote the run-config and flag tables');
}
