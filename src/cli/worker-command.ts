import { TrainingError, UsageError } from '../errors.js';
import { createLogger, transportLog } from '../log/index.js';
import { BACKEND_NAMES, type BackendName, parseFault, Worker } from '../worker/index.js';
import { integerFlag, parseCommandArgs, positionals, secondsFlag, stringFlag, stringFlags } from './args.js';
import { commandFlags, commandSpec } from './command-table.js';
import { EXIT_CODES, SIGNAL_EXIT_CODES } from './exit-codes.js';
import type { CommandIo } from './io.js';
import { readToken } from './token.js';

const USAGE = commandSpec('worker').usage[0]!;

/**
 * `dptrain worker`: one worker process. Exits 0 when the coordinator ends the run, 1 when the run failed (here
 * or as the coordinator says), 2 for a bad argument, 130/143 when SIGINT/SIGTERM made it leave the run.
 */
export async function workerCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals: rest } = parseCommandArgs(argv, commandFlags('worker'), 'dptrain worker');
  positionals(rest, [], USAGE);
  const url = stringFlag(values.connect);
  // ws+unix:///PATH:/ is the Unix socket `dptrain launch` gives the workers it runs on the coordinator's host.
  if (url === undefined || !/^(wss?:\/\/[^/]+|ws\+unix:\/\/\/.+:\/)/.test(url))
    throw new UsageError(
      `--connect ws://HOST:PORT (or ws+unix:///PATH:/ for a Unix socket) is required; usage: ${USAGE}`,
    );
  const rankFlag = stringFlag(values.rank);
  const backend = stringFlag(values.backend);
  if (backend !== undefined && !(BACKEND_NAMES as readonly string[]).includes(backend)) {
    throw new UsageError(`--backend must be one of ${BACKEND_NAMES.join(', ')}, received "${backend}"`);
  }
  const format = stringFlag(values['log-format']) ?? 'text';
  if (format !== 'text' && format !== 'json')
    throw new UsageError(`--log-format must be text or json, received "${format}"`);
  const faults = stringFlags(values.fault).map(parseFault);
  const connectTimeout = secondsFlag('connect-timeout', stringFlag(values['connect-timeout']));
  const token = await readToken(stringFlag(values['token-file']));
  const logger = createLogger({ format, source: 'worker', write: io.stderr });
  const worker = new Worker({
    url,
    token,
    rank: rankFlag === undefined ? null : integerFlag('rank', rankFlag, 0),
    ...(backend === undefined ? {} : { backend: backend as BackendName }),
    log: transportLog(logger),
    zeroMask: values['zero-mask'] === true,
    lanes: stringFlag(values.lanes) ?? null,
    faults,
    ...(connectTimeout === undefined ? {} : { connectTimeoutMs: connectTimeout * 1000 }),
  });
  let signal: 'SIGINT' | 'SIGTERM' | null = null;
  const leave = (name: 'SIGINT' | 'SIGTERM') => {
    signal ??= name;
    void worker.leave(`interrupted by ${name}`);
  };
  const onInt = () => leave('SIGINT');
  const onTerm = () => leave('SIGTERM');
  process.once('SIGINT', onInt);
  process.once('SIGTERM', onTerm);
  try {
    const result = await worker.run();
    logger.info('worker finished', {
      rank: result.rank,
      steps: result.steps,
      rounds: result.rounds,
      reason: result.stopReason,
    });
    return result.runFailed ? EXIT_CODES.failed : EXIT_CODES.success;
  } catch (error) {
    if (signal !== null && error instanceof TrainingError && error.code === 'ERR_TRAINING_STOPPED') {
      logger.warn('worker left the run', { signal });
      return SIGNAL_EXIT_CODES[signal];
    }
    throw error;
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
}
