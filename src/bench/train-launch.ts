import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BenchError } from '../errors.js';
import { CLI_PATH, describeExit } from './children.js';
import type { BenchTransport } from './launched-run.js';
import { type Throughput, throughputOf } from './train-metrics.js';

/** One `dptrain launch` of the training benchmark: its throughput and where its parameters ended. */
export interface LaunchRun extends Throughput {
  readonly workers: number;
  /** summary.json's `paramsDigest` */
  readonly paramsDigest: string;
  /** summary.json's `backend` (the workers' TensorFlow.js build) */
  readonly backend: string;
}

/** Options of {@link runTrainLaunch}. */
export interface TrainLaunchOptions {
  readonly workers: number;
  /** steps trained, warm-up included */
  readonly steps: number;
  /** first steps left out of the throughput */
  readonly warmup: number;
  /** launch's `--transport` (default: the run config's, `tcp`) */
  readonly transport?: BenchTransport;
}

/** How much of the launch's stderr an error message keeps. */
const STDERR_TAIL_CHARS = 2000;

/**
 * Runs the real `dptrain launch` of the default run (`npm start`'s config) with `workers` workers for `steps`
 * steps in a temporary directory (removed afterwards), and measures it from its metrics.jsonl. Throws
 * BenchError ERR_BENCH_RUN when the launch fails or writes no run directory.
 *
 * @example
 * const run = await runTrainLaunch({ workers: 2, steps: 200, warmup: 20 }); run.samplesPerSec;
 */
export async function runTrainLaunch(options: TrainLaunchOptions): Promise<LaunchRun> {
  const { workers, steps, warmup } = options;
  const dir = await mkdtemp(join(tmpdir(), 'dptrain-bench-train-'));
  try {
    const out = join(dir, 'runs');
    const args = ['launch', '--workers', String(workers), '--steps', String(steps), '--out', out];
    const transport = options.transport === undefined ? [] : ['--transport', options.transport];
    await launch([...args, ...transport, '--progress', 'false'], dir);
    const [runDir] = await readdir(out).catch(() => []);
    if (runDir === undefined) {
      throw new BenchError('ERR_BENCH_RUN', `dptrain ${args.join(' ')} wrote no run directory under ${out}`);
    }
    const metrics = await readFile(join(out, runDir, 'metrics.jsonl'), 'utf8');
    const summary = JSON.parse(await readFile(join(out, runDir, 'summary.json'), 'utf8')) as {
      paramsDigest: string;
      backend: string;
    };
    return {
      workers,
      ...throughputOf(metrics, warmup),
      paramsDigest: summary.paramsDigest,
      backend: summary.backend,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function launch(args: readonly string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    // cwd is an empty folder: no config.yaml of the caller's changes the default run.
    const child = spawn(process.execPath, [CLI_PATH, ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_TAIL_CHARS);
    });
    child.once('error', (error) =>
      reject(
        new BenchError('ERR_BENCH_RUN', `could not start ${CLI_PATH}: ${error.message}`, { cause: error }),
      ),
    );
    child.once('exit', (code, signal) => {
      if (code === 0) resolve();
      else {
        const how = describeExit({ code, signal }, stderr.trim());
        reject(new BenchError('ERR_BENCH_RUN', `dptrain ${args.join(' ')} failed (${how})`));
      }
    });
  });
}
