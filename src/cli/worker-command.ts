import { UsageError } from '../errors.js';
import { createLogger, transportLog } from '../log/index.js';
import { BACKEND_NAMES, type BackendName, type LrFault, Worker } from '../worker/index.js';
import { integerFlag, parseCommandArgs, positionals, stringFlag } from './args.js';
import type { CommandIo } from './io.js';
import { readToken } from './token.js';

const USAGE =
  'dptrain worker --connect ws://HOST:PORT [--rank R] [--backend tensorflow|wasm|cpu] [--token-file FILE] [--log-format text|json]';

/** `dptrain worker`: one worker process; exits 0 when the coordinator ends the run. */
export async function workerCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals: rest } = parseCommandArgs(argv, {
    connect: { type: 'string' },
    rank: { type: 'string' },
    backend: { type: 'string' },
    'token-file': { type: 'string' },
    'log-format': { type: 'string' },
    'zero-mask': { type: 'boolean' },
    'fault-lr': { type: 'string' },
  });
  positionals(rest, [], USAGE);
  const url = stringFlag(values.connect);
  if (url === undefined || !/^wss?:\/\/[^/]+/.test(url))
    throw new UsageError(`--connect ws://HOST:PORT is required; usage: ${USAGE}`);
  const rankFlag = stringFlag(values.rank);
  const backend = stringFlag(values.backend);
  if (backend !== undefined && !(BACKEND_NAMES as readonly string[]).includes(backend)) {
    throw new UsageError(`--backend must be one of ${BACKEND_NAMES.join(', ')}, received "${backend}"`);
  }
  const format = stringFlag(values['log-format']) ?? 'text';
  if (format !== 'text' && format !== 'json')
    throw new UsageError(`--log-format must be text or json, received "${format}"`);
  const token = await readToken(stringFlag(values['token-file']));
  const logger = createLogger({ format, source: 'worker', write: io.stderr });
  const worker = new Worker({
    url,
    token,
    rank: rankFlag === undefined ? null : integerFlag('rank', rankFlag, 0),
    ...(backend === undefined ? {} : { backend: backend as BackendName }),
    log: transportLog(logger),
    zeroMask: values['zero-mask'] === true,
    ...(stringFlag(values['fault-lr']) === undefined
      ? {}
      : { lrFault: parseFault(stringFlag(values['fault-lr'])!) }),
  });
  const result = await worker.run();
  logger.info('worker finished', {
    rank: result.rank,
    steps: result.steps,
    rounds: result.rounds,
    reason: result.stopReason,
  });
  return 0;
}

/** `--fault-lr STEP:FACTOR`: a test hook that makes this worker apply FACTOR × lr at global step STEP. */
function parseFault(text: string): LrFault {
  const match = /^(\d+):([0-9.eE+-]+)$/.exec(text);
  const factor = Number(match?.[2]);
  if (match === null || !Number.isFinite(factor)) {
    throw new UsageError(`--fault-lr must be STEP:FACTOR (e.g. 5:1.5), received "${text}"`);
  }
  return { step: Number(match[1]), factor };
}
