import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { inConfigFile, readConfigText } from '../../src/cli/config-file.js';
import { ConfigError } from '../../src/errors.js';
import { parseConfigText } from '../../src/lr/index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dptrain-config-file-'));
});

async function refusal(run: () => Promise<unknown> | unknown): Promise<ConfigError> {
  try {
    await run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('accepted');
}

describe('config files that cannot be read or parsed', () => {
  it('names a missing file, says why and what to do', async () => {
    const missing = join(dir, 'nope.yaml');
    const error = await refusal(() => readConfigText(missing));
    expect(error.code).toBe('ERR_CONFIG_FILE');
    expect(error.message).toBe(
      `config file "${missing}" cannot be read: it does not exist (ENOENT); check the path, which is relative to the current directory`,
    );
    expect((error.cause as NodeJS.ErrnoException).code).toBe('ENOENT');
  });

  it('names a folder given as the file, and says which file it is', async () => {
    const error = await refusal(() => readConfigText(dir, '--calls file'));
    expect(error.message).toBe(
      `--calls file "${dir}" cannot be read: it is a folder (EISDIR); give the YAML file inside it`,
    );
  });

  it('names the file in a YAML error, which names the line and column', async () => {
    // Line 3 gives `a` a second time, at its first column.
    const error = await refusal(() =>
      inConfigFile('run.yaml', () => parseConfigText('a: 1\nb: 2\na: 3\n', '')),
    );
    expect(error.code).toBe('ERR_CONFIG_SYNTAX');
    expect(error.message).toMatch(/^run\.yaml: not valid YAML or JSON \(line 3, column 1\): /);
  });

  it('passes other errors and good text through unchanged', async () => {
    expect(inConfigFile('run.yaml', () => parseConfigText('a: 1\n', ''))).toEqual({ a: 1 });
    const other = new ConfigError('ERR_CONFIG_BAD_VALUE', 'seed', 'must be an integer');
    expect(
      await refusal(() =>
        inConfigFile('run.yaml', () => {
          throw other;
        }),
      ),
    ).toBe(other);
  });
});
