import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHECKPOINTS_DIR, newestValidCheckpoint, readCheckpoint } from '../checkpoint/index.js';
import {
  parseOverrideFlags,
  parseRunConfig,
  type RunConfig,
  resolveRun,
  runConfigAsFile,
  simulatedLinks,
} from '../config/index.js';
import { CheckpointError, TrainingError, UsageError } from '../errors.js';
import {
  type CoordinatorExit,
  CoordinatorProcess,
  describeCoordinatorExit,
  describeExit,
  type FromCoordinator,
  type LinkRelays,
  ProgressDisplay,
  removeLaneDirectory,
  startLinkRelays,
  type ToCoordinator,
  type WorkerExit,
  WorkerProcesses,
} from '../launch/index.js';
import { createLogger } from '../log/index.js';
import { METRICS_FILE, RunDirectory, runDirectoryName } from '../run-directory/index.js';
import { loadTask, type Task } from '../tasks/index.js';
import { commandFlags } from './command-table.js';
import {
  readConfigFile,
  reportScheduleFit,
  STRICT_SCHEDULE_FLAG,
  sayDialectFile,
  takeFlags,
  takeSwitch,
  warningsAs,
} from './coordinator-command.js';
import { EXIT_CODES, SIGNAL_EXIT_CODES } from './exit-codes.js';
import type { CommandIo } from './io.js';
import { launchWorkersCommand } from './launch-workers.js';
import { loadResume } from './resume.js';

const CLI = fileURLToPath(new URL('./main.js', import.meta.url));
/** How long workers may take to leave once the run is over before they are killed. */
const WORKER_EXIT_GRACE_MS = 5_000;

/**
 * `dptrain launch [CONFIG] [--key value …]`: the coordinator (a child process) and N worker processes on this
 * machine, like torchrun. Refuses a bad config before anything starts; shows progress; Ctrl-C ends the run after
 * the round in progress and writes what it has (a second Ctrl-C kills everything); a worker that dies fails the
 * run and the launcher exits 1 naming it; a coordinator that dies is started again from the run's newest
 * checkpoint, up to `coordinator_max_restarts` times, and the workers rejoin it. The last stdout line is
 * `run directory: <path>`. Exit codes as every command's (see EXIT_CODES).
 */
export async function launchCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  // Workers for a coordinator elsewhere take no run config: the coordinator has it.
  if (argv.some((arg) => arg === '--connect' || arg.startsWith('--connect=')))
    return launchWorkersCommand(argv, io);
  const started = performance.now();
  const strict = takeSwitch(argv, STRICT_SCHEDULE_FLAG);
  const { own, rest } = takeFlags(
    strict.rest,
    commandFlags('launch').flatMap((flag) => (flag.value === undefined ? [] : [flag.name])),
  );
  const { overrides, positionals } = parseOverrideFlags(rest);
  if (positionals.length > 1)
    throw new UsageError(`expected at most one config file, received ${positionals.join(' ')}`);
  const file = positionals[0] === undefined ? undefined : await readConfigFile(positionals[0]);
  const warn = (line: string) => io.stderr(`warning: ${line}`);
  const resumed = own.resume === undefined ? undefined : await loadResume(own.resume, file, overrides, warn);
  const config = resumed?.config ?? parseRunConfig(file, overrides);
  sayDialectFile(file, overrides, warningsAs(config, 'launcher', io));
  const task = await loadTask(config.task);
  // Before anything starts: a schedule that does not fit the run is said here (or refused, exit 2).
  reportScheduleFit(resolveRun(config, await trainingSetSize(task, config)), {
    strict: strict.on,
    warn: warningsAs(config, 'launcher', io),
  });

  const logger = createLogger({
    format: config.logFormat,
    source: 'launcher',
    write: (line) => display.log(line),
  });
  const display = new ProgressDisplay(process.stderr, config.progress && config.logFormat === 'text');
  const token = randomBytes(24).toString('hex');
  const runDir = runDirectoryName(config.out, config.mode, new Date());
  let workers: WorkerProcesses | undefined;
  let coordinator: CoordinatorProcess | undefined;
  const links = simulatedLinks(config);
  let relays: LinkRelays | undefined;
  /** worker processes that ended badly while the run was on, in the order they ended */
  const casualties: WorkerExit[] = [];
  /** how often each rank was started again (`on_worker_failure: restart`) */
  const workerRestarts = new Array<number>(config.workers).fill(0);
  /** ranks started again that have not joined the run yet: if the run ends first, they are not failures */
  const rejoining = new Set<number>();
  /** what failed the run from here (a dead worker): a restarted coordinator is told it too */
  let aborted: Extract<ToCoordinator, { type: 'abort' }> | undefined;
  const abort = (error: TrainingError) => {
    aborted ??= { type: 'abort', code: error.code, message: error.message, rank: error.rank };
    coordinator?.send(aborted);
  };
  let runOver = false;
  let interrupts = 0;
  let signal: 'SIGINT' | 'SIGTERM' | null = null;
  const interrupt = (name: 'SIGINT' | 'SIGTERM') => {
    interrupts += 1;
    signal ??= name;
    // The coordinator stops after the round in progress and writes the run directory; a second signal ends it all.
    if (interrupts === 1) coordinator?.kill(name);
    else {
      workers?.kill('SIGKILL');
      coordinator?.kill('SIGKILL');
    }
  };
  const onInt = () => interrupt('SIGINT');
  const onTerm = () => interrupt('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  /** Starts the relays when links are simulated (each worker then connects to its own), then the workers. */
  const startWorkers = async (url: string, lanes: string | null): Promise<void> => {
    if (links !== null) {
      relays = await startLinkRelays(url, links, config.seed);
      for (const [rank, link] of links.entries()) {
        logger.info('link relay', { rank, via: relays.urls[rank], to: url, ...link });
      }
    }
    workers = new WorkerProcesses({
      count: config.workers,
      url: relays?.urls ?? url,
      lanes,
      token,
      backend: config.backend,
      logFormat: config.logFormat,
      cli: CLI,
      onLine: (line) => display.log(line),
      onExit: (exit) => {
        if (exit.code === 0 || runOver) return;
        if (config.onWorkerFailure === 'restart' && workerRestarts[exit.rank]! < config.workerMaxRestarts) {
          // torchrun restarts the whole group; only this rank is started again, and it rejoins the run in progress.
          workerRestarts[exit.rank]! += 1;
          logger.warn('restarting a worker', {
            rank: exit.rank,
            pid: exit.pid,
            exitCode: exit.code,
            signal: exit.signal,
            restart: workerRestarts[exit.rank],
            of: config.workerMaxRestarts,
          });
          rejoining.add(exit.rank);
          workers?.restart(exit.rank);
          return;
        }
        casualties.push(exit);
        // With shrink the coordinator goes on without it (or fails the run below min_workers) on its own.
        if (config.onWorkerFailure === 'shrink') return;
        const used =
          config.onWorkerFailure === 'restart'
            ? `it was restarted ${workerRestarts[exit.rank]} times already (worker_max_restarts ${config.workerMaxRestarts})`
            : null;
        abort(workerFailure(exit, undefined, used));
      },
    });
    workers.start();
    logger.info('started workers', { workers: config.workers, coordinator: url });
  };
  const progress = followProgress(display, config);
  /** where the workers connect: the first coordinator's address, which every restarted one listens on again */
  let url: string | undefined;
  /** the tensor-lane directory the coordinator announced, removed at the end even if it crashed */
  let lanes: string | null = null;
  const onMessage = (message: FromCoordinator) => {
    if (message.type === 'listening') {
      if (url === undefined) {
        url = message.url;
        lanes = message.lanes;
        void startWorkers(message.url, message.lanes).catch((error: unknown) => {
          const text = error instanceof Error ? error.message : String(error);
          abort(
            new TrainingError('ERR_TRAINING_INTERNAL', `could not start the link relays: ${text}`, {
              cause: error,
            }),
          );
        });
      } else if (message.url !== url) {
        logger.warn('the restarted coordinator listens elsewhere: the workers cannot find it', {
          was: url,
          now: message.url,
        });
      }
    } else if (message.type === 'lost') {
      // A hung worker the coordinator gave up on still runs: end it, so that restart can start it again.
      workers?.killOne(message.rank, 'SIGKILL');
    } else if (message.type === 'rejoined') {
      rejoining.delete(message.rank);
    } else if (message.type === 'links?') {
      coordinator?.send({ type: 'links', links: relays?.stats() ?? null });
    } else {
      progress(message);
    }
  };
  try {
    const file = runConfigAsFile(config);
    let resume = resumed?.from.path ?? null;
    let exit: CoordinatorExit;
    for (let restarts = 0; ; restarts++) {
      const port = url === undefined ? config.port : Number(new URL(url).port);
      coordinator = new CoordinatorProcess({
        cli: CLI,
        token,
        start: { type: 'start', config: { ...file, port }, runDir, resume, restart: restarts > 0 },
        onLine: (line) => display.log(line),
        onMessage,
      });
      if (aborted !== undefined) coordinator.send(aborted);
      logger.info('started coordinator', {
        pid: coordinator.pid,
        ...(restarts > 0 ? { restart: restarts } : {}),
      });
      exit = await coordinator.exited;
      if (
        exit.ended !== null ||
        interrupts > 0 ||
        aborted !== undefined ||
        restarts >= config.coordinatorMaxRestarts
      )
        break;
      const found = await newestCheckpoint(config, runDir, (line) => io.stderr(`warning: ${line}`));
      resume = found?.path ?? resumed?.from.path ?? null;
      logger.warn('coordinator died, restarting it', {
        pid: exit.pid,
        how: describeCoordinatorExit(exit),
        restart: restarts + 1,
        of: config.coordinatorMaxRestarts,
        from: resume ?? 'the start',
        step: found?.step ?? resumed?.from.step ?? 0,
      });
    }
    runOver = true;
    display.end();
    const ended = exit.ended;
    if (ended === null || ended.type === 'unstarted') {
      // Nothing is left to tell the workers to stop: they leave (a signal ends their wait for a coordinator).
      workers?.kill('SIGTERM');
      const grace = setTimeout(() => workers?.kill('SIGKILL'), WORKER_EXIT_GRACE_MS);
      await workers?.exited();
      clearTimeout(grace);
      const culprit = casualties[0];
      if (ended === null) {
        const restarts = config.coordinatorMaxRestarts;
        const message =
          culprit !== undefined
            ? workerFailure(culprit).message
            : coordinatorDeath(exit, interrupts > 0, restarts);
        io.stderr(`error: ${message}`);
        if (existsSync(runDir)) {
          await recordCoordinatorLoss(config, runDir, message, culprit?.rank ?? null, started, (line) =>
            io.stderr(`warning: ${line}`),
          );
          io.stdout(`run directory: ${runDir}`);
        }
        if (culprit === undefined && signal !== null && interrupts > 0) return SIGNAL_EXIT_CODES[signal];
        return EXIT_CODES.failed;
      }
      // A run that could not start still left its summary.json: say where, as a run that started does.
      if (ended.summaryWritten) io.stdout(`run directory: ${runDir}`);
      io.stderr(`error: ${culprit !== undefined ? workerFailure(culprit).message : ended.message}`);
      return culprit !== undefined ? EXIT_CODES.failed : ended.exitCode;
    }
    // A restarted worker still on its way in is of no use now: it leaves (its exit is not a failure).
    for (const rank of rejoining) workers?.killOne(rank, 'SIGTERM');
    // The run is over: a worker that does not leave (hung, or stopped with SIGSTOP) is killed, as torchrun does.
    const grace = setTimeout(() => workers?.kill('SIGKILL'), WORKER_EXIT_GRACE_MS);
    const exits = (await workers?.exited()) ?? [];
    clearTimeout(grace);
    const { failure, summary } = ended;
    if (failure !== null) {
      // The rank the coordinator named; another worker that exited because the run failed is not the culprit.
      const named = failure.rank;
      const culprit = named === null ? casualties[0] : casualties.find((e) => e.rank === named);
      const lost = failure.code === 'ERR_TRAINING_WORKER_LOST' && culprit !== undefined;
      io.stderr(`error: ${lost ? workerFailure(culprit).message : failure.message}`);
    }
    // A worker the run went on without (shrink) ended during the run: not a late failure.
    const late = exits.find(
      (e) =>
        e.code !== 0 &&
        failure === null &&
        !casualties.some((c) => c.pid === e.pid) &&
        !rejoining.has(e.rank),
    );
    if (late !== undefined) io.stderr(`error: ${describeExit(late)} after the run`);
    logger.info('run over', {
      outcome: ended.outcome,
      steps: summary.steps,
      evalAccuracy: summary.evalAccuracy,
      samplesPerSec: summary.samplesPerSec,
      consistent: summary.consistent,
      replicasIdentical: summary.replicasIdentical,
    });
    io.stdout(`run directory: ${ended.directory}`);
    // A worker that ended badly after a run that did not fail is still a failure of the launch (1 beats 3).
    return late !== undefined ? EXIT_CODES.failed : ended.exitCode;
  } catch (error) {
    runOver = true;
    display.end();
    coordinator?.kill('SIGKILL');
    workers?.kill('SIGTERM');
    await workers?.exited();
    throw error;
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
    await relays?.close();
    if (lanes !== null) removeLaneDirectory(lanes);
  }
}

/**
 * The newest valid checkpoint the run wrote (in `checkpoint.dir` or `<run dir>/checkpoints`), or null when it
 * wrote none yet; a damaged newer file is skipped, and `warn` says so.
 */
async function newestCheckpoint(
  config: RunConfig,
  runDir: string,
  warn: (line: string) => void,
): Promise<{ path: string; step: number } | null> {
  const dir = config.checkpoint.dir === null ? join(runDir, CHECKPOINTS_DIR) : resolve(config.checkpoint.dir);
  try {
    const found = await newestValidCheckpoint(dir, { onSkip: warn });
    return { path: found.path, step: found.step };
  } catch (error) {
    if (error instanceof CheckpointError) return null;
    throw error;
  }
}

/**
 * The run directory of a run whose coordinator died without ending it: summary.json (failed), the pictures of the
 * steps metrics.jsonl holds, and the newest checkpoint's parameters as params.f32 — what the coordinator would
 * have written, as far as what it left allows.
 */
async function recordCoordinatorLoss(
  config: RunConfig,
  runDir: string,
  message: string,
  rank: number | null,
  started: number,
  warn: (line: string) => void,
): Promise<void> {
  const found = await newestCheckpoint(config, runDir, warn);
  const params = found === null ? null : (await readCheckpoint(found.path)).content.state.tensors.params;
  const directory = await RunDirectory.create(runDir, { continueAt: Number.MAX_SAFE_INTEGER });
  const steps = (await readFile(join(runDir, METRICS_FILE), 'utf8').catch(() => ''))
    .split('\n')
    // Evaluation lines (`{"type":"eval",…}`) are not steps.
    .filter((line) => line.trim() !== '' && !line.startsWith('{"type":')).length;
  await directory.coordinatorLost({
    mode: config.mode,
    workers: config.workers,
    failure: { code: 'ERR_TRAINING_COORDINATOR_LOST', message, rank, step: steps },
    wallSeconds: (performance.now() - started) / 1000,
    exitCode: EXIT_CODES.failed,
    checkpoint: found === null || params === null ? null : { ...found, params },
  });
}

/** "the coordinator (pid 4242) was killed by SIGKILL; the run stopped …": why the launch ends without a run's end. */
function coordinatorDeath(exit: CoordinatorExit, interrupted: boolean, maxRestarts: number): string {
  const why = interrupted
    ? 'while the launch was being interrupted'
    : maxRestarts === 0
      ? 'and coordinator_max_restarts is 0'
      : `after ${maxRestarts} restart${maxRestarts === 1 ? '' : 's'} (coordinator_max_restarts)`;
  return `${describeCoordinatorExit(exit)} ${why}; the run stopped (continue it with --resume on its run directory)`;
}

/** The training set's size as the run will see it, without starting anything. */
async function trainingSetSize(task: Task, config: RunConfig): Promise<number> {
  const options = config.dataLimit === null ? {} : { limit: config.dataLimit };
  if (task.size !== undefined) return task.size('train', options);
  return (await task.loadData('train', { seed: config.seed, ...options })).size;
}

/** The progress line, fed with the coordinator's `started` and `step` messages (again after a restart). */
function followProgress(
  display: ProgressDisplay,
  config: RunConfig,
): (
  message: Extract<FromCoordinator, { type: 'started' | 'resized' | 'step' | 'ended' | 'unstarted' }>,
) => void {
  let totalSteps = 0;
  let stepsPerEpoch = 1;
  let startedAt = 0;
  let samples = 0;
  return (message) => {
    if (message.type === 'started') {
      totalSteps = message.totalSteps;
      stepsPerEpoch = message.stepsPerEpoch;
      startedAt = performance.now();
      samples = 0;
    } else if (message.type === 'resized') {
      totalSteps = message.totalSteps;
    } else if (message.type === 'step') {
      samples += message.samples;
      const elapsedSeconds = (performance.now() - startedAt) / 1000;
      display.update({
        step: message.step + 1,
        totalSteps,
        epoch: message.epoch,
        epochs: config.steps === null ? (config.epochs ?? 1) : totalSteps / stepsPerEpoch,
        lr: message.lr,
        loss: message.loss,
        samplesPerSec: elapsedSeconds > 0 ? samples / elapsedSeconds : 0,
        elapsedSeconds,
      });
    }
  };
}

/** A worker process that ended badly, as the error the run fails with. */
function workerFailure(exit: WorkerExit, cause?: unknown, why: string | null = null): TrainingError {
  return new TrainingError(
    'ERR_TRAINING_WORKER_LOST',
    `${describeExit(exit)}${why === null ? '' : `; ${why}`}; the run stopped`,
    { rank: exit.rank, cause },
  );
}
