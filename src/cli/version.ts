import { readFileSync } from 'node:fs';

/**
 * dptrain's version, read from its package.json when asked: two folders up from this module both in src/cli
 * (tests) and in dist/cli (the installed command), so a release bump needs no second edit.
 *
 * @example
 * dptrainVersion(); // '0.1.0'
 */
export function dptrainVersion(): string {
  const file = new URL('../../package.json', import.meta.url);
  const { version } = JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown };
  if (typeof version !== 'string') throw new Error(`${file.pathname} has no "version" string`);
  return version;
}
