import { resolve } from 'node:path';
import {
  parseOverrideFlags,
  parseRunConfig,
  type RunConfig,
  resolveRun,
  runConfigToYaml,
} from '../config/index.js';
import { Coordinator, type RunResult } from '../coordinator/index.js';
import { UsageError } from '../errors.js';
import { createLogger, type Logger, transportLog } from '../log/index.js';
import { createScheduler, parseConfigText, warmupEnd } from '../lr/index.js';
import { type LrMarker, RunDirectory, type RunSummary, runDirectoryName } from '../run-directory/index.js';
import { BUILTIN_TASKS } from '../tasks/index.js';
import type { CommandIo } from './io.js';
import { readToken } from './token.js';

/** Flags of `dptrain coordinator` itself; every other `--key value` overrides the run config. */
const OWN_FLAGS = ['token-file', 'run-dir'] as const;

/** `dptrain coordinator [CONFIG] [--key value …] [--token-file F] [--run-dir DIR]`: the coordinator process. */
export async function coordinatorCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { own, rest } = takeFlags(argv, OWN_FLAGS);
  const { overrides, positionals } = parseOverrideFlags(rest);
  if (positionals.length > 1)
    throw new UsageError(`expected at most one config file, received ${positionals.join(' ')}`);
  const file = positionals[0] === undefined ? undefined : await readConfigFile(positionals[0]);
  const config = parseRunConfig(file, overrides);
  const token = await readToken(own['token-file']);
  const logger = createLogger({ format: config.logFormat, source: 'coordinator', write: io.stderr });
  const runDir = own['run-dir'] ?? runDirectoryName(config.out, config.mode, new Date());
  const { result, summary, directory } = await coordinate({
    config,
    token,
    runDir,
    logger,
    announce: (url) => io.stdout(`listening ${url}`),
  });
  io.stdout(`run directory: ${directory}`);
  if (result.stopped !== null) {
    logger.warn('run stopped early', { reason: result.stopped, steps: summary.steps });
    return 130;
  }
  return 0;
}

/** Reads a YAML/JSON run config file. */
export async function readConfigFile(path: string): Promise<unknown> {
  const { readFile } = await import('node:fs/promises');
  return parseConfigText(await readFile(path, 'utf8'), '');
}

/** What `coordinate` needs: the run, its secret, where to record it, and hooks for the launcher. */
export interface CoordinateOptions {
  readonly config: RunConfig;
  readonly token: string;
  readonly runDir: string;
  readonly logger: Logger;
  /** told `ws://HOST:PORT` once workers can connect */
  readonly announce: (url: string) => void;
  /** sees the coordinator before it runs (the launcher follows its events) */
  readonly attach?: (coordinator: Coordinator) => void;
}

/**
 * Runs a coordinator for `config` and records the run in `runDir`. SIGINT/SIGTERM end the run after the round in
 * progress, writing what it has.
 */
export async function coordinate(
  options: CoordinateOptions,
): Promise<{ result: RunResult; summary: RunSummary; directory: string }> {
  const { config, token, runDir, logger } = options;
  const started = performance.now();
  const directory = await RunDirectory.create(runDir);
  const task = Object.hasOwn(BUILTIN_TASKS, config.task) ? config.task : resolve(config.task);
  let lrMarker: LrMarker | undefined;
  const coordinator = new Coordinator({
    workers: config.workers,
    token,
    host: config.host,
    port: config.port,
    training: {
      task,
      seed: config.seed,
      batchSize: config.batchSize,
      optimizer: config.optimizer,
      dataLimit: config.dataLimit,
      evalLimit: config.evalLimit,
    },
    plan: (datasetSize) => {
      const resolved = resolveRun(config, datasetSize);
      void directory.writeConfig(runConfigToYaml(config, resolved));
      const scheduler = createScheduler(config.lr, { path: 'lr', variables: resolved.lrVariables });
      const end = warmupEnd(scheduler);
      const perCall = config.lrGranularity === 'step' ? 1 : resolved.stepsPerEpoch;
      lrMarker = end === null ? undefined : { step: end.calls * perCall, label: end.label };
      return {
        stepsPerEpoch: resolved.stepsPerEpoch,
        totalSteps: resolved.totalSteps,
        granularity: config.lrGranularity,
        scheduler,
      };
    },
    onNonfinite: config.onNonfinite,
    evaluate: true,
    timeouts: {
      joinMs: config.joinTimeout * 1000,
      heartbeatIntervalMs: config.heartbeatInterval * 1000,
      heartbeatTimeoutMs: config.heartbeatTimeout * 1000,
    },
    log: transportLog(logger),
  });
  coordinator.on('step', (record) => directory.step(record));
  options.attach?.(coordinator);
  const stop = (signal: string) => coordinator.requestStop(`interrupted by ${signal}`);
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const port = await coordinator.listen();
    options.announce(`ws://${config.host}:${port}`);
    const result = await coordinator.run();
    const summary = await directory.finish(result, {
      mode: config.mode,
      wallSeconds: (performance.now() - started) / 1000,
      ...(lrMarker === undefined ? {} : { lrMarker }),
    });
    logger.info('run finished', {
      steps: summary.steps,
      finalLoss: summary.finalLoss,
      evalAccuracy: summary.evalAccuracy,
      consistent: summary.lrConsistency.consistent,
      replicasIdentical: summary.replicasIdentical,
    });
    return { result, summary, directory: directory.path };
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

/** Splits `--name value` / `--name=value` for the given names out of argv. */
function takeFlags<const N extends string>(
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
