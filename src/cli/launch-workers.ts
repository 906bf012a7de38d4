import { fileURLToPath } from 'node:url';
import { UsageError } from '../errors.js';
import { describeExit, type WorkerExit, WorkerProcesses } from '../launch/index.js';
import { createLogger } from '../log/index.js';
import { integerFlag, parseCommandArgs, positionals, secondsFlag, stringFlag } from './args.js';
import { commandFlags, commandSpec } from './command-table.js';
import { EXIT_CODES, SIGNAL_EXIT_CODES } from './exit-codes.js';
import type { CommandIo } from './io.js';
import { readToken } from './token.js';

const CLI = fileURLToPath(new URL('./main.js', import.meta.url));
const USAGE = commandSpec('launch').usage[1]!;

/**
 * `dptrain launch --connect ws://HOST:PORT --workers K`: K worker processes on this machine for a coordinator
 * elsewhere, like torchrun on each node. With `--node-rank N` they take the ranks N·K … N·K + K − 1; without it the
 * coordinator gives ranks as they join. The token comes from `--token-file` or DPTRAIN_TOKEN, as for
 * `dptrain worker`. Exits 0 when every worker ended well, 1 when one did not (naming it), 130/143 on a signal
 * (the workers leave the run first).
 */
export async function launchWorkersCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals: rest } = parseCommandArgs(
    argv,
    commandFlags('launch', 'launch-connect'),
    'dptrain launch --connect',
  );
  positionals(rest, [], USAGE);
  const url = stringFlag(values.connect);
  if (url === undefined || !/^wss?:\/\/[^/]+/.test(url))
    throw new UsageError(`--connect must be ws://HOST:PORT, received ${url ?? 'nothing'}; usage: ${USAGE}`);
  const workersFlag = stringFlag(values.workers);
  if (workersFlag === undefined)
    throw new UsageError(`--workers K is required with --connect; usage: ${USAGE}`);
  const count = integerFlag('workers', workersFlag, 1);
  const nodeRank = stringFlag(values['node-rank']);
  const firstRank = nodeRank === undefined ? null : integerFlag('node-rank', nodeRank, 0) * count;
  const format = stringFlag(values['log-format']) ?? 'text';
  if (format !== 'text' && format !== 'json')
    throw new UsageError(`--log-format must be text or json, received "${format}"`);
  const connectTimeout = secondsFlag('connect-timeout', stringFlag(values['connect-timeout']));
  const token = await readToken(stringFlag(values['token-file']));
  const logger = createLogger({ format, source: 'launcher', write: io.stderr });
  const failed: WorkerExit[] = [];
  const workers = new WorkerProcesses({
    count,
    url,
    firstRank,
    token,
    backend: stringFlag(values.backend) ?? 'auto',
    logFormat: format,
    cli: CLI,
    zeroMask: false,
    ...(connectTimeout === undefined ? {} : { connectTimeout }),
    onLine: io.stderr,
    onExit: (exit) => {
      if (exit.code !== 0) failed.push(exit);
    },
  });
  let signal: 'SIGINT' | 'SIGTERM' | null = null;
  // A signal makes every worker leave the run (as `dptrain worker` does on SIGTERM); a second one kills them.
  const onSignal = (name: 'SIGINT' | 'SIGTERM') => () => {
    workers.kill(signal === null ? 'SIGTERM' : 'SIGKILL');
    signal ??= name;
  };
  const onInt = onSignal('SIGINT');
  const onTerm = onSignal('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  try {
    workers.start();
    logger.info('started workers', {
      workers: count,
      coordinator: url,
      ranks: firstRank === null ? 'given by the coordinator' : `${firstRank}-${firstRank + count - 1}`,
    });
    await workers.exited();
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
  if (signal !== null) return SIGNAL_EXIT_CODES[signal];
  for (const exit of failed) io.stderr(`error: ${describeExit(exit)}`);
  return failed.length === 0 ? EXIT_CODES.success : EXIT_CODES.failed;
}
