import { DptrainError, UsageError } from '../errors.js';
import { benchCommand } from './bench-command.js';
import { coordinatorCommand } from './coordinator-command.js';
import { EXIT_CODES, errorExitCode } from './exit-codes.js';
import { type CommandIo, processIo } from './io.js';
import { launchCommand } from './launch-command.js';
import { lrPlotCommand, lrValuesCommand } from './lr-command.js';
import { netsimCommand } from './netsim-command.js';
import { replayCommand } from './replay-command.js';
import { workerCommand } from './worker-command.js';

type Command = (argv: readonly string[], io: CommandIo) => Promise<number>;

const COMMANDS: Readonly<Record<string, Command>> = {
  'lr values': lrValuesCommand,
  'lr plot': lrPlotCommand,
  launch: launchCommand,
  coordinator: coordinatorCommand,
  worker: workerCommand,
  replay: replayCommand,
  netsim: netsimCommand,
  'bench allreduce': (argv, io) => benchCommand(['allreduce', ...argv], io),
  'bench worker': (argv, io) => benchCommand(['worker', ...argv], io),
};

const HELP = `dptrain — data-parallel training coordinator

usage:
  dptrain launch [CONFIG] [--key value …]
  dptrain launch --connect ws://HOST:PORT --workers K [--node-rank N] [--token-file FILE] [--backend B]
  dptrain coordinator [CONFIG] [--key value …] [--token-file FILE] [--run-dir DIR]
  dptrain worker --connect ws://HOST:PORT [--rank R] [--backend tensorflow|wasm|cpu] [--token-file FILE]
  dptrain replay <run-dir>
  dptrain lr values <config> --steps N [--calls calls.json] [--restore-at K]
  dptrain lr plot <config> --steps N (-o lr.svg | -o lr.png | --ascii) [--calls calls.json]
  dptrain bench allreduce [--workers N] [--params P] [--rounds R] [--warmup W] [--json]
  dptrain netsim --listen PORT --target HOST:PORT [--latency-ms L] [--jitter-ms J] [--bandwidth-mbps B] [--seed S] [--listen-host H]

See README.md for every option.`;

/**
 * Runs one command line and returns the exit code (see EXIT_CODES): 0 on success, 2 for a refused config or
 * argument (one line `error: …` on stderr, nothing on stdout), 1 for a run that failed or an unexpected failure,
 * 3 for a run that finished inconsistent, 130/143 for a run a signal stopped.
 *
 * @example
 * process.exitCode = await runCli(['lr', 'values', 'lr.yaml', '--steps', '10']);
 */
export async function runCli(argv: readonly string[], io: CommandIo = processIo): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.stdout(HELP);
    return argv.length === 0 ? 2 : 0;
  }
  const twoWords = `${argv[0]} ${argv[1] ?? ''}`;
  const [name, rest] = Object.hasOwn(COMMANDS, twoWords)
    ? [twoWords, argv.slice(2)]
    : [argv[0]!, argv.slice(1)];
  try {
    const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
    if (command === undefined)
      throw new UsageError(`unknown command "${argv.slice(0, 2).join(' ')}"; run dptrain --help`);
    return await command(rest, io);
  } catch (error) {
    return reportFailure(error, io);
  }
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
