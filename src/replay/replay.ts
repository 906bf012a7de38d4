import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type ArrivalEntry, readArrivalLog } from '../arrivals/index.js';
import { parseRunConfig, type RunConfig, resolveRun } from '../config/index.js';
import { ParameterServer, policyFromConfig, RunState } from '../coordinator/index.js';
import { ReplayError } from '../errors.js';
import { createScheduler, parseConfigText, ScheduleClock } from '../lr/index.js';
import { createOptimizer } from '../optim/index.js';
import { gradientDigest, parameterDigest, REFUSALS } from '../protocol/index.js';
import { stepsPerEpoch } from '../sharding/index.js';
import { BUILTIN_TASKS, loadTask, tensorSize } from '../tasks/index.js';
import { type BackendName, GradientComputer, RoundLoop, selectBackend } from '../worker/index.js';

/** The first entry a replay could not reproduce. */
export interface Divergence {
  /** the entry's index in arrivals.jsonl (0-based) */
  readonly i: number;
  readonly rank: number;
  readonly step: number;
  /** what differs: the gradient's digest, or the decision (applied, τ, LR) */
  readonly what: string;
  readonly logged: string;
  readonly replayed: string;
}

/** What a replay found. */
export interface ReplayResult {
  /** the digest of the replayed final parameters */
  readonly paramsDigest: string;
  /** the live run's, from summary.json */
  readonly expectedDigest: string;
  readonly matches: boolean;
  /** entries re-executed (all of them, unless one diverged) */
  readonly entries: number;
  readonly divergence: Divergence | null;
  /** the backend build this replay computed on (equal to the log's) */
  readonly backend: string;
}

/**
 * Re-executes an async run in this process from its run directory: the same model and batches, every logged
 * gradient recomputed on the parameters its worker had read (the parameters of global step `read`), checked
 * against the logged digest, and decided by the same parameter-server code in the logged order. The final
 * parameters' digest must equal the live run's `paramsDigest`. Refuses (ReplayError) a run directory that is
 * not an async run's, a log whose chain is broken, and a machine whose backend build differs from the log's.
 *
 * @example
 * const result = await replayRun('runs/20261202-101500-async'); result.matches; // true
 */
export async function replayRun(
  runDir: string,
  options: { backend?: BackendName } = {},
): Promise<ReplayResult> {
  const config = await readRunConfig(runDir);
  const summary = await readSummary(runDir);
  const log = await readArrivalLog(join(runDir, 'arrivals.jsonl'), summary.arrivals);
  const { tf, backend, build } = await selectBackend(options.backend ?? preferredBackend(log.header.backend));
  if (build !== log.header.backend) {
    throw new ReplayError(
      'ERR_REPLAY_BACKEND',
      `the run computed its gradients on ${log.header.backend}, but this machine's backend is ${build} (${backend}): ` +
        'gradient bits depend on the backend build, so a replay here could not be exact; replay on the machine setup the run had',
    );
  }
  const task = await loadTask(Object.hasOwn(BUILTIN_TASKS, config.task) ? config.task : resolve(config.task));
  const model = task.createModel({ seed: config.seed });
  const train = await task.loadData('train', {
    seed: config.seed,
    ...(config.dataLimit === null ? {} : { limit: config.dataLimit }),
  });
  const initial = model.initialParameters();
  if (parameterDigest(initial) !== log.header.paramsDigest0) {
    throw new ReplayError(
      'ERR_REPLAY_RUN',
      `the task's initial parameters (${parameterDigest(initial)}) are not the run's (${log.header.paramsDigest0}): the task or its seed changed since the run`,
    );
  }
  const workers = log.header.workers;
  const resolved = resolveRun(config, train.size);
  const perRank = stepsPerEpoch(resolved.datasetSize, workers, config.batchSize);
  const sizes = model.parameters.map((p) => tensorSize(p.shape));
  const scheduler = createScheduler(resolved.lr, { path: 'lr', variables: resolved.lrVariables });
  const clock = new ScheduleClock(scheduler, {
    granularity: config.lrGranularity,
    stepsPerEpoch: resolved.stepsPerEpoch,
  });
  const state = new RunState({
    params: Float32Array.from(initial),
    optimizer: createOptimizer(config.optimizer, { sizes }),
    clock,
    seed: config.seed,
    worldSize: workers,
  });
  const server = new ParameterServer(state, policyFromConfig(config.async));
  const computer = new GradientComputer(tf, model);
  const reads = Array.from({ length: workers }, () => new Float32Array(initial.length));
  const loops = reads.map(
    (params, rank) =>
      new RoundLoop({
        rank,
        worldSize: workers,
        seed: config.seed,
        batchSize: config.batchSize,
        train,
        stepsPerEpoch: perRank,
        params,
        computer,
      }),
  );
  const snapshots = new StepSnapshots(log.entries);
  snapshots.reached(0, state.params);
  let divergence: Divergence | null = null;
  let replayed = 0;
  for (const entry of log.entries) {
    const read = snapshots.take(entry);
    // The batch is of its shard: the pushing rank's own, or a lost rank's it took over (shrink).
    const shard = entry.shard ?? entry.rank;
    reads[shard]!.set(read);
    const round = entry.epoch * perRank + entry.position;
    const { loss, grad, samples } = loops[shard]!.gradient(round);
    const digest = gradientDigest(grad, loss);
    if (digest !== entry.grad) {
      divergence = {
        i: entry.i,
        rank: entry.rank,
        step: entry.step,
        what: 'gradient digest',
        logged: entry.grad,
        replayed: digest,
      };
      break;
    }
    replayed += 1;
    if (entry.code === REFUSALS.runOver) continue;
    const decision = server.decide(
      { rank: entry.rank, shard, read: entry.read, loss, samples, grad },
      server.needsReadParams ? reads[shard]! : null,
    );
    const logged = describe(entry);
    const again = describe(decision);
    if (logged !== again) {
      divergence = {
        i: entry.i,
        rank: entry.rank,
        step: entry.step,
        what: 'decision',
        logged,
        replayed: again,
      };
      break;
    }
    if (decision.applied) snapshots.reached(state.step, state.params);
  }
  const paramsDigest = parameterDigest(state.params);
  return {
    paramsDigest,
    expectedDigest: summary.paramsDigest,
    matches: divergence === null && paramsDigest === summary.paramsDigest,
    entries: replayed,
    divergence,
    backend: build,
  };
}

/** A decision as one comparable line. */
function describe(d: {
  step: number;
  applied: boolean;
  code: string | null;
  tau: number;
  scale: number;
  lr: number;
}): string {
  return `step ${d.step}, ${d.applied ? 'applied' : `dropped (${d.code})`}, τ ${d.tau}, scale ${d.scale}, lr ${d.lr}`;
}

/**
 * The parameters of the global steps later entries were computed on: kept from the moment the replay reaches
 * that step until its last reader is replayed (about one per worker at a time).
 */
class StepSnapshots {
  private readonly readers = new Map<number, number>();
  private readonly kept = new Map<number, Float32Array>();

  constructor(entries: readonly ArrivalEntry[]) {
    for (const entry of entries) this.readers.set(entry.read, (this.readers.get(entry.read) ?? 0) + 1);
  }

  reached(step: number, params: Float32Array): void {
    if ((this.readers.get(step) ?? 0) > 0) this.kept.set(step, Float32Array.from(params));
  }

  take(entry: ArrivalEntry): Float32Array {
    const params = this.kept.get(entry.read);
    if (params === undefined) {
      throw new ReplayError(
        'ERR_REPLAY_RUN',
        `entry ${entry.i} (rank ${entry.rank}) was computed on the parameters of step ${entry.read}, which the logged order never reaches before it`,
        { entry: entry.i },
      );
    }
    const left = this.readers.get(entry.read)! - 1;
    this.readers.set(entry.read, left);
    if (left === 0) this.kept.delete(entry.read);
    return params;
  }
}

/** The backend the log names, as the preference to select ('wasm (simd, 1 thread)' → wasm). */
function preferredBackend(label: string): BackendName | undefined {
  const name = label.split(' ')[0];
  return name === 'wasm' || name === 'cpu' || name === 'tensorflow' ? name : undefined;
}

async function readRunConfig(runDir: string): Promise<RunConfig> {
  const path = join(runDir, 'config.yaml');
  const text = await readFile(path, 'utf8').catch((error: unknown) => {
    throw new ReplayError(
      'ERR_REPLAY_RUN',
      `${path} cannot be read: ${String(error)}; is ${runDir} a run directory?`,
      { cause: error },
    );
  });
  const config = parseRunConfig(parseConfigText(text, ''));
  if (config.mode !== 'async') {
    throw new ReplayError(
      'ERR_REPLAY_RUN',
      `${runDir} is a ${config.mode} run: only async runs have an arrival log to replay`,
    );
  }
  return config;
}

async function readSummary(runDir: string): Promise<{ paramsDigest: string; arrivals: number }> {
  const path = join(runDir, 'summary.json');
  let summary: { paramsDigest?: unknown; arrivals?: unknown };
  try {
    summary = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new ReplayError('ERR_REPLAY_RUN', `${path} cannot be read: ${String(error)}`, { cause: error });
  }
  if (typeof summary.paramsDigest !== 'string' || typeof summary.arrivals !== 'number') {
    throw new ReplayError(
      'ERR_REPLAY_RUN',
      `${path} has no paramsDigest or arrivals count: the run did not finish writing it`,
    );
  }
  return { paramsDigest: summary.paramsDigest, arrivals: summary.arrivals };
}
