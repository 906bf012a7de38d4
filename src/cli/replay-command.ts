import { ReplayError, UsageError } from '../errors.js';
import { replayRun } from '../replay/index.js';
import { EXIT_CODES } from './exit-codes.js';
import type { CommandIo } from './io.js';

/**
 * `dptrain replay <run-dir>`: re-executes an async run from its arrivals.jsonl in this process and prints the
 * final `paramsDigest`. Exits 0 when it equals the live run's; 3 when it does not (naming the first entry that
 * differs) or when the log was changed after the run; 2 when the run directory cannot be replayed here (not an
 * async run, another backend build).
 */
export async function replayCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  if (argv.length !== 1 || argv[0]!.startsWith('--')) {
    throw new UsageError(
      `usage: dptrain replay <run-dir> (received ${argv.length === 0 ? 'nothing' : argv.join(' ')})`,
    );
  }
  const runDir = argv[0]!;
  let result: Awaited<ReturnType<typeof replayRun>>;
  try {
    result = await replayRun(runDir);
  } catch (error) {
    if (!(error instanceof ReplayError)) throw error;
    io.stderr(`error: ${error.message}`);
    return error.code === 'ERR_REPLAY_LOG' ? EXIT_CODES.inconsistent : EXIT_CODES.refused;
  }
  io.stdout(`replayed ${result.entries} gradients on ${result.backend}`);
  io.stdout(`paramsDigest: ${result.paramsDigest}`);
  if (result.matches) {
    io.stdout('the replay reproduces the run bit for bit');
    return EXIT_CODES.success;
  }
  const d = result.divergence;
  if (d !== null) {
    io.stderr(
      `error: entry ${d.i} (rank ${d.rank}, step ${d.step}) differs in its ${d.what}: logged ${d.logged}, replayed ${d.replayed}`,
    );
  } else {
    io.stderr(`error: the replayed parameters differ from the run's (${result.expectedDigest})`);
  }
  return EXIT_CODES.inconsistent;
}
