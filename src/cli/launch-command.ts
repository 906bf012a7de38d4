import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  parseOverrideFlags,
  parseRunConfig,
  type RunConfig,
  resolveRun,
  simulatedLinks,
} from '../config/index.js';
import type { Coordinator } from '../coordinator/index.js';
import { TrainingError, UsageError } from '../errors.js';
import {
  describeExit,
  type LinkRelays,
  ProgressDisplay,
  startLinkRelays,
  type WorkerExit,
  WorkerProcesses,
} from '../launch/index.js';
import { createLogger } from '../log/index.js';
import { runDirectoryName } from '../run-directory/index.js';
import { loadTask, type Task } from '../tasks/index.js';
import { coordinate, readConfigFile, takeFlags } from './coordinator-command.js';
import { EXIT_CODES } from './exit-codes.js';
import type { CommandIo } from './io.js';
import { launchWorkersCommand } from './launch-workers.js';
import { loadResume } from './resume.js';

const CLI = fileURLToPath(new URL('./main.js', import.meta.url));
/** How long workers may take to leave once the run is over before they are killed. */
const WORKER_EXIT_GRACE_MS = 5_000;

/**
 * `dptrain launch [CONFIG] [--key value …]`: the coordinator (in this process) and N worker processes on this
 * machine, like torchrun. Refuses a bad config before anything starts; shows progress; Ctrl-C ends the run after
 * the round in progress and writes what it has (a second Ctrl-C kills the workers); a worker that dies fails the
 * run and the launcher exits 1 naming it. The last stdout line is `run directory: <path>`. Exit codes as every
 * command's (see EXIT_CODES).
 */
export async function launchCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  // Workers for a coordinator elsewhere take no run config: the coordinator has it.
  if (argv.some((arg) => arg === '--connect' || arg.startsWith('--connect=')))
    return launchWorkersCommand(argv, io);
  const { own, rest } = takeFlags(argv, ['resume']);
  const { overrides, positionals } = parseOverrideFlags(rest);
  if (positionals.length > 1)
    throw new UsageError(`expected at most one config file, received ${positionals.join(' ')}`);
  const file = positionals[0] === undefined ? undefined : await readConfigFile(positionals[0]);
  const warn = (line: string) => io.stderr(`warning: ${line}`);
  const resumed = own.resume === undefined ? undefined : await loadResume(own.resume, file, overrides, warn);
  const config = resumed?.config ?? parseRunConfig(file, overrides);
  const task = await loadTask(config.task);
  resolveRun(config, await trainingSetSize(task, config));

  const logger = createLogger({
    format: config.logFormat,
    source: 'launcher',
    write: (line) => display.log(line),
  });
  const display = new ProgressDisplay(process.stderr, config.progress && config.logFormat === 'text');
  const token = randomBytes(24).toString('hex');
  const runDir = runDirectoryName(config.out, config.mode, new Date());
  let workers: WorkerProcesses | undefined;
  let coordinator: Coordinator | undefined;
  const links = simulatedLinks(config);
  let relays: LinkRelays | undefined;
  /** worker processes that ended badly while the run was on, in the order they ended */
  const casualties: WorkerExit[] = [];
  /** how often each rank was started again (`on_worker_failure: restart`) */
  const restarts = new Array<number>(config.workers).fill(0);
  let runOver = false;
  let interrupts = 0;
  const interrupt = () => {
    interrupts += 1;
    if (interrupts > 1) workers?.kill('SIGKILL');
  };
  process.on('SIGINT', interrupt);
  /** Starts the relays when links are simulated (each worker then connects to its own), then the workers. */
  const startWorkers = async (url: string): Promise<void> => {
    if (links !== null) {
      relays = await startLinkRelays(url, links, config.seed);
      for (const [rank, link] of links.entries()) {
        logger.info('link relay', { rank, via: relays.urls[rank], to: url, ...link });
      }
    }
    workers = new WorkerProcesses({
      count: config.workers,
      url: relays?.urls ?? url,
      token,
      backend: config.backend,
      logFormat: config.logFormat,
      cli: CLI,
      onLine: (line) => display.log(line),
      onExit: (exit) => {
        if (exit.code === 0 || runOver) return;
        if (config.onWorkerFailure === 'restart' && restarts[exit.rank]! < config.workerMaxRestarts) {
          // torchrun restarts the whole group; only this rank is started again, and it rejoins the run in progress.
          restarts[exit.rank]! += 1;
          logger.warn('restarting a worker', {
            rank: exit.rank,
            pid: exit.pid,
            exitCode: exit.code,
            signal: exit.signal,
            restart: restarts[exit.rank],
            of: config.workerMaxRestarts,
          });
          workers?.restart(exit.rank);
          return;
        }
        casualties.push(exit);
        // With shrink the coordinator goes on without it (or fails the run below min_workers) on its own.
        if (config.onWorkerFailure !== 'shrink') coordinator?.abort(workerFailure(exit));
      },
    });
    workers.start();
    logger.info('started workers', { workers: config.workers, coordinator: url });
  };
  try {
    const outcome = await coordinate({
      config,
      token,
      runDir,
      logger: createLogger({
        format: config.logFormat,
        source: 'coordinator',
        write: (line) => display.log(line),
      }),
      ...(resumed === undefined ? {} : { resume: resumed }),
      announce: (url) => {
        void startWorkers(url).catch((error: unknown) => {
          const message = error instanceof Error ? error.message : String(error);
          coordinator?.abort(
            new TrainingError('ERR_TRAINING_INTERNAL', `could not start the link relays: ${message}`, {
              cause: error,
            }),
          );
        });
      },
      attach: (c) => {
        coordinator = c;
        followProgress(c, display, config);
        // A hung worker the coordinator gave up on still runs: end it, so that restart can start it again.
        c.on('lost', (lost) => workers?.killOne(lost.rank, 'SIGKILL'));
      },
      links: () => relays?.stats() ?? null,
    });
    runOver = true;
    display.end();
    // The run is over: a worker that does not leave (hung, or stopped with SIGSTOP) is killed, as torchrun does.
    const grace = setTimeout(() => workers?.kill('SIGKILL'), WORKER_EXIT_GRACE_MS);
    const exits = (await workers?.exited()) ?? [];
    clearTimeout(grace);
    const { result, summary } = outcome;
    if (result.failure !== null) {
      // The rank the coordinator named; another worker that exited because the run failed is not the culprit.
      const named = result.failure.rank;
      const culprit = named === null ? casualties[0] : casualties.find((e) => e.rank === named);
      const lost = result.failure.code === 'ERR_TRAINING_WORKER_LOST' && culprit !== undefined;
      io.stderr(`error: ${lost ? workerFailure(culprit).message : result.failure.message}`);
    }
    // A worker the run went on without (shrink) ended during the run: not a late failure.
    const late = exits.find(
      (e) => e.code !== 0 && result.failure === null && !casualties.some((c) => c.pid === e.pid),
    );
    if (late !== undefined) io.stderr(`error: ${describeExit(late)} after the run`);
    logger.info('run over', {
      outcome: result.outcome,
      steps: summary.steps,
      evalAccuracy: summary.evalAccuracy,
      samplesPerSec: summary.samplesPerSec,
      consistent: summary.consistency.consistent,
      replicasIdentical: summary.replicasIdentical,
    });
    io.stdout(`run directory: ${outcome.directory}`);
    // A worker that ended badly after a run that did not fail is still a failure of the launch (1 beats 3).
    return late !== undefined ? EXIT_CODES.failed : outcome.exitCode;
  } catch (error) {
    runOver = true;
    display.end();
    workers?.kill('SIGTERM');
    await workers?.exited();
    // A run that could not start still left its summary.json: say where, as a run that started does.
    if (existsSync(join(runDir, 'summary.json'))) io.stdout(`run directory: ${runDir}`);
    const culprit = casualties[0];
    throw culprit !== undefined ? workerFailure(culprit, error) : error;
  } finally {
    process.off('SIGINT', interrupt);
    await relays?.close();
  }
}

/** The training set's size as the run will see it, without starting anything. */
async function trainingSetSize(task: Task, config: RunConfig): Promise<number> {
  const options = config.dataLimit === null ? {} : { limit: config.dataLimit };
  if (task.size !== undefined) return task.size('train', options);
  return (await task.loadData('train', { seed: config.seed, ...options })).size;
}

function followProgress(coordinator: Coordinator, display: ProgressDisplay, config: RunConfig): void {
  let totalSteps = 0;
  let stepsPerEpoch = 1;
  let startedAt = 0;
  let samples = 0;
  coordinator.on('started', (info) => {
    totalSteps = info.totalSteps;
    stepsPerEpoch = info.stepsPerEpoch;
    startedAt = performance.now();
  });
  coordinator.on('step', (record) => {
    samples += record.samples;
    const elapsedSeconds = (performance.now() - startedAt) / 1000;
    display.update({
      step: record.step + 1,
      totalSteps,
      epoch: record.epoch,
      epochs: config.steps === null ? (config.epochs ?? 1) : totalSteps / stepsPerEpoch,
      lr: record.lr,
      loss: record.loss,
      samplesPerSec: elapsedSeconds > 0 ? samples / elapsedSeconds : 0,
      elapsedSeconds,
    });
  });
}

/** A worker process that ended badly, as the error the run fails with. */
function workerFailure(exit: WorkerExit, cause?: unknown): TrainingError {
  return new TrainingError('ERR_TRAINING_WORKER_LOST', `${describeExit(exit)}; the run stopped`, {
    rank: exit.rank,
    cause,
  });
}
