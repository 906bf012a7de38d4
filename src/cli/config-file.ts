import { readFile } from 'node:fs/promises';
import { ConfigError } from '../errors.js';

/** What to tell the user for the file-system errors a config file meets most. */
const WHY: Readonly<Record<string, string>> = {
  ENOENT: 'it does not exist (ENOENT); check the path, which is relative to the current directory',
  EISDIR: 'it is a folder (EISDIR); give the YAML file inside it',
  EACCES: 'permission denied (EACCES); make it readable (chmod +r) or give another file',
  EPERM: 'permission denied (EPERM); make it readable or give another file',
  ENOTDIR: 'a part of its path is a file, not a folder (ENOTDIR); check the path',
};

/**
 * A config file's text, or ConfigError `ERR_CONFIG_FILE` naming the file, why it cannot be read and what to do.
 * `what` says which file it is in the message ("config file", "--calls file").
 *
 * @example
 * await readConfigText('run.yaml'); // 'epochs: 3\n…', or: config file "run.yaml" cannot be read: it does not exist (ENOENT); …
 */
export async function readConfigText(file: string, what = 'config file'): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = (code === undefined ? undefined : WHY[code]) ?? (error as Error).message;
    throw new ConfigError('ERR_CONFIG_FILE', '', `${what} "${file}" cannot be read: ${why}`, {
      cause: error,
    });
  }
}

/**
 * Runs `parse` on a file's text, naming the file in a syntax error it throws (which already names the line and
 * column): `run.yaml: not valid YAML or JSON (line 3, column 5): …`.
 *
 * @example
 * inConfigFile('run.yaml', () => parseConfigText(text, ''));
 */
export function inConfigFile<T>(file: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof ConfigError && error.code === 'ERR_CONFIG_SYNTAX') {
      throw new ConfigError('ERR_CONFIG_SYNTAX', '', `${file}: ${error.message}`, { cause: error });
    }
    throw error;
  }
}
