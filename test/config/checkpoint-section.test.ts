import { describe, expect, expectTypeOf, it } from 'vitest';
import { parse } from 'yaml';
import { parseRunConfig, RUN_CONFIG_KEYS, type RunConfig, runConfigToYaml } from '../../src/config/index.js';
import { flags, refusal } from '../support/config.js';

describe('the checkpoint section', () => {
  it('defaults to saving only at stop and at the end, into the run directory, keeping 3 files', () => {
    expect(parseRunConfig(undefined).checkpoint).toEqual({ every_steps: 0, dir: null, keep: 3 });
    expect(parseRunConfig({ mode: 'async' }).checkpoint).toEqual({ every_steps: 0, dir: null, keep: 3 });
  });

  it('fills in the sub-keys the file leaves out and returns a frozen section', () => {
    const config = parseRunConfig({ checkpoint: { every_steps: 50 } });
    expect(config.checkpoint).toEqual({ every_steps: 50, dir: null, keep: 3 });
    expect(Object.isFrozen(config.checkpoint)).toBe(true);
    expect(parseRunConfig({ checkpoint: { dir: 'ckpt', keep: 1 } }).checkpoint).toEqual({
      every_steps: 0,
      dir: 'ckpt',
      keep: 1,
    });
  });

  it('types the section by its rules', () => {
    expectTypeOf<RunConfig['checkpoint']>().toEqualTypeOf<{
      readonly every_steps: number;
      readonly dir: string | null;
      readonly keep: number;
    }>();
  });

  it('documents each sub-key with its path, default and rule, and lets a resumed run change it', () => {
    const row = RUN_CONFIG_KEYS.find((entry) => entry.key === 'checkpoint');
    expect(row?.resume).toBe(true);
    expect(row?.parts?.map((p) => [p.key, p.default, p.allowed])).toEqual([
      ['checkpoint.every_steps', 0, 'an integer >= 0'],
      ['checkpoint.dir', null, 'a non-empty string (a folder), or null for none'],
      ['checkpoint.keep', 3, 'an integer >= 1'],
    ]);
    for (const part of row?.parts ?? []) expect(part.meaning.length, part.key).toBeGreaterThan(0);
  });

  it.each([
    [null, 'checkpoint'],
    [5, 'checkpoint'],
    [{ every_steps: -1 }, 'checkpoint.every_steps'],
    [{ every_steps: 2.5 }, 'checkpoint.every_steps'],
    [{ every_steps: '10' }, 'checkpoint.every_steps'],
    [{ every_steps: null }, 'checkpoint.every_steps'],
    [{ keep: 0 }, 'checkpoint.keep'],
    [{ keep: -3 }, 'checkpoint.keep'],
    [{ keep: 1.5 }, 'checkpoint.keep'],
    [{ keep: null }, 'checkpoint.keep'],
    [{ dir: '' }, 'checkpoint.dir'],
    [{ dir: 7 }, 'checkpoint.dir'],
    [{ dir: ['a'] }, 'checkpoint.dir'],
  ])('refuses checkpoint: %j at %s', (value, path) => {
    const error = refusal(() => parseRunConfig({ checkpoint: value }));
    expect(error.code).toBe('ERR_CONFIG_BAD_VALUE');
    expect(error.path).toBe(path);
    expect(error.message).toMatch(new RegExp(`^${path.replaceAll('.', '\\.')}: must be .*, received `));
  });

  it('names the rule and the value received', () => {
    expect(refusal(() => parseRunConfig({ checkpoint: { keep: 0 } })).message).toBe(
      'checkpoint.keep: must be an integer >= 1, received 0',
    );
  });

  it('refuses a sub-key the section does not have, suggesting the closest', () => {
    const error = refusal(() => parseRunConfig({ checkpoint: { every_step: 10 } }));
    expect(error.code).toBe('ERR_CONFIG_UNKNOWN_KEY');
    expect(error.path).toBe('checkpoint.every_step');
    expect(error.message).toContain('Did you mean every_steps?');
  });

  it('takes --checkpoint.* flags over the file', () => {
    const config = parseRunConfig(
      { checkpoint: { every_steps: 10, keep: 5 } },
      flags('--checkpoint.every-steps', '20', '--checkpoint.dir', 'saves'),
    );
    expect(config.checkpoint).toEqual({ every_steps: 20, dir: 'saves', keep: 5 });
  });

  it('writes the section to config.yaml and parses it back to an equal config', () => {
    const config = parseRunConfig({ checkpoint: { every_steps: 100, dir: '/tmp/ck', keep: 2 } });
    const text = runConfigToYaml(config);
    expect(text).toContain('\ncheckpoint:\n  every_steps: 100\n  dir: /tmp/ck\n  keep: 2\n');
    expect(parseRunConfig(parse(text))).toEqual(config);
    const defaults = parseRunConfig(undefined);
    expect(runConfigToYaml(defaults)).toContain('\ncheckpoint:\n  every_steps: 0\n  dir: null\n  keep: 3\n');
    expect(parseRunConfig(parse(runConfigToYaml(defaults)))).toEqual(defaults);
  });
});
