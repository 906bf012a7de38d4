import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BenchError } from '../errors.js';
import { CLI_PATH } from './children.js';

/**
 * The built bench task module (beside CLI_PATH in dist). The task module a run trains is written into the run's
 * temporary folder and imports it by file URL, so that it finds the dptrain that runs it from anywhere.
 */
const VECTOR_TASK_PATH = new URL('../../dist/bench/vector-task.js', import.meta.url);
/** How much of the launch's output is kept for error messages. */
const OUTPUT_TAIL_CHARS = 2000;
/** Default time a whole launched run may take, in ms. */
export const DEFAULT_RUN_TIMEOUT_MS = 600_000;

/** One bench run of the bench task through `dptrain launch`. */
export interface LaunchedRunOptions {
  readonly mode: 'sync' | 'async';
  readonly workers: number;
  readonly params: number;
  /** global steps (sync rounds, or async applied updates) */
  readonly steps: number;
  /** the constant LR of every step */
  readonly lr: number;
  readonly timeoutMs?: number;
  /** the run config's `transport` (default: the run config's, `tcp`) */
  readonly transport?: BenchTransport;
}

/** What a bench may ask `dptrain launch` for: its `transport` key. */
export type BenchTransport = 'auto' | 'tcp' | 'unix' | 'shm';

/** One line of metrics.jsonl, the fields the bench reads. */
export interface MetricLine {
  readonly step: number;
  readonly lr: number;
  readonly roundMs: number;
}

/** The fields of summary.json the bench checks. */
export interface RunSummaryFields {
  readonly outcome: string;
  readonly steps: number;
  readonly paramsDigest: string | null;
  readonly replicasIdentical: boolean | null;
  readonly consistency: { readonly consistent: boolean };
  /** how the workers were connected (absent in a run of an older build) */
  readonly transport?: { readonly kind: string } | null;
}

/** What a finished launch left: its run directory's metrics, summary and final parameters. */
export interface LaunchedRun {
  readonly dir: string;
  readonly metrics: readonly MetricLine[];
  readonly summary: RunSummaryFields;
  /** params.f32: the coordinator's final parameters */
  readonly params: Float32Array;
  /** removes the temporary folder of the run */
  remove(): Promise<void>;
}

/**
 * The run config of a bench run: the bench task, `workers` workers, `steps` global steps, SGD at a constant `lr`
 * (StepDecay whose first decay lies past the run), batch size 1, no checkpoints, no progress line; launch's own
 * zero-mask worker connections. Async: a policy that never refuses or holds a gradient.
 *
 * @example
 * benchRunConfig({ mode: 'sync', workers: 2, params: 1000, steps: 10, lr: 0.01 }, '/tmp/x/task.mjs', '/tmp/x/runs');
 */
export function benchRunConfig(options: LaunchedRunOptions, taskPath: string, out: string): string {
  return [
    `task: ${JSON.stringify(taskPath)}`,
    `workers: ${options.workers}`,
    `mode: ${options.mode}`,
    ...(options.mode === 'async' ? ['async: { max_staleness: null, ssp_bound: null }'] : []),
    `steps: ${options.steps}`,
    'batch_size: 1',
    'seed: 1',
    'optimizer: { name: SGD }',
    `lr: { name: StepDecay, learning_rate: ${options.lr}, step_size: ${options.steps + 1} }`,
    `out: ${JSON.stringify(out)}`,
    'progress: false',
    ...(options.transport === undefined ? [] : [`transport: ${options.transport}`]),
    '',
  ].join('\n');
}

/**
 * Trains the bench task through the real `dptrain launch` (a coordinator child and `workers` worker processes, as
 * any run) in a fresh temporary folder, and reads the run directory it wrote. Rejects with BenchError
 * ERR_BENCH_RUN when the launch fails, times out or leaves no complete run directory; the folder is removed then.
 *
 * @example
 * const run = await launchBenchRun({ mode: 'sync', workers: 2, params: 1000, steps: 10, lr: 0.01 }); await run.remove();
 */
export async function launchBenchRun(options: LaunchedRunOptions): Promise<LaunchedRun> {
  const dir = await mkdtemp(join(tmpdir(), 'dptrain-bench-'));
  const remove = () => rm(dir, { recursive: true, force: true });
  try {
    const taskPath = join(dir, 'task.mjs');
    await writeFile(
      taskPath,
      `import { vectorTask } from ${JSON.stringify(pathToFileURL(VECTOR_TASK_PATH.pathname).href)};\nexport default vectorTask(${options.params});\n`,
    );
    const configPath = join(dir, 'bench.yaml');
    await writeFile(configPath, benchRunConfig(options, taskPath, join(dir, 'runs')));
    const stdout = await runLaunch(configPath, options.timeoutMs ?? DEFAULT_RUN_TIMEOUT_MS);
    const last = stdout.trim().split('\n').at(-1) ?? '';
    if (!last.startsWith('run directory: ')) {
      throw new BenchError('ERR_BENCH_RUN', `the bench's launch named no run directory; it printed: ${last}`);
    }
    const runDir = last.slice('run directory: '.length);
    return { dir: runDir, ...(await readRun(runDir)), remove };
  } catch (error) {
    await remove();
    throw error;
  }
}

/** Runs `dptrain launch CONFIG` and resolves with its stdout once it exited 0. */
function runLaunch(configPath: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_PATH, 'launch', configPath], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-OUTPUT_TAIL_CHARS);
    });
    const timer = setTimeout(() => {
      // SIGINT lets launch stop its coordinator and workers; it ends the run as a stopped one.
      child.kill('SIGINT');
      reject(new BenchError('ERR_BENCH_TIMEOUT', `the bench's launch did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new BenchError('ERR_BENCH_RUN', `could not start ${CLI_PATH}: ${error.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) {
        resolve(stdout);
        return;
      }
      const how = signal === null ? `exit code ${String(code)}` : `signal ${signal}`;
      reject(
        new BenchError(
          'ERR_BENCH_RUN',
          `the bench's dptrain launch ended with ${how}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`,
        ),
      );
    });
  });
}

async function readRun(runDir: string): Promise<Omit<LaunchedRun, 'dir' | 'remove'>> {
  try {
    const metricsText = (await readFile(join(runDir, 'metrics.jsonl'), 'utf8')).trim();
    const summary = JSON.parse(await readFile(join(runDir, 'summary.json'), 'utf8')) as RunSummaryFields;
    const bytes = await readFile(join(runDir, 'params.f32'));
    // A copy: readFile's buffer may sit at an offset that is not a multiple of 4.
    const params = new Float32Array(Uint8Array.from(bytes).buffer);
    const metrics = (metricsText === '' ? [] : metricsText.split('\n'))
      .map((line) => JSON.parse(line) as MetricLine & { type?: string })
      .filter((line) => typeof line.roundMs === 'number');
    return { metrics, summary, params };
  } catch (error) {
    throw new BenchError(
      'ERR_BENCH_RUN',
      `the bench run's directory ${runDir} is incomplete: ${String(error)}`,
      {
        cause: error,
      },
    );
  }
}
