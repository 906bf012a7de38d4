/**
 * The Paddle scheduler guide's block pastes into a run config as written: `lr_scheduler:` is read as `lr:`, and its
 * nested MultiStepDecay (no learning_rate of its own) starts at the warmup's end_lr — the values Paddle's own lr.py
 * gives for that composition (test/fixtures/dialects/reference.json, case "seed").
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readConfigFile } from '../../src/cli/coordinator-command.js';
import { parseRunConfig } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors.js';
import { applyCall, createScheduler } from '../../src/lr/index.js';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'dialects');
const reference = JSON.parse(readFileSync(join(DIR, 'reference.json'), 'utf8')) as {
  lr: Record<string, number[]>;
};

describe('lr_scheduler: in a run config', () => {
  it('the seed block, read as the launch command reads its file, schedules the reference values', async () => {
    const config = parseRunConfig(await readConfigFile(join(DIR, 'seed.yml')));
    const scheduler = createScheduler(config.lr, { path: 'lr' });
    const expected = reference.lr.seed!;
    const values = [scheduler.lastLr];
    for (let k = 1; k < expected.length; k++) {
      applyCall(scheduler, null);
      values.push(scheduler.lastLr);
    }
    expect(values).toEqual(expected);
    // Hand check of the guide's meaning: 0.007 from step 2000, then ×0.1 at 2300 and 2400.
    expect([values[2000], values[2300], values[2400]]).toEqual([0.007, 0.007 * 0.1, 0.007 * 0.1 ** 2]);
  });

  it('is refused beside lr:, naming both', () => {
    const block = { name: 'StepDecay', learning_rate: 0.1, step_size: 2 };
    const thrown = (() => {
      try {
        parseRunConfig({ lr: block, lr_scheduler: block });
      } catch (error) {
        return error;
      }
    })();
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).code).toBe('ERR_CONFIG_CONFLICT');
    expect((thrown as ConfigError).path).toBe('lr_scheduler');
  });

  it('other unknown keys are still refused', () => {
    expect(() => parseRunConfig({ lr_schedule: {} })).toThrow(/is not a run config key/);
  });
});
