import {
  DEFAULT_TRAIN_STEPS,
  DEFAULT_TRAIN_WORKERS,
  runTrainBench,
  trainReportJson,
  trainReportLines,
} from '../bench/index.js';
import { UsageError } from '../errors.js';
import { integerFlag, parseCommandArgs, positionals, stringFlag } from './args.js';
import { benchTransportFlag } from './bench-transport.js';
import { commandFlags, commandSpec } from './command-table.js';
import type { CommandIo } from './io.js';

const USAGE = commandSpec('bench train').usage[0]!;
/** Each worker is a process on this machine, as in `bench allreduce`. */
const MAX_WORKERS = 64;
const MAX_STEPS = 1_000_000;
const MAX_RUNS = 100;

/**
 * `dptrain bench train …`: the training benchmark (see runTrainBench). Returns the exit code; refused flags
 * throw UsageError, a failed launch BenchError.
 *
 * @example
 * process.exitCode = await benchTrainCommand(['--workers', '1,2', '--steps', '50', '--json'], processIo);
 */
export async function benchTrainCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals: rest } = parseCommandArgs(
    argv,
    commandFlags('bench train'),
    'dptrain bench train',
  );
  positionals(rest, [], USAGE);
  const raw = (name: string) => stringFlag(values[name]);
  const workers = raw('workers') === undefined ? DEFAULT_TRAIN_WORKERS : workerList(raw('workers')!);
  const steps =
    raw('steps') === undefined ? DEFAULT_TRAIN_STEPS : integerFlag('steps', raw('steps'), 1, MAX_STEPS);
  const warmup = raw('warmup') === undefined ? undefined : integerFlag('warmup', raw('warmup'), 0, steps - 1);
  const runs = raw('runs') === undefined ? undefined : integerFlag('runs', raw('runs'), 1, MAX_RUNS);
  const transport = benchTransportFlag(raw('transport'), USAGE);
  const report = await runTrainBench({
    workers,
    steps,
    ...(warmup === undefined ? {} : { warmup }),
    ...(runs === undefined ? {} : { runs }),
    ...(transport === undefined ? {} : { transport }),
    progress: (line) => io.stderr(`bench: ${line}`),
  });
  if (values.json === true) io.stdout(JSON.stringify(trainReportJson(report)));
  else for (const line of trainReportLines(report)) io.stdout(line);
  // A ceiling that trained something else than the 1-worker run measures nothing: say so in the exit code.
  return report.ceiling.sameAsOneWorker === false ? 1 : 0;
}

/** `1,2,4` as distinct worker counts, in the order given. */
function workerList(raw: string): number[] {
  const counts = raw.split(',').map((part) => integerFlag('workers', part.trim(), 1, MAX_WORKERS));
  const twice = counts.find((n, i) => counts.indexOf(n) !== i);
  if (twice !== undefined) {
    throw new UsageError(
      `--workers lists ${twice} twice ("${raw}"); give each worker count once, e.g. 1,2,4`,
    );
  }
  return counts;
}
