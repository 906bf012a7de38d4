import { readFile } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import { TOKEN_ENV } from '../launch/index.js';

/**
 * The run's token: from `--token-file` (its first line) or from `DPTRAIN_TOKEN`, never from the command line,
 * where other users of the machine could read it.
 *
 * @example
 * const token = await readToken(values['token-file']);
 */
export async function readToken(tokenFile: string | undefined): Promise<string> {
  const token =
    tokenFile === undefined
      ? process.env[TOKEN_ENV]
      : (await readFile(tokenFile, 'utf8')).split(/\r?\n/, 1)[0];
  if (token === undefined || token.trim() === '') {
    throw new UsageError(
      tokenFile === undefined
        ? `no token: set ${TOKEN_ENV} or pass --token-file FILE (the same token on the coordinator and every worker)`
        : `--token-file ${tokenFile} is empty`,
    );
  }
  return token.trim();
}
