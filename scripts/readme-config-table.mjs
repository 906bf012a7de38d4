// Rewrites the run-config table of README.md from the one table of keys in src/config (built into dist/):
// `npm run build && npm run docs`. A test fails while the two differ.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderRunConfigTable } from '../dist/config/index.js';

const START = '<!-- run-config-table:start -->';
const END = '<!-- run-config-table:end -->';
const readme = fileURLToPath(new URL('../README.md', import.meta.url));

const text = readFileSync(readme, 'utf8');
const start = text.indexOf(START);
const end = text.indexOf(END);
if (start < 0 || end < start) {
  console.error(
    `README.md needs the markers ${START} and ${END}, in that order, around the run-config table`,
  );
  process.exit(1);
}
const updated = `${text.slice(0, start + START.length)}\n${renderRunConfigTable()}\n${text.slice(end)}`;
if (updated === text) {
  console.log('README.md: the run-config table is up to date');
} else {
  writeFileSync(readme, updated);
  console.log('README.md: rewrote the run-config table');
}
