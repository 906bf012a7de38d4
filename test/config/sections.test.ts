import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseRunConfig, RUN_CONFIG_KEYS, resolveRun, runConfigToYaml } from '../../src/config/index.js';
import { flags, refusal } from '../support/config.js';

const ASYNC = { mode: 'async', workers: 4 } as const;

/** The link sub-keys at their defaults: no link effect. */
const NO_LINKS = { latency_ms: 0, jitter_ms: 0, bandwidth_mbps: null, links: {} };

describe('the async and simulate sections: defaults', () => {
  it('fills in every sub-key when the sections are left out', () => {
    const config = parseRunConfig(undefined);
    expect(config.async).toEqual({ max_staleness: null, ssp_bound: null, lr_scale: 'none', dc_lambda: 0 });
    expect(config.simulate).toEqual({ slow: {}, jitter: 0, ...NO_LINKS });
    expect(parseRunConfig({ mode: 'async' }).async).toEqual(config.async);
  });

  it('fills in the sub-keys a section leaves out, keeping the ones it gives', () => {
    const config = parseRunConfig({ ...ASYNC, async: { ssp_bound: 3 }, simulate: { jitter: 0.25 } });
    expect(config.async).toEqual({ max_staleness: null, ssp_bound: 3, lr_scale: 'none', dc_lambda: 0 });
    expect(config.simulate).toEqual({ slow: {}, jitter: 0.25, ...NO_LINKS });
  });

  it('returns deeply frozen sections the caller cannot alter through the file', () => {
    const file = { ...ASYNC, async: { max_staleness: 2 }, simulate: { slow: { 1: 2 } } };
    const config = parseRunConfig(file);
    expect(Object.isFrozen(config.async)).toBe(true);
    expect(Object.isFrozen(config.simulate)).toBe(true);
    expect(Object.isFrozen(config.simulate.slow)).toBe(true);
    file.async.max_staleness = 9;
    file.simulate.slow[1] = 7;
    expect(config.async.max_staleness).toBe(2);
    expect(config.simulate.slow).toEqual({ 1: 2 });
  });

  it('documents each sub-key with its whole key path, default and rule', () => {
    const parts = (key: string) => RUN_CONFIG_KEYS.find((entry) => entry.key === key)?.parts;
    expect(parts('async')?.map((p) => [p.key, p.default, p.allowed])).toEqual([
      ['async.max_staleness', null, 'an integer >= 0, or null for none'],
      ['async.ssp_bound', null, 'an integer >= 0, or null for none'],
      ['async.lr_scale', 'none', 'one of none, inverse'],
      ['async.dc_lambda', 0, 'a finite number >= 0'],
    ]);
    expect(parts('simulate')?.map((p) => [p.key, p.default])).toEqual([
      ['simulate.slow', {}],
      ['simulate.jitter', 0],
      ['simulate.latency_ms', 0],
      ['simulate.jitter_ms', 0],
      ['simulate.bandwidth_mbps', null],
      ['simulate.links', {}],
    ]);
    expect(parts('workers')).toBeUndefined();
    const row = (key: string) => RUN_CONFIG_KEYS.find((entry) => entry.key === key);
    expect(row('async')?.resume).toBe(false);
    expect(row('simulate')?.resume).toBe(true);
  });
});

describe('the async and simulate sections: values', () => {
  it('accepts the ends of each range', () => {
    const config = parseRunConfig({
      ...ASYNC,
      async: { max_staleness: 0, ssp_bound: 0, lr_scale: 'inverse', dc_lambda: 0 },
      simulate: { slow: { 0: 1, 3: 1e6 }, jitter: 0.999 },
    });
    expect(config.async).toEqual({ max_staleness: 0, ssp_bound: 0, lr_scale: 'inverse', dc_lambda: 0 });
    expect(config.simulate).toEqual({ slow: { 0: 1, 3: 1e6 }, jitter: 0.999, ...NO_LINKS });
  });

  it('takes ranks written as numbers or as strings, keeping them as canonical string keys', () => {
    const fromYaml = parse('slow:\n  2: 3\n  "0": 1.5\n') as Record<string, unknown>;
    const config = parseRunConfig({ ...ASYNC, simulate: fromYaml });
    expect(Object.keys(config.simulate.slow).sort()).toEqual(['0', '2']);
    expect(config.simulate.slow['2']).toBe(3);
    expect(config.simulate.slow['0']).toBe(1.5);
    expect(parseRunConfig({ workers: 3, simulate: { slow: { 2: 3 } } }).simulate.slow).toEqual({ '2': 3 });
  });

  it.each([
    ['async', null, 'async'],
    ['async', 3, 'async'],
    ['async', [1], 'async'],
    ['async', { max_staleness: -1 }, 'async.max_staleness'],
    ['async', { max_staleness: 1.5 }, 'async.max_staleness'],
    ['async', { max_staleness: '4' }, 'async.max_staleness'],
    ['async', { ssp_bound: -1 }, 'async.ssp_bound'],
    ['async', { ssp_bound: 'none' }, 'async.ssp_bound'],
    ['async', { lr_scale: 'linear' }, 'async.lr_scale'],
    ['async', { lr_scale: null }, 'async.lr_scale'],
    ['async', { dc_lambda: -0.1 }, 'async.dc_lambda'],
    ['async', { dc_lambda: Number.NaN }, 'async.dc_lambda'],
    ['async', { dc_lambda: Number.POSITIVE_INFINITY }, 'async.dc_lambda'],
    ['async', { dc_lambda: '0.1' }, 'async.dc_lambda'],
    ['async', { dc_lambda: null }, 'async.dc_lambda'],
    ['simulate', null, 'simulate'],
    ['simulate', { slow: 2 }, 'simulate.slow'],
    ['simulate', { slow: [2, 3] }, 'simulate.slow'],
    ['simulate', { slow: { 1: 0.5 } }, 'simulate.slow.1'],
    ['simulate', { slow: { 1: 0 } }, 'simulate.slow.1'],
    ['simulate', { slow: { 1: Number.POSITIVE_INFINITY } }, 'simulate.slow.1'],
    ['simulate', { slow: { 1: '2' } }, 'simulate.slow.1'],
    ['simulate', { slow: { 1: null } }, 'simulate.slow.1'],
    ['simulate', { slow: { '-1': 2 } }, 'simulate.slow.-1'],
    ['simulate', { slow: { '01': 2 } }, 'simulate.slow.01'],
    ['simulate', { slow: { '1.5': 2 } }, 'simulate.slow.1.5'],
    ['simulate', { slow: { one: 2 } }, 'simulate.slow.one'],
    ['simulate', { jitter: 1 }, 'simulate.jitter'],
    ['simulate', { jitter: -0.1 }, 'simulate.jitter'],
    ['simulate', { jitter: '0.1' }, 'simulate.jitter'],
  ])('refuses %s: %j as a bad value at %s', (key, value, path) => {
    const error = refusal(() => parseRunConfig({ ...ASYNC, [key]: value }));
    expect(error.code).toBe('ERR_CONFIG_BAD_VALUE');
    expect(error.path).toBe(path);
    expect(error.message).toMatch(new RegExp(`^${path.replaceAll('.', '\\.')}: must be .*, received `));
  });

  it('names the rule and the value received in the message', () => {
    expect(refusal(() => parseRunConfig({ ...ASYNC, async: { dc_lambda: -1 } })).message).toBe(
      'async.dc_lambda: must be a finite number >= 0, received -1',
    );
    expect(refusal(() => parseRunConfig({ simulate: { slow: { 1: 0.5 } } })).message).toBe(
      'simulate.slow.1: must be a finite number >= 1, received 0.5',
    );
    expect(refusal(() => parseRunConfig({ simulate: { slow: { '01': 2 } } })).message).toContain(
      'write the rank as 1',
    );
  });

  it('refuses a sub-key the section does not have, suggesting the closest', () => {
    const typo = refusal(() => parseRunConfig({ ...ASYNC, async: { max_stalenes: 4 } }));
    expect(typo.code).toBe('ERR_CONFIG_UNKNOWN_KEY');
    expect(typo.path).toBe('async.max_stalenes');
    expect(typo.message).toContain('Did you mean max_staleness?');
    expect(typo.message).toContain('max_staleness, ssp_bound, lr_scale, dc_lambda');
    const camel = refusal(() => parseRunConfig({ simulate: { Jitter: 0.1 } }));
    expect(camel.path).toBe('simulate.Jitter');
    expect(camel.message).toContain('Did you mean jitter?');
    const far = refusal(() => parseRunConfig({ ...ASYNC, async: { colour: 'red' } }));
    expect(far.code).toBe('ERR_CONFIG_UNKNOWN_KEY');
    expect(far.message).not.toContain('Did you mean');
  });

  it('spells the suggestion as a flag for a sub-key given on the command line', () => {
    const error = refusal(() => parseRunConfig(ASYNC, flags('--async.max-stalenes', '4')));
    expect(error.code).toBe('ERR_CONFIG_UNKNOWN_KEY');
    expect(error.path).toBe('async.max_stalenes');
    expect(error.message).toContain('given as --async.max-stalenes');
    expect(error.message).toContain('Did you mean --async.max-staleness?');
  });
});

describe('the async and simulate sections: across keys', () => {
  it('refuses an async section in sync mode, from the file or the flags, naming async', () => {
    for (const [file, given] of [
      [{ async: { max_staleness: 4 } }, {}],
      [{ async: {} }, {}],
      [{ mode: 'sync', async: { lr_scale: 'inverse' } }, {}],
      [{}, flags('--async.max-staleness', '6')],
      [{ mode: 'async', async: { dc_lambda: 0.1 } }, flags('--mode', 'sync')],
    ] as const) {
      const error = refusal(() => parseRunConfig(file, given));
      expect(error.code).toBe('ERR_CONFIG_CONFLICT');
      expect(error.path).toBe('async');
      expect(error.message).toMatch(
        /^async: keys apply to mode: async only \(.*\); set mode: async or remove async:$/,
      );
    }
  });

  it('accepts an async section once mode is async, from either source', () => {
    expect(
      parseRunConfig({ async: { max_staleness: 4 } }, flags('--mode', 'async')).async.max_staleness,
    ).toBe(4);
    expect(parseRunConfig({ mode: 'async' }, flags('--async.ssp-bound', '2')).async.ssp_bound).toBe(2);
  });

  it('refuses a slow rank that is not below workers, naming the lowest such rank', () => {
    const error = refusal(() => parseRunConfig({ workers: 3, simulate: { slow: { 1: 2, 5: 2, 3: 2 } } }));
    expect(error.code).toBe('ERR_CONFIG_CONFLICT');
    expect(error.path).toBe('simulate.slow.3');
    expect(error.message).toContain('3 workers');
    const byDefault = refusal(() => parseRunConfig({ simulate: { slow: { 2: 2 } } }));
    expect(byDefault.path).toBe('simulate.slow.2');
    const fewer = refusal(() => parseRunConfig({ workers: 4, simulate: { slow: { 3: 2 } } }, { workers: 3 }));
    expect(fewer.path).toBe('simulate.slow.3');
    expect(parseRunConfig({ workers: 4, simulate: { slow: { 3: 2 } } }).simulate.slow).toEqual({ 3: 2 });
  });

  it('checks simulate in sync mode too', () => {
    const config = parseRunConfig({ simulate: { slow: { 1: 2.5 }, jitter: 0.1 } });
    expect(config.mode).toBe('sync');
    expect(config.simulate).toEqual({ slow: { 1: 2.5 }, jitter: 0.1, ...NO_LINKS });
  });
});

describe('the async and simulate sections: flags', () => {
  it('nests --async.* and --simulate.* flags into snake_case sub-keys', () => {
    expect(flags('--async.max-staleness', '6', '--simulate.slow.2', '3')).toEqual({
      async: { max_staleness: 6 },
      simulate: { slow: { '2': 3 } },
    });
  });

  it('overrides sub-keys over the defaults', () => {
    const config = parseRunConfig(
      { mode: 'async', workers: 3 },
      flags('--async.max-staleness', '6', '--async.lr-scale', 'inverse', '--simulate.slow.2', '3'),
    );
    expect(config.async).toEqual({ max_staleness: 6, ssp_bound: null, lr_scale: 'inverse', dc_lambda: 0 });
    expect(config.simulate).toEqual({ slow: { 2: 3 }, jitter: 0, ...NO_LINKS });
  });

  it("overrides sub-keys inside the file's sections, keeping the file's other sub-keys and ranks", () => {
    const file = {
      ...ASYNC,
      async: { max_staleness: 2, dc_lambda: 0.5 },
      simulate: { slow: { 0: 2, 2: 4 }, jitter: 0.2 },
    };
    const config = parseRunConfig(
      file,
      flags('--async.max-staleness', 'null', '--simulate.slow.2', '3', '--simulate.slow.3', '1.5'),
    );
    expect(config.async).toEqual({ max_staleness: null, ssp_bound: null, lr_scale: 'none', dc_lambda: 0.5 });
    expect(config.simulate).toEqual({ slow: { 0: 2, 2: 3, 3: 1.5 }, jitter: 0.2, ...NO_LINKS });
  });

  it('refuses a bad value given by a flag at its key path', () => {
    const error = refusal(() => parseRunConfig(ASYNC, flags('--async.dc-lambda', '-1')));
    expect(error.code).toBe('ERR_CONFIG_BAD_VALUE');
    expect(error.path).toBe('async.dc_lambda');
    expect(refusal(() => parseRunConfig(ASYNC, flags('--simulate.slow.2', '0.5'))).path).toBe(
      'simulate.slow.2',
    );
  });
});

describe('the async and simulate sections: config.yaml', () => {
  it('writes the sections as written, and parses them back to an equal config', () => {
    const config = parseRunConfig(
      {
        ...ASYNC,
        async: { max_staleness: 5, ssp_bound: 2, lr_scale: 'inverse', dc_lambda: 0.04 },
        simulate: { slow: { 3: 2, 1: 1.5 }, jitter: 0.1 },
      },
      flags('--simulate.slow.0', '4'),
    );
    const text = runConfigToYaml(config, resolveRun(config, 60000));
    expect(text).toContain(
      '\nasync:\n  max_staleness: 5\n  ssp_bound: 2\n  lr_scale: inverse\n  dc_lambda: 0.04\n',
    );
    expect(text).toContain('\nsimulate:\n  slow:\n');
    expect(parseRunConfig(parse(text))).toEqual(config);
  });

  it('leaves the async section out of a sync config, which parses back to an equal config', () => {
    const config = parseRunConfig({ simulate: { slow: { 1: 3 } } });
    const text = runConfigToYaml(config);
    expect(text).not.toMatch(/^async:/m);
    expect(text).toMatch(/^simulate:/m);
    expect(parseRunConfig(parse(text))).toEqual(config);
  });

  it('round-trips the default async config', () => {
    const config = parseRunConfig({ mode: 'async' });
    const text = runConfigToYaml(config);
    expect(text).toContain(
      '\nasync:\n  max_staleness: null\n  ssp_bound: null\n  lr_scale: none\n  dc_lambda: 0\n',
    );
    expect(parseRunConfig(parse(text))).toEqual(config);
  });
});

describe('resolveRun in async mode', () => {
  // By hand: 60000 examples over 3 workers is 20000 a rank; ceil(20000 / 64) = 313 batches a rank per epoch.
  const size = 60000;
  const run = { workers: 3, batch_size: 64 } as const;

  it('has workers × the batches of one rank per epoch: 3 × 313 = 939 steps', () => {
    const resolved = resolveRun(parseRunConfig({ ...run, mode: 'async' }), size);
    expect(resolved.batchesPerRankEpoch).toBe(313);
    expect(resolved.stepsPerEpoch).toBe(939);
    expect(resolved.totalSteps).toBe(2817);
    expect(resolved.epochs).toBe(3);
    expect(resolved.lrVariables).toEqual({ steps_per_epoch: 939, total_steps: 2817, epochs: 3 });
  });

  it('keeps the sync figure for sync mode, with the same batches per rank', () => {
    const resolved = resolveRun(parseRunConfig(run), size);
    expect(resolved.batchesPerRankEpoch).toBe(313);
    expect(resolved.stepsPerEpoch).toBe(313);
    expect(resolved.totalSteps).toBe(939);
  });

  it('counts a run given in steps against the async epoch', () => {
    const resolved = resolveRun(parseRunConfig({ ...run, mode: 'async', steps: 1000 }), size);
    expect(resolved.totalSteps).toBe(1000);
    expect(resolved.epochs).toBe(1000 / 939);
  });

  it('writes batches_per_rank_epoch and the async steps_per_epoch into the config.yaml header', () => {
    const config = parseRunConfig({ ...run, mode: 'async' });
    const text = runConfigToYaml(config, resolveRun(config, size));
    expect(text).toMatch(
      /#\s+batches_per_rank_epoch: 313\n#\s+steps_per_epoch: 939\n#\s+total_steps: 2817\n/,
    );
  });
});
