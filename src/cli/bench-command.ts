import {
  asyncReportJson,
  asyncReportLines,
  type BenchPath,
  benchCases,
  DEFAULT_ASYNC_STEPS,
  DEFAULT_BENCH_PATH,
  DEFAULT_SEED,
  reportJson,
  reportLines,
  runAllreduceSuite,
  runAsyncBench,
  runBenchWorker,
  runTcpSink,
} from '../bench/index.js';
import { UsageError } from '../errors.js';
import { integerFlag, parseCommandArgs, positionals, stringFlag } from './args.js';
import { benchTrainCommand } from './bench-train-command.js';
import { benchTransportFlag } from './bench-transport.js';
import { commandFlags, commandSpec } from './command-table.js';
import type { CommandIo } from './io.js';

const ALLREDUCE_USAGE = commandSpec('bench allreduce').usage[0]!;
const ASYNC_USAGE = commandSpec('bench async').usage[0]!;
const WORKER_USAGE = commandSpec('bench worker').usage[0]!;
const PATHS: readonly BenchPath[] = ['training', 'protocol'];
/** `dptrain bench async`'s case when no flag names one: the case issue 12's target is stated for. */
const ASYNC_DEFAULT_WORKERS = 4;
const ASYNC_DEFAULT_PARAMS = 1_000_000;

/** Largest worker count accepted (each is a process on this machine). */
const MAX_WORKERS = 64;
/** Largest gradient accepted, in floats (400 MB per message). */
const MAX_PARAMS = 100_000_000;
const MAX_ROUNDS = 1_000_000;

/**
 * `dptrain bench allreduce …` (`argv[0] === 'allreduce'`): the all-reduce benchmark; without `--workers` or
 * `--params` it runs that axis of the full grid. `dptrain bench async …` (`argv[0] === 'async'`): async updates per
 * second beside the sync round rate. `dptrain bench worker …` (`argv[0] === 'worker'`): the
 * hidden child process the benchmark starts. Returns the exit code; refused flags throw UsageError.
 *
 * @example
 * process.exitCode = await benchCommand(['allreduce', '--workers', '2', '--params', '1000', '--json'], processIo);
 */
export async function benchCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'allreduce') return allreduce(rest, io);
  if (sub === 'async') return asyncBench(rest, io);
  if (sub === 'worker') return worker(rest);
  if (sub === 'train') return benchTrainCommand(rest, io);
  throw new UsageError(`unknown bench "${sub ?? ''}"; usage: ${ALLREDUCE_USAGE}`);
}

async function allreduce(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals: rest } = parseCommandArgs(
    argv,
    commandFlags('bench allreduce'),
    'dptrain bench allreduce',
  );
  positionals(rest, [], ALLREDUCE_USAGE);
  const optional = (name: string, min: number, max: number) => {
    const raw = stringFlag(values[name]);
    return raw === undefined ? undefined : integerFlag(name, raw, min, max);
  };
  const workers = optional('workers', 1, MAX_WORKERS);
  const params = optional('params', 1, MAX_PARAMS);
  const rounds = optional('rounds', 1, MAX_ROUNDS);
  const warmup = optional('warmup', 0, MAX_ROUNDS);
  const rawPath = stringFlag(values.path) ?? DEFAULT_BENCH_PATH;
  if (!PATHS.includes(rawPath as BenchPath)) {
    throw new UsageError(
      `--path must be one of ${PATHS.join(', ')}, received "${rawPath}"; usage: ${ALLREDUCE_USAGE}`,
    );
  }
  const path = rawPath as BenchPath;
  const cases = benchCases({
    ...(workers === undefined ? {} : { workers: [workers] }),
    ...(params === undefined ? {} : { params: [params] }),
    ...(rounds === undefined ? {} : { rounds }),
    ...(warmup === undefined ? {} : { warmup }),
  });
  const transport = benchTransportFlag(stringFlag(values.transport), ALLREDUCE_USAGE);
  if (transport !== undefined && path === 'protocol') {
    throw new UsageError(
      `--transport applies to --path training only (the protocol path's bench workers connect over TCP); usage: ${ALLREDUCE_USAGE}`,
    );
  }
  const report = await runAllreduceSuite({
    cases,
    path,
    ...(transport === undefined ? {} : { transport }),
    progress: (line) => io.stderr(`bench: ${line}`),
  });
  if (values.json === true) {
    io.stdout(JSON.stringify(reportJson(report)));
  } else {
    for (const line of reportLines(report)) io.stdout(line);
  }
  return report.skipped.some((skip) => skip.status === 'failed') ? 1 : 0;
}

async function asyncBench(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals: rest } = parseCommandArgs(
    argv,
    commandFlags('bench async'),
    'dptrain bench async',
  );
  positionals(rest, [], ASYNC_USAGE);
  const optional = (name: string, min: number, max: number, fallback: number) => {
    const raw = stringFlag(values[name]);
    return raw === undefined ? fallback : integerFlag(name, raw, min, max);
  };
  const report = await runAsyncBench({
    workers: optional('workers', 1, MAX_WORKERS, ASYNC_DEFAULT_WORKERS),
    params: optional('params', 1, MAX_PARAMS, ASYNC_DEFAULT_PARAMS),
    steps: optional('steps', 2, MAX_ROUNDS, DEFAULT_ASYNC_STEPS),
    progress: (line) => io.stderr(`bench: ${line}`),
  });
  if (values.json === true) {
    io.stdout(JSON.stringify(asyncReportJson(report)));
  } else {
    for (const line of asyncReportLines(report)) io.stdout(line);
  }
  return 0;
}

async function worker(argv: readonly string[]): Promise<number> {
  const { values, positionals: rest } = parseCommandArgs(
    argv,
    commandFlags('bench worker'),
    'dptrain bench worker',
  );
  positionals(rest, [], WORKER_USAGE);
  const sink = stringFlag(values['tcp-sink']);
  const url = stringFlag(values.connect);
  if ((sink === undefined) === (url === undefined)) {
    throw new UsageError(`give exactly one of --connect and --tcp-sink; usage: ${WORKER_USAGE}`);
  }
  if (sink !== undefined) {
    const match = /^([^:]+):(\d+)$/.exec(sink);
    if (match === null) throw new UsageError(`--tcp-sink must be HOST:PORT, received "${sink}"`);
    await runTcpSink({
      host: match[1]!,
      port: integerFlag('tcp-sink port', match[2], 1, 65535),
      trialBytes: integerFlag('trial-bytes', stringFlag(values['trial-bytes']), 1),
    });
    return 0;
  }
  if (!/^wss?:\/\/[^/]+/.test(url!)) {
    throw new UsageError(`--connect must be ws://HOST:PORT, received "${url}"; usage: ${WORKER_USAGE}`);
  }
  const seed = stringFlag(values.seed);
  await runBenchWorker({
    url: url!,
    rank: integerFlag('rank', stringFlag(values.rank), 0, MAX_WORKERS - 1),
    params: integerFlag('params', stringFlag(values.params), 1, MAX_PARAMS),
    seed: seed === undefined ? DEFAULT_SEED : integerFlag('seed', seed, 0),
  });
  return 0;
}
