import { DptrainError, UsageError } from '../errors.js';
import { terminalWidth } from '../launch/index.js';
import { closestKey } from '../rules/index.js';
import { COMMAND_TABLE, type CommandSpec } from './command-table.js';
import { EXIT_CODES, errorExitCode } from './exit-codes.js';
import { renderCommandHelp, renderMainHelp } from './help.js';
import { type CommandIo, processIo } from './io.js';
import { dptrainVersion } from './version.js';

type Command = (argv: readonly string[], io: CommandIo) => Promise<number>;

/**
 * Each command of the table, loaded when it runs: help, a typo and a refused flag never load tfjs, the network
 * or the plots.
 */
export const COMMAND_LOADERS: Readonly<Record<string, () => Promise<Command>>> = {
  launch: async () => (await import('./launch-command.js')).launchCommand,
  coordinator: async () => (await import('./coordinator-command.js')).coordinatorCommand,
  worker: async () => (await import('./worker-command.js')).workerCommand,
  replay: async () => (await import('./replay-command.js')).replayCommand,
  'lr values': async () => (await import('./lr-command.js')).lrValuesCommand,
  'lr plot': async () => (await import('./lr-command.js')).lrPlotCommand,
  'bench allreduce': async () => {
    const { benchCommand } = await import('./bench-command.js');
    return (argv, io) => benchCommand(['allreduce', ...argv], io);
  },
  'bench async': async () => {
    const { benchCommand } = await import('./bench-command.js');
    return (argv, io) => benchCommand(['async', ...argv], io);
  },
  'bench train': async () => {
    const { benchCommand } = await import('./bench-command.js');
    return (argv, io) => benchCommand(['train', ...argv], io);
  },
  'bench worker': async () => {
    const { benchCommand } = await import('./bench-command.js');
    return (argv, io) => benchCommand(['worker', ...argv], io);
  },
  netsim: async () => (await import('./netsim-command.js')).netsimCommand,
};

const HELP_WORDS: ReadonlySet<string> = new Set(['--help', '-h']);

/**
 * Runs one command line and returns the exit code (see EXIT_CODES): 0 on success, also for `--help` and
 * `--version`; 2 for a refused config or argument (one line `error: …` on stderr, nothing on stdout), 1 for a run
 * that failed or an unexpected failure, 3 for a run that finished inconsistent, 130/143 for a run a signal
 * stopped. `--help` (or `-h`) anywhere before a `--` prints the command's help instead of running it.
 *
 * @example
 * process.exitCode = await runCli(['lr', 'values', 'lr.yaml', '--steps', '10']);
 */
export async function runCli(argv: readonly string[], io: CommandIo = processIo): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (error) {
    return reportFailure(error, io);
  }
}

async function dispatch(argv: readonly string[], io: CommandIo): Promise<number> {
  const columns = terminalWidth(process.stdout, process.env);
  const [first, second] = argv;
  if (first === undefined) {
    io.stdout(renderMainHelp(dptrainVersion(), columns));
    return EXIT_CODES.refused;
  }
  if (first === '--version') {
    io.stdout(`dptrain ${dptrainVersion()}`);
    return EXIT_CODES.success;
  }
  if (HELP_WORDS.has(first) || first === 'help') {
    // `dptrain help lr values` is `dptrain lr values --help`.
    if (first === 'help' && second !== undefined) return dispatch([...argv.slice(1), '--help'], io);
    io.stdout(renderMainHelp(dptrainVersion(), columns));
    return EXIT_CODES.success;
  }
  const spec = findCommand(argv);
  if ('group' in spec) {
    io.stdout(renderMainHelp(dptrainVersion(), columns, spec.group));
    return EXIT_CODES.success;
  }
  const rest = argv.slice(spec.name.split(' ').length);
  const end = rest.indexOf('--');
  if ((end < 0 ? rest : rest.slice(0, end)).some((arg) => HELP_WORDS.has(arg))) {
    io.stdout(renderCommandHelp(spec, columns));
    return EXIT_CODES.success;
  }
  const load = COMMAND_LOADERS[spec.name];
  if (load === undefined) throw new Error(`the command table's "${spec.name}" has no loader`);
  return (await load())(rest, io);
}

/**
 * The command the first one or two words name, the group of commands a first word alone names before `--help`
 * (`dptrain lr --help`), or a UsageError with the closest command.
 */
function findCommand(argv: readonly string[]): CommandSpec | { group: string } {
  const [first, second] = argv;
  const two = COMMAND_TABLE.find((spec) => spec.name === `${first} ${second}`);
  const one = COMMAND_TABLE.find((spec) => spec.name === first);
  const found = two ?? one;
  if (found !== undefined) return found;
  const shown = COMMAND_TABLE.filter((spec) => spec.hidden !== true).map((spec) => spec.name);
  const group = shown.filter((name) => name.startsWith(`${first} `));
  if (group.length > 0) {
    // `dptrain lr` alone, or with a word that is none of its commands.
    if (second !== undefined && HELP_WORDS.has(second)) return { group: first! };
    const words = group.map((name) => name.slice(first!.length + 1));
    const close = second === undefined ? undefined : closestKey(second, words);
    const what = second === undefined ? 'needs a command' : `has no command "${second}"`;
    const hint = close === undefined ? '' : ` Did you mean dptrain ${first} ${close}?`;
    return usage(`dptrain ${first} ${what}: ${words.join(', ')}.${hint} (dptrain ${first} --help)`);
  }
  const close = closestKey(
    first!,
    shown.map((name) => name.split(' ')[0]!),
  );
  const hint = close === undefined ? '' : ` Did you mean ${close}?`;
  const all = [...new Set(shown.map((name) => name.split(' ')[0]))].join(', ');
  return usage(`unknown command "${first}".${hint} Commands: ${all} (dptrain --help)`);
}

function usage(message: string): never {
  throw new UsageError(message);
}

function reportFailure(error: unknown, io: CommandIo): number {
  const message = error instanceof Error ? error.message : String(error);
  const line = message.split('\n')[0];
  const code = errorExitCode(error);
  if (code === EXIT_CODES.refused || error instanceof DptrainError) {
    io.stderr(`error: ${line}`);
    return code;
  }
  io.stderr(`error: internal: ${line}`);
  if (process.env.DPTRAIN_DEBUG === '1' && error instanceof Error && error.stack) io.stderr(error.stack);
  return code;
}
