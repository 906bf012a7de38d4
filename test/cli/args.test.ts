import { describe, expect, it } from 'vitest';
import { type Flag, integerFlag, parseCommandArgs } from '../../src/cli/args.js';
import { UsageError } from '../../src/errors.js';

const FLAGS: readonly Flag[] = [
  { name: 'steps', value: 'N', meaning: 'calls' },
  { name: 'output', short: 'o', value: 'FILE', meaning: 'where' },
  { name: 'ascii', meaning: 'a switch' },
  { name: 'fault', value: 'F', multiple: true, meaning: 'repeatable' },
];
const parse = (argv: string[]) => parseCommandArgs(argv, FLAGS, 'dptrain lr plot');

function refusal(argv: string[]): UsageError {
  try {
    parse(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error(`${argv.join(' ')} was accepted`);
}

describe('parseCommandArgs', () => {
  it('takes the next argument as a value whatever it looks like, so --steps -1 reaches the flag check', () => {
    const { values, positionals } = parse(['cfg.yaml', '--steps', '-1']);
    expect(values).toEqual({ steps: '-1' });
    expect(positionals).toEqual(['cfg.yaml']);
    expect(() => integerFlag('steps', values.steps as string, 0)).toThrow(
      '--steps must be an integer >= 0, received "-1"',
    );
  });

  it('reads --name=value, -o value, switches, repeated flags and positionals after --', () => {
    expect(
      parse(['--steps=5', '-o', 'lr.svg', '--ascii', '--fault', 'a', '--fault=b', '--', '--x', '-o']),
    ).toEqual({
      values: { steps: '5', output: 'lr.svg', ascii: true, fault: ['a', 'b'] },
      positionals: ['--x', '-o'],
    });
    expect(parse(['-', 'file'])).toEqual({ values: {}, positionals: ['-', 'file'] });
  });

  it('refuses an unknown flag in its own words, with the closest known one and the list', () => {
    const error = refusal(['--step', '3']);
    expect(error.code).toBe('ERR_USAGE');
    expect(error.message).toBe(
      'unknown option --step for dptrain lr plot. Did you mean --steps? Its options: --steps, --output, --ascii, --fault (dptrain lr plot --help)',
    );
    expect(refusal(['--zzzzzz']).message).not.toContain('Did you mean');
    expect(refusal(['-x']).message).toContain('unknown option -x');
  });

  it('refuses a missing value, a value given to a switch and a flag given twice, naming the flag', () => {
    expect(refusal(['--steps']).message).toBe(
      '--steps needs a value: --steps N (see dptrain lr plot --help)',
    );
    expect(refusal(['--ascii=yes']).message).toBe(
      '--ascii takes no value, received "yes"; write --ascii alone',
    );
    expect(refusal(['--steps', '1', '--steps', '2']).message).toBe(
      '--steps is given twice ("1" and "2"); give it once',
    );
  });
});
