import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ARRIVAL_LOG_FORMAT, ARRIVAL_LOG_VERSION, type ArrivalHeader } from '../arrivals/index.js';
import { CHECKPOINTS_DIR, writeCheckpoint } from '../checkpoint/index.js';
import {
  dialectFileNote,
  parseOverrideFlags,
  parseRunConfig,
  type ResolvedRun,
  type RunConfig,
  refuseScheduleMisfits,
  resolveRun,
  runConfigAsFile,
  runConfigToYaml,
  runSchedule,
  simulatedLinks,
} from '../config/index.js';
import {
  Coordinator,
  type Member,
  policyFromConfig,
  type RunFailure,
  type RunResult,
  type SerializedRunState,
} from '../coordinator/index.js';
import { ConfigError, DptrainError, TrainingError, UsageError } from '../errors.js';
import {
  chooseTransport,
  FROM_LAUNCHER_FLAG,
  type FromCoordinator,
  hasSharedMemory,
  makeLaneDirectory,
  removeLaneDirectory,
  runLaneDirectory,
  runSocketPath,
  type ToCoordinator,
  type TransportChoice,
  unixUrl,
  waitForPort,
} from '../launch/index.js';
import { createLogger, type Logger, transportLog } from '../log/index.js';
import { createScheduler, parseConfigText, warmupEnd } from '../lr/index.js';
import {
  ARRIVALS_FILE,
  type LrMarker,
  RunDirectory,
  type RunSummary,
  runDirectoryName,
  type SimulatedConditions,
  type SimulatedLink,
} from '../run-directory/index.js';
import { BUILTIN_TASKS } from '../tasks/index.js';
import { commandFlags } from './command-table.js';
import { inConfigFile, readConfigText } from './config-file.js';
import { EXIT_CODES, errorExitCode, runExitCode } from './exit-codes.js';
import type { CommandIo } from './io.js';
import { loadResume, type Resumed } from './resume.js';
import { readToken } from './token.js';

/** Flags of `dptrain coordinator` itself; every other `--key value` overrides the run config. */
/** `--strict-schedule`: a schedule that does not fit the run is refused instead of warned about. */
export const STRICT_SCHEDULE_FLAG = 'strict-schedule';
/** Flags of `dptrain coordinator` that take a value (the switch apart). */
const OWN_FLAGS = commandFlags('coordinator').flatMap((flag) =>
  flag.value === undefined ? [] : [flag.name],
);

/**
 * `dptrain coordinator [CONFIG] [--key value …] [--token-file F] [--run-dir DIR]`: the coordinator process.
 * Exits as every command does (see EXIT_CODES): 0, 1 for a failed run, 2 for a refused config, 3 for a run that
 * finished inconsistent, 130/143 for a run stopped by SIGINT/SIGTERM.
 */
export async function coordinatorCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  if (argv.length === 1 && argv[0] === FROM_LAUNCHER_FLAG) return coordinatorChild(io);
  const strict = takeSwitch(argv, STRICT_SCHEDULE_FLAG);
  const { own, rest } = takeFlags(strict.rest, OWN_FLAGS);
  const { overrides, positionals } = parseOverrideFlags(rest);
  if (positionals.length > 1)
    throw new UsageError(`expected at most one config file, received ${positionals.join(' ')}`);
  const file = positionals[0] === undefined ? undefined : await readConfigFile(positionals[0]);
  const warn = (line: string) => io.stderr(`warning: ${line}`);
  const resumed = own.resume === undefined ? undefined : await loadResume(own.resume, file, overrides, warn);
  const config = resumed?.config ?? parseRunConfig(file, overrides);
  sayDialectFile(file, overrides, warningsAs(config, 'coordinator', io));
  if (simulatedLinks(config) !== null) {
    // The relays sit between a worker and the coordinator, so the launcher starts them; here the workers are elsewhere.
    throw new ConfigError(
      'ERR_CONFIG_CONFLICT',
      'simulate',
      'link effects (latency_ms, jitter_ms, bandwidth_mbps, links) are simulated by relays that dptrain launch ' +
        'starts; for a coordinator on its own, put `dptrain netsim` between each worker and it, or remove them',
    );
  }
  const token = await readToken(own['token-file']);
  const logger = createLogger({ format: config.logFormat, source: 'coordinator', write: io.stderr });
  const runDir = own['run-dir'] ?? runDirectoryName(config.out, config.mode, new Date());
  let outcome: Coordinated;
  try {
    outcome = await coordinate({
      config,
      token,
      runDir,
      logger,
      scheduleFit: { strict: strict.on, warn: warningsAs(config, 'coordinator', io) },
      announce: (url) => io.stdout(`listening ${url}`),
      ...(resumed === undefined ? {} : { resume: resumed }),
    });
  } catch (error) {
    // A run that could not start still left its summary.json: say where, as a run that started does.
    if (existsSync(join(runDir, 'summary.json'))) io.stdout(`run directory: ${runDir}`);
    throw error;
  }
  if (outcome.result.failure !== null) io.stderr(`error: ${outcome.result.failure.message}`);
  io.stdout(`run directory: ${outcome.directory}`);
  return outcome.exitCode;
}

/** How long a restarted coordinator waits for the dead one's port to come free. */
const PORT_WAIT_MS = 10_000;
/** How long the child waits for the launcher's relay byte counts at the end of a run. */
const LINKS_WAIT_MS = 5_000;

/**
 * `dptrain coordinator --from-launcher`: the coordinator as `dptrain launch`'s child. The run (config, run
 * directory, checkpoint to continue from) comes in a `start` message on the IPC channel and the token in the
 * environment; the address, progress and outcome go back as messages, and the launcher prints what the user sees.
 * A launcher that goes away (killed) takes this process with it at once: nobody is left to report to or to
 * restart it, and a run directory left alone is what `--resume` continues.
 */
async function coordinatorChild(io: CommandIo): Promise<number> {
  const parent = process.send?.bind(process);
  if (parent === undefined) {
    throw new UsageError(
      `${FROM_LAUNCHER_FLAG} is for the coordinator dptrain launch starts, not for direct use`,
    );
  }
  const orphaned = () => process.exit(EXIT_CODES.failed);
  process.on('disconnect', orphaned);
  const send = (message: FromCoordinator): Promise<void> =>
    new Promise((resolve) => parent(message, undefined, {}, () => resolve()));
  // A signal the launcher forwards before the coordinator's own handlers exist must not kill this process.
  let early: 'SIGINT' | 'SIGTERM' | null = null;
  const onEarlyInt = () => {
    early ??= 'SIGINT';
  };
  const onEarlyTerm = () => {
    early ??= 'SIGTERM';
  };
  process.on('SIGINT', onEarlyInt);
  process.on('SIGTERM', onEarlyTerm);
  let coordinator: Coordinator | undefined;
  let abort: TrainingError | undefined;
  let links: ((value: readonly SimulatedLink[] | null) => void) | undefined;
  const start = await new Promise<Extract<ToCoordinator, { type: 'start' }>>((resolve) => {
    process.on('message', (message: ToCoordinator) => {
      if (message.type === 'start') resolve(message);
      else if (message.type === 'links') links?.(message.links);
      else if (message.type === 'abort') {
        abort ??= new TrainingError(message.code as TrainingError['code'], message.message, {
          rank: message.rank,
        });
        coordinator?.abort(abort);
      }
    });
  });
  const finish = async (message: FromCoordinator, exitCode: number): Promise<number> => {
    await send(message);
    process.off('disconnect', orphaned);
    process.disconnect();
    return exitCode;
  };
  try {
    const token = await readToken(undefined);
    const warn = (line: string) => io.stderr(`warning: ${line}`);
    const resumed =
      start.resume === null ? undefined : await loadResume(start.resume, start.config, {}, warn);
    const config = resumed?.config ?? parseRunConfig(start.config);
    const logger = createLogger({ format: config.logFormat, source: 'coordinator', write: io.stderr });
    if (start.restart && config.port !== 0 && !(await waitForPort(config.host, config.port, PORT_WAIT_MS))) {
      logger.warn('the port is still in use', {
        host: config.host,
        port: config.port,
        waitedS: PORT_WAIT_MS / 1000,
      });
    }
    const outcome = await coordinate({
      config,
      token,
      runDir: start.runDir,
      logger,
      ...(resumed === undefined ? {} : { resume: resumed }),
      ...(start.restart ? { continueAt: resumed?.from.step ?? 0 } : {}),
      announce: (url, lanes) => void send({ type: 'listening', url, lanes }),
      // The launcher's workers all run on this host: they may take a Unix socket (its parent is the launcher).
      transport: chooseTransport(
        {
          requested: config.transport,
          host: config.host,
          simulatedLinks: simulatedLinks(config) !== null,
          sharedMemory: hasSharedMemory(),
        },
        {
          socket: () => runSocketPath(process.ppid, resolve(start.runDir)),
          lanes: () => runLaneDirectory(process.ppid, resolve(start.runDir)),
        },
      ),
      attach: (c) => {
        coordinator = c;
        if (abort !== undefined) c.abort(abort);
        process.off('SIGINT', onEarlyInt);
        process.off('SIGTERM', onEarlyTerm);
        // coordinate() installs its handlers right after this call; the signal raised again reaches them.
        if (early !== null) process.kill(process.pid, early);
        c.on(
          'started',
          (info) =>
            void send({ type: 'started', totalSteps: info.totalSteps, stepsPerEpoch: info.stepsPerEpoch }),
        );
        c.on('lost', (lost) => void send({ type: 'lost', rank: lost.rank, pid: lost.pid }));
        c.on('rejoined', (back) => void send({ type: 'rejoined', rank: back.rank, pid: back.pid }));
        c.on('resized', (world) => void send({ type: 'resized', totalSteps: world.totalSteps }));
        c.on(
          'step',
          (r) =>
            void send({
              type: 'step',
              step: r.step,
              epoch: r.epoch,
              lr: r.lr,
              loss: r.loss,
              samples: r.samples,
            }),
        );
      },
      ...(simulatedLinks(config) === null
        ? {}
        : {
            links: () =>
              new Promise<readonly SimulatedLink[] | null>((resolve) => {
                const timer = setTimeout(() => resolve(null), LINKS_WAIT_MS);
                links = (value) => {
                  clearTimeout(timer);
                  resolve(value);
                };
                void send({ type: 'links?' });
              }),
          }),
    });
    const { result, summary } = outcome;
    return await finish(
      {
        type: 'ended',
        outcome: result.outcome,
        failure: result.failure,
        exitCode: outcome.exitCode,
        directory: outcome.directory,
        summary: {
          steps: summary.steps,
          evalAccuracy: summary.evalAccuracy,
          samplesPerSec: summary.samplesPerSec,
          consistent: summary.consistency.consistent,
          replicasIdentical: summary.replicasIdentical,
        },
      },
      outcome.exitCode,
    );
  } catch (error) {
    const exitCode = errorExitCode(error);
    return finish(
      {
        type: 'unstarted',
        message: errorLine(error),
        code: error instanceof DptrainError ? error.code : null,
        exitCode,
        summaryWritten: existsSync(join(start.runDir, 'summary.json')),
      },
      exitCode,
    );
  } finally {
    process.off('SIGINT', onEarlyInt);
    process.off('SIGTERM', onEarlyTerm);
  }
}

/** The `error:` line's text for `error`, as the command line reports a command's failure. */
function errorLine(error: unknown): string {
  const line = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
  return error instanceof DptrainError || errorExitCode(error) === EXIT_CODES.refused
    ? line
    : `internal: ${line}`;
}

/** Reads a YAML/JSON run config file. */
export async function readConfigFile(path: string): Promise<unknown> {
  const text = await readConfigText(path);
  return inConfigFile(path, () => parseConfigText(text, ''));
}

/** What `coordinate` needs: the run, its secret, where to record it, and hooks for the launcher. */
export interface CoordinateOptions {
  readonly config: RunConfig;
  readonly token: string;
  readonly runDir: string;
  readonly logger: Logger;
  /** told `ws://HOST:PORT` once workers can connect, with the tensor-lane directory they offer (or null) */
  readonly announce: (url: string, lanes: string | null) => void;
  /** sees the coordinator before it runs (the launcher follows its events) */
  readonly attach?: (coordinator: Coordinator) => void;
  /** a checkpoint to continue from (`--resume`) */
  readonly resume?: Resumed;
  /**
   * The launcher's choice of how its workers connect: with a Unix socket the coordinator listens on it as well
   * as on TCP and announces it. Absent: TCP only (a coordinator on its own, whose workers may be anywhere).
   */
  readonly transport?: TransportChoice;
  /** the simulated links as the run ends (the launcher's relays and their byte counts); none: no relays */
  readonly links?: () => Promise<readonly SimulatedLink[] | null> | readonly SimulatedLink[] | null;
  /**
   * Whether to say, or under `strict` refuse, how the schedule does not fit the run once it is resolved; absent:
   * neither (the launcher already did, before it started this coordinator).
   */
  readonly scheduleFit?: { readonly strict: boolean; readonly warn: (line: string) => void };
  /**
   * A restart in the same run directory from the checkpoint of this step: metrics.jsonl keeps the steps before it
   * and loses the rest, so no step is recorded twice.
   */
  readonly continueAt?: number;
}

/** What `coordinate` resolves with: the result, what summary.json says, where it is, and the exit code. */
export interface Coordinated {
  readonly result: RunResult;
  readonly summary: RunSummary;
  readonly directory: string;
  readonly exitCode: number;
}

/**
 * Runs a coordinator for `config` and records the run in `runDir`. SIGINT/SIGTERM end the run after the round in
 * progress, writing what it has. Resolves for every run that started, however it ended; a run that could not
 * start (no rendezvous, a refused plan) still gets a summary.json, and the error is rethrown.
 */
export async function coordinate(options: CoordinateOptions): Promise<Coordinated> {
  const { config, token, runDir, logger } = options;
  const started = performance.now();
  const directory = await RunDirectory.create(
    runDir,
    options.continueAt === undefined ? {} : { continueAt: options.continueAt },
  );
  const task = Object.hasOwn(BUILTIN_TASKS, config.task) ? config.task : resolve(config.task);
  let lrMarker: LrMarker | undefined;
  let configWritten: Promise<void> = Promise.resolve();
  let lrVariables: Readonly<Record<string, number>> | null = null;
  // An async checkpoint names the arrival log it continues and is written once the log holds its entries.
  const arrivalsPath = config.mode === 'async' ? resolve(directory.path, ARRIVALS_FILE) : null;
  const checkpoints = checkpointWriter(
    config,
    directory.path,
    logger,
    () => ({ lrVariables, ...(arrivalsPath === null ? {} : { arrivals: arrivalsPath }) }),
    () => directory.arrivalsFlushed(),
  );
  const resume = options.resume;
  if (resume !== undefined) logger.info('resuming', { from: resume.from.path, step: resume.from.step });
  const transport = options.transport ?? {
    kind: 'tcp' as const,
    reason: 'a coordinator on its own: its workers connect over TCP',
    socketPath: null,
    laneDirectory: null,
  };
  const recordedTransport = { kind: transport.kind, reason: transport.reason };
  const coordinator = new Coordinator({
    workers: config.workers,
    token,
    host: config.host,
    port: config.port,
    ...(transport.socketPath === null ? {} : { socketPath: transport.socketPath }),
    ...(transport.laneDirectory === null ? {} : { lanes: transport.laneDirectory }),
    mode: config.mode,
    ...(config.mode === 'async' ? { async: policyFromConfig(config.async) } : {}),
    simulate: config.simulate,
    checkpoint: { everySteps: config.checkpoint.every_steps, save: checkpoints.save },
    ...(resume === undefined ? {} : { resume: resume.state }),
    training: {
      task,
      seed: config.seed,
      batchSize: config.batchSize,
      accumulateSteps: config.accumulateSteps,
      optimizer: config.optimizer,
      dataLimit: config.dataLimit,
      evalLimit: config.evalLimit,
    },
    plan: (datasetSize) => {
      const resolved = resolveRun(config, datasetSize);
      if (options.scheduleFit !== undefined) reportScheduleFit(resolved, options.scheduleFit);
      // A resumed run keeps the first launch's `lr` variables: its expressions are not evaluated again, and a
      // dialect's schedule is translated for the first launch's steps per epoch and epochs.
      const variables = resume?.lrVariables ?? resolved.lrVariables;
      lrVariables = variables;
      const lr = runSchedule(config, variables);
      configWritten = directory.writeConfig(runConfigToYaml(config, { ...resolved, lr }));
      const scheduler = createScheduler(lr, { path: 'lr', variables });
      const end = warmupEnd(scheduler);
      const perCall = config.lrGranularity === 'step' ? 1 : resolved.stepsPerEpoch;
      lrMarker = end === null ? undefined : { step: end.calls * perCall, label: end.label };
      return {
        datasetSize: resolved.datasetSize,
        stepsPerEpoch: resolved.stepsPerEpoch,
        totalSteps: resolved.totalSteps,
        granularity: config.lrGranularity,
        scheduler,
        // a second instance, never stepped by the run: async mode checks every applied LR against it
        referenceScheduler: createScheduler(lr, { path: 'lr', variables }),
        // early stopping compares the LR at its stop with the plan of yet another fresh one
        plannedScheduler: () => createScheduler(lr, { path: 'lr', variables }),
        evalEverySteps: resolved.evalEverySteps,
        epochs: config.epochs,
        lrWorldScaling: {
          mode: config.lrWorldScaling,
          referenceWorkers: config.lrReferenceWorkers ?? config.workers,
        },
      };
    },
    onNonfinite: config.onNonfinite,
    failure: {
      policy: config.onWorkerFailure,
      maxRestarts: config.workerMaxRestarts,
      minWorkers: config.minWorkers,
    },
    evaluate: true,
    earlyStopping:
      config.earlyStopping.metric === null
        ? null
        : {
            metric: config.earlyStopping.metric,
            patience: config.earlyStopping.patience,
            minDelta: config.earlyStopping.min_delta,
          },
    timeouts: {
      joinMs: config.joinTimeout * 1000,
      authMs: config.authTimeout * 1000,
      heartbeatIntervalMs: config.heartbeatInterval * 1000,
      heartbeatTimeoutMs: config.heartbeatTimeout * 1000,
      roundMs: config.roundTimeout * 1000,
    },
    log: transportLog(logger),
  });
  coordinator.on('step', (record) => directory.step(record));
  coordinator.on('evaluated', (record) => directory.evaluation(record));
  if (config.mode === 'async') {
    coordinator.on('started', (info) => {
      const header = arrivalHeader(config, task, info.members, info.initialDigest);
      directory.startArrivals(header, resume?.arrivals ?? undefined).catch((error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        coordinator.abort(new TrainingError('ERR_TRAINING_STATE', message, { cause: error }));
      });
    });
    coordinator.on('arrival', (arrival) => directory.arrival(arrival));
  }
  options.attach?.(coordinator);
  let signal: 'SIGINT' | 'SIGTERM' | null = null;
  const stop = (name: 'SIGINT' | 'SIGTERM') => {
    signal ??= name;
    coordinator.requestStop(`interrupted by ${name}`);
  };
  const onInt = () => stop('SIGINT');
  const onTerm = () => stop('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  const wallSeconds = () => (performance.now() - started) / 1000;
  const simulatedConditions = async (): Promise<SimulatedConditions | null> => {
    const { slow, jitter } = config.simulate;
    const links = (await options.links?.()) ?? null;
    return Object.keys(slow).length === 0 && jitter === 0 && links === null ? null : { slow, jitter, links };
  };
  try {
    let result: RunResult;
    try {
      // Inside: a coordinator that cannot listen is a run that could not start, and its summary says why.
      const port = await coordinator.listen();
      if (transport.laneDirectory !== null) makeLaneDirectory(transport.laneDirectory);
      logger.info('transport', {
        ...recordedTransport,
        ...(transport.laneDirectory === null ? {} : { lanes: transport.laneDirectory }),
      });
      options.announce(
        transport.socketPath === null ? `ws://${config.host}:${port}` : unixUrl(transport.socketPath),
        transport.laneDirectory,
      );
      result = await coordinator.run();
    } catch (thrown) {
      // Ctrl-C while workers were still joining: the run was stopped, not failed (exit 130/143).
      const stoppedBy =
        signal !== null && thrown instanceof TrainingError && thrown.code === 'ERR_TRAINING_STOPPED'
          ? signal
          : null;
      const error =
        stoppedBy === null
          ? thrown
          : new TrainingError('ERR_TRAINING_STOPPED', (thrown as Error).message, {
              cause: thrown,
              signal: stoppedBy,
            });
      await configWritten;
      await checkpoints.settled();
      await directory.failedBeforeStart({
        mode: config.mode,
        workers: config.workers,
        failure: failureOf(error),
        wallSeconds: wallSeconds(),
        exitCode: errorExitCode(error),
        simulated: await simulatedConditions(),
        transport: recordedTransport,
        stopped: stoppedBy === null ? null : (error as Error).message,
      });
      throw error;
    }
    const exitCode = runExitCode({
      failed: result.outcome === 'failed',
      inconsistent: !result.consistency.consistent,
      signal: result.outcome === 'stopped' ? signal : null,
    });
    await configWritten;
    const checkpoint = await checkpoints.settled();
    const summary = await directory.finish(result, {
      wallSeconds: wallSeconds(),
      exitCode,
      simulated: await simulatedConditions(),
      transport: recordedTransport,
      checkpoint,
      ...(lrMarker === undefined ? {} : { lrMarker }),
    });
    const fields = {
      outcome: summary.outcome,
      steps: summary.steps,
      finalLoss: summary.finalLoss,
      evalAccuracy: summary.evalAccuracy,
      consistent: summary.consistency.consistent,
      replicasIdentical: summary.replicasIdentical,
    };
    if (result.outcome === 'finished' && summary.consistency.consistent) logger.info('run finished', fields);
    else if (result.outcome === 'stopped' && result.earlyStopping !== null)
      logger.info('run stopped early', { ...fields, reason: result.stopped });
    else if (result.outcome === 'stopped')
      logger.warn('run stopped early', { ...fields, reason: result.stopped });
    else if (result.outcome === 'failed')
      logger.error('run failed', { ...fields, code: result.failure?.code });
    else logger.error('run finished inconsistent', { ...fields, ...summary.consistency });
    return { result, summary, directory: directory.path, exitCode };
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
    if (transport.laneDirectory !== null) removeLaneDirectory(transport.laneDirectory);
  }
}

/**
 * The arrival log's header: what the bits of a gradient depend on (the workers' backend build, one label such
 * as `wasm (simd, 1 thread)`), and what identifies the run's start.
 */
function arrivalHeader(
  config: RunConfig,
  task: string,
  members: readonly Member[],
  initialDigest: string,
): ArrivalHeader {
  const builds = [...new Set(members.map((m) => m.backend))];
  const label = builds.join(' + ');
  const threads = /(\d+) threads?\)/.exec(label);
  const threadCount = builds.length === 1 && threads !== null ? Number(threads[1]) : null;
  return {
    format: ARRIVAL_LOG_FORMAT,
    version: ARRIVAL_LOG_VERSION,
    backend: label,
    build: {
      simd: label.startsWith('wasm') ? !label.includes('no simd') : null,
      threads: threadCount === null ? null : threadCount > 1,
    },
    threadCount,
    workers: config.workers,
    task,
    seed: config.seed,
    paramsDigest0: initialDigest,
  };
}

/**
 * Says each schedule warning of a resolved run (`<key>: <message>`), or under `strict` refuses the run over them
 * (ConfigError ERR_CONFIG_SCHEDULE_MISFIT: exit 2, nothing trained).
 *
 * @example
 * reportScheduleFit(resolveRun(config, 60000), { strict: false, warn: (line) => console.error(line) });
 */
export function reportScheduleFit(
  resolved: ResolvedRun,
  fit: { readonly strict: boolean; readonly warn: (line: string) => void },
): void {
  if (fit.strict) refuseScheduleMisfits(resolved.scheduleWarnings, { strict: true });
  for (const misfit of resolved.scheduleWarnings) fit.warn(`${misfit.key}: ${misfit.message}`);
}

/**
 * Says the one line of a PaddleOCR or PaddleDetection run config file: what dptrain read of it, what it ignored.
 *
 * @example
 * sayDialectFile(file, overrides, warningsAs(config, 'launcher', io)); // warning: PaddleOCR file: read Optimizer …
 */
export function sayDialectFile(
  file: unknown,
  overrides: Readonly<Record<string, unknown>>,
  warn: (line: string) => void,
): void {
  const note = dialectFileNote(file, overrides);
  if (note !== null) warn(note);
}

/**
 * How a command says a warning line: `warning: …` on stderr, or a `warn` log record with `--log-format json`, where
 * every stderr line is JSON.
 *
 * @example
 * warningsAs(config, 'launcher', io)('lr.warmup_steps: 5000 steps of warmup but the run has 469 steps');
 */
export function warningsAs(
  config: Pick<RunConfig, 'logFormat'>,
  source: 'launcher' | 'coordinator',
  io: CommandIo,
): (line: string) => void {
  if (config.logFormat !== 'json') return (line) => io.stderr(`warning: ${line}`);
  const logger = createLogger({ format: 'json', source, write: io.stderr });
  return (line) => logger.warn(line);
}

/** The failure a run that could not start records. */
function failureOf(error: unknown): RunFailure {
  if (error instanceof DptrainError) {
    return {
      code: error.code,
      message: error.message,
      rank: error instanceof TrainingError ? error.rank : null,
      step: null,
    };
  }
  return { code: 'ERR_TRAINING_INTERNAL', message: String(error), rank: null, step: null };
}

/**
 * Splits a flag that takes no value (`--strict-schedule`) out of argv; refuses it with a value.
 *
 * @example
 * takeSwitch(['--strict-schedule', '--steps', '5'], 'strict-schedule'); // { on: true, rest: ['--steps', '5'] }
 */
export function takeSwitch(argv: readonly string[], name: string): { on: boolean; rest: string[] } {
  const flag = `--${name}`;
  const given = argv.find((token) => token.startsWith(`${flag}=`));
  if (given !== undefined)
    throw new UsageError(`${flag} takes no value, received "${given}"; give ${flag} alone`);
  return { on: argv.includes(flag), rest: argv.filter((token) => token !== flag) };
}

/** Splits `--name value` / `--name=value` for the given names out of argv. */
export function takeFlags<const N extends string>(
  argv: readonly string[],
  names: readonly N[],
): { own: Partial<Record<N, string>>; rest: string[] } {
  const own: Partial<Record<N, string>> = {};
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    const name = names.find((n) => token === `--${n}` || token.startsWith(`--${n}=`));
    if (name === undefined) {
      rest.push(token);
      continue;
    }
    const value = token.includes('=') ? token.slice(token.indexOf('=') + 1) : argv[++i];
    if (value === undefined || value === '') throw new UsageError(`--${name} needs a value`);
    own[name] = value;
  }
  return { own, rest };
}

/**
 * Writes the run's checkpoints one after another (each atomically, the newest `keep` kept) into `checkpoint.dir`
 * or `<run dir>/checkpoints`, logging each; a write that fails is logged and the run goes on (the previous
 * checkpoint stays valid). `settled()` waits for the writes and gives the newest checkpoint written.
 */
function checkpointWriter(
  config: RunConfig,
  runDir: string,
  logger: Logger,
  metadata: () => Readonly<Record<string, unknown>>,
  /** what a checkpoint waits for before it is written (the arrival log's entries up to it reaching the disk) */
  before: () => Promise<void> = () => Promise.resolve(),
) {
  const dir = config.checkpoint.dir === null ? join(runDir, CHECKPOINTS_DIR) : resolve(config.checkpoint.dir);
  let writes: Promise<void> = Promise.resolve();
  let newest: { path: string; step: number } | null = null;
  const save = (state: SerializedRunState, why: 'every' | 'end') => {
    const step = state.json.step;
    const content = {
      config: runConfigAsFile(config),
      metadata: { mode: config.mode, why, writtenAt: new Date().toISOString(), ...metadata() },
      state,
    };
    writes = writes
      .then(before)
      .then(() => writeCheckpoint(dir, step, content, { keep: config.checkpoint.keep }))
      .then(
        (written) => {
          newest = { path: written.path, step };
          logger.info('checkpoint written', { step, path: written.path, bytes: written.bytes, why });
        },
        (error: unknown) => {
          logger.error('checkpoint not written', {
            step,
            error: error instanceof Error ? error.message : String(error),
          });
        },
      );
  };
  return {
    save,
    settled: async (): Promise<{ path: string; step: number } | null> => {
      await writes;
      return newest;
    },
  };
}
