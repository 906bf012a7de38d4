import { NetsimError, UsageError } from '../errors.js';
import { describeLink, parseRelayOptions, type RelayOptions, startRelay } from '../netsim/index.js';
import { integerFlag, parseCommandArgs, positionals, stringFlag } from './args.js';
import { commandFlags, commandSpec } from './command-table.js';
import { EXIT_CODES } from './exit-codes.js';
import type { CommandIo } from './io.js';

const USAGE = commandSpec('netsim').usage[0]!;

/** The flag behind each relay option, to name it in an error. */
const FLAG_OF: Readonly<Record<string, string>> = {
  latencyMs: 'latency-ms',
  jitterMs: 'jitter-ms',
  bandwidthMbps: 'bandwidth-mbps',
  seed: 'seed',
  listenHost: 'listen-host',
  listenPort: 'listen',
  targetHost: 'target',
  targetPort: 'target',
};

/** Resolves with the first SIGINT or SIGTERM; `dispose` removes the handlers. */
function nextSignal(): { signal: Promise<NodeJS.Signals>; dispose(): void } {
  let dispose = () => {};
  const signal = new Promise<NodeJS.Signals>((resolve) => {
    const onInt = () => resolve('SIGINT');
    const onTerm = () => resolve('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    dispose = () => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    };
  });
  return { signal, dispose };
}

function numberFlag(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value)) {
    throw new UsageError(`--${name} must be a number, received "${raw}"`);
  }
  return value;
}

/** `HOST:PORT` or `[IPv6]:PORT`. */
function hostPort(raw: string | undefined): { host: string; port: number } {
  if (raw === undefined) throw new UsageError(`--target is required; usage: ${USAGE}`);
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d+)$/.exec(raw);
  if (match === null) throw new UsageError(`--target must be HOST:PORT, received "${raw}"`);
  return { host: match[1] ?? match[2]!, port: integerFlag('target port', match[3], 1, 65535) };
}

/** The relay options from the command line; a refused flag throws UsageError naming it. */
function relayOptions(argv: readonly string[]): RelayOptions {
  const { values, positionals: rest } = parseCommandArgs(argv, commandFlags('netsim'), 'dptrain netsim');
  positionals(rest, [], USAGE);
  const listen = stringFlag(values.listen);
  if (listen === undefined) throw new UsageError(`--listen is required; usage: ${USAGE}`);
  const target = hostPort(stringFlag(values.target));
  const listenHost = stringFlag(values['listen-host']);
  const options: RelayOptions = {
    listenPort: integerFlag('listen', listen, 0, 65535),
    targetHost: target.host,
    targetPort: target.port,
    latencyMs: numberFlag('latency-ms', stringFlag(values['latency-ms'])),
    jitterMs: numberFlag('jitter-ms', stringFlag(values['jitter-ms'])),
    bandwidthMbps: numberFlag('bandwidth-mbps', stringFlag(values['bandwidth-mbps'])),
    seed: numberFlag('seed', stringFlag(values.seed)),
    ...(listenHost === undefined ? {} : { listenHost }),
  };
  try {
    parseRelayOptions(options);
  } catch (error) {
    if (error instanceof NetsimError && error.option !== null) {
      throw new UsageError(`--${FLAG_OF[error.option] ?? error.option}: ${error.message}`, { cause: error });
    }
    throw error;
  }
  return options;
}

/**
 * `dptrain netsim …`: a TCP relay that delays the real bytes (see startRelay). Prints one line once it listens,
 * runs until SIGINT or SIGTERM (or until `stop` resolves), then prints the bytes forwarded each way and returns 0.
 * A refused flag throws UsageError naming it (exit 2), as does a port that cannot be bound.
 *
 * @example
 * process.exitCode = await netsimCommand(['--listen', '29501', '--target', '127.0.0.1:29500', '--latency-ms', '5'], processIo);
 */
export async function netsimCommand(
  argv: readonly string[],
  io: CommandIo,
  stop?: Promise<unknown>,
): Promise<number> {
  const options = relayOptions(argv);
  const signals = nextSignal();
  try {
    const relay = await startRelay(options);
    const link = parseRelayOptions(options).link;
    io.stdout(
      `netsim listening ${relay.host}:${relay.port} -> ${options.targetHost}:${options.targetPort}, ${describeLink(link)}`,
    );
    await Promise.race([signals.signal, ...(stop === undefined ? [] : [stop])]);
    await relay.close();
    const { connections, bytesToTarget, bytesFromTarget } = relay.stats();
    io.stdout(
      `netsim forwarded ${bytesToTarget} bytes to the target and ${bytesFromTarget} bytes back over ${connections} connection${connections === 1 ? '' : 's'}`,
    );
    return EXIT_CODES.success;
  } finally {
    signals.dispose();
  }
}
