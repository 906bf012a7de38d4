import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * What a newcomer meets first, through the real command (`node dist/cli/main.js`, one small process per case, none
 * of them trains): the help of every command, the version, and the argument and config errors in dptrain's words.
 * The expected flags and words are written here by hand from the README, not taken from the command table.
 */
const CLI = new URL('../../dist/cli/main.js', import.meta.url).pathname;

interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function dptrain(args: readonly string[]): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: { ...process.env, COLUMNS: '80' }, timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dptrain-first-contact-'));
});

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

describe('dptrain --help and --version', () => {
  it('--help lists every command and exits 0', async () => {
    const out = await dptrain(['--help']);
    expect(out).toMatchObject({ code: 0, stderr: '' });
    for (const usage of [
      'dptrain launch [CONFIG]',
      'dptrain launch --connect ws://HOST:PORT',
      'dptrain coordinator [CONFIG]',
      'dptrain worker --connect ws://HOST:PORT',
      'dptrain replay <run-dir>',
      'dptrain lr values <config> --steps N',
      'dptrain lr plot <config> --steps N',
      'dptrain bench allreduce',
      'dptrain netsim --listen PORT --target HOST:PORT',
    ]) {
      expect(out.stdout).toContain(`  ${usage}`);
    }
  });

  it("--version prints package.json's version and exits 0", async () => {
    const { version } = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8'));
    expect(await dptrain(['--version'])).toEqual({ code: 0, stdout: `dptrain ${version}\n`, stderr: '' });
  });

  it.each([
    [
      'launch',
      [
        '--resume PATH',
        '--connect ws://HOST:PORT',
        '--node-rank N',
        '--batch-size',
        '--lr-granularity',
        '--async.…',
        '--progress, --no-progress',
      ],
    ],
    [
      'coordinator',
      ['--token-file FILE', '--run-dir DIR', '--resume PATH', '--workers', '--checkpoint.every-steps'],
    ],
    [
      'worker',
      [
        '--connect ws://HOST:PORT',
        '--rank R',
        '--backend tensorflow|wasm|cpu',
        '--zero-mask',
        '--fault KIND@STEP[:FACTOR]',
      ],
    ],
    ['replay', ['-h, --help']],
    ['lr values', ['--steps N', '--calls calls.json', '--restore-at K']],
    ['lr plot', ['--steps N', '-o, --output FILE', '--ascii', '--calls calls.json']],
    ['bench allreduce', ['--workers N', '--params P', '--rounds R', '--warmup W', '--json']],
    [
      'netsim',
      ['--listen PORT', '--target HOST:PORT', '--latency-ms L', '--jitter-ms J', '--bandwidth-mbps B'],
    ],
  ])('%s --help prints the usage and every flag with its meaning, and exits 0', async (command, flags) => {
    const out = await dptrain([...command.split(' '), '--help']);
    expect(out).toMatchObject({ code: 0, stderr: '' });
    expect(out.stdout.startsWith(`usage: dptrain ${command}`)).toBe(true);
    // Each flag starts a line, its meaning beside it or, for a long flag, on the next line.
    for (const flag of flags) {
      expect(out.stdout, flag).toMatch(
        new RegExp(`\\n  ${escapeRegExp(flag)}(,[^\\n]*)?( {2,}\\S|\\n {10,}\\S)`),
      );
    }
  });
});

describe('argument and config errors, in our own words (exit 2, one line, nothing on stdout)', () => {
  const refused = async (args: string[]): Promise<string> => {
    const out = await dptrain(args);
    expect({ code: out.code, stdout: out.stdout, lines: out.stderr.trimEnd().split('\n').length }).toEqual({
      code: 2,
      stdout: '',
      lines: 1,
    });
    expect(out.stderr.startsWith('error: ')).toBe(true);
    return out.stderr.trimEnd();
  };
  const step = 'name: StepDecay\nlearning_rate: 0.1\nstep_size: 2\n';

  it('--steps -1 says what --steps takes', async () => {
    const config = await file('step.yaml', step);
    expect(await refused(['lr', 'values', config, '--steps', '-1'])).toBe(
      'error: --steps must be an integer >= 0, received "-1"',
    );
  });

  it('a run-config flag with a bad value is named as the flag it was given as', async () => {
    expect(await refused(['launch', '--steps', '-1'])).toBe(
      'error: steps: must be an integer >= 1, or null for none, received -1 (given as --steps)',
    );
  });

  it('a misspelt flag gets the closest one', async () => {
    const config = await file('step2.yaml', step);
    expect(await refused(['lr', 'plot', config, '--step', '3', '--ascii'])).toContain(
      'unknown option --step for dptrain lr plot. Did you mean --steps?',
    );
  });

  it('a misspelt scheduler name gets the one it meant, not the list of all', async () => {
    const config = await file(
      'typo.yaml',
      'lr:\n  name: CosineAnealingDecay\n  learning_rate: 0.1\n  T_max: 10\n',
    );
    const line = await refused(['lr', 'values', config, '--steps', '3']);
    expect(line).toBe(
      'error: lr.name: unknown scheduler "CosineAnealingDecay". Did you mean CosineAnnealingDecay?',
    );
  });

  it('a misspelt optimizer name gets the one it meant', async () => {
    expect(await refused(['launch', '--optimizer.name', 'Adamm'])).toBe(
      'error: optimizer.name: must be one of SGD, Momentum, Adam, AdamW, received "Adamm"; did you mean Adam?',
    );
  });

  it('a misspelt config key gets the one it meant, as a flag', async () => {
    expect(await refused(['launch', '--batchsize', '32'])).toContain('Did you mean --batch-size?');
  });

  it('a misspelt command gets the one it meant', async () => {
    expect(await refused(['lauch'])).toContain('unknown command "lauch". Did you mean launch?');
  });

  it('a missing config file is named, with why and what to do', async () => {
    const missing = join(dir, 'missing.yaml');
    expect(await refused(['launch', missing])).toBe(
      `error: config file "${missing}" cannot be read: it does not exist (ENOENT); check the path, which is relative to the current directory`,
    );
  });

  it('a config path that cannot be read as a file is named, with why', async () => {
    expect(await refused(['lr', 'values', dir, '--steps', '2'])).toBe(
      `error: config file "${dir}" cannot be read: it is a folder (EISDIR); give the YAML file inside it`,
    );
  });

  it('a YAML error names the file and the line', async () => {
    const bad = await file('bad.yaml', 'epochs: 1\nlr: {name: StepDecay\nseed: 2\n');
    const line = await refused(['launch', bad]);
    expect(line.startsWith(`error: ${bad}: not valid YAML or JSON (line `)).toBe(true);
    // The flow mapping opened on line 2 is never closed: the parser stops on line 2 or 3, never on line 1.
    expect(line).toMatch(/\(line [23], column \d+\)/);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
