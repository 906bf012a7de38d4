import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { coordinate } from '../../src/cli/coordinator-command.js';
import { parseRunConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/log/index.js';
import type { RunSummary } from '../../src/run-directory/index.js';
import { selectBackend, Worker } from '../../src/worker/index.js';
import { scratch } from './processes.js';

/** What an in-process run left: its directory read back, the coordinator's log lines and the exit code. */
export interface InProcessRun {
  readonly dir: string;
  readonly exitCode: number;
  readonly log: readonly string[];
  readonly summary: RunSummary;
  /** every line of metrics.jsonl, parsed, in order (step lines and `"type": "eval"` lines) */
  readonly lines: readonly Record<string, unknown>[];
  readonly params: Float32Array;
}

/**
 * A whole run in this process: `coordinate()` (what `dptrain coordinator` runs, writing the run directory) and one
 * in-process Worker per rank on the wasm backend. Cheaper than processes, and the same code path below the CLI.
 */
export async function runInProcess(
  file: Readonly<Record<string, unknown>>,
  options: {
    /** the coordinator's tensor-lane directory (made and removed by the run), as `dptrain launch` gives it */
    readonly lanes?: string;
    /** the directory rank r offers (default: the coordinator's) */
    readonly offers?: (rank: number) => string | null;
    /** receives every worker's log entries */
    readonly workerLog?: (rank: number, entry: Readonly<Record<string, unknown>>) => void;
  } = {},
): Promise<InProcessRun> {
  const config = parseRunConfig({ progress: false, ...file });
  const token = 'in-process-token';
  const runDir = join(await scratch(), 'run');
  const log: string[] = [];
  const logger = createLogger({ format: 'text', source: 'coordinator', write: (line) => log.push(line) });
  // Workers of one process share tfjs: its backend is set up once, before they start together.
  await selectBackend('wasm');
  let workers: Promise<PromiseSettledResult<unknown>[]> = Promise.resolve([]);
  const outcome = await coordinate({
    config,
    token,
    runDir,
    logger,
    ...(options.lanes === undefined
      ? {}
      : {
          transport: {
            kind: 'shm' as const,
            reason: 'test',
            socketPath: null,
            laneDirectory: options.lanes,
          },
        }),
    announce: (url) => {
      workers = Promise.allSettled(
        Array.from({ length: config.workers }, (_, rank) =>
          new Worker({
            url,
            token,
            rank,
            backend: 'wasm',
            lanes: options.offers === undefined ? (options.lanes ?? null) : options.offers(rank),
            ...(options.workerLog === undefined
              ? {}
              : { log: (entry) => options.workerLog!(rank, entry as Readonly<Record<string, unknown>>) }),
          }).run(),
        ),
      );
    },
  });
  const failed = (await workers).find((result) => result.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
  const text = (await readFile(join(runDir, 'metrics.jsonl'), 'utf8')).trim();
  const bytes = await readFile(join(runDir, 'params.f32'));
  return {
    dir: runDir,
    exitCode: outcome.exitCode,
    log,
    summary: JSON.parse(await readFile(join(runDir, 'summary.json'), 'utf8')),
    lines: text === '' ? [] : text.split('\n').map((line) => JSON.parse(line)),
    params: new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4),
  };
}
