import { parseRunConfig, resolveRun } from '../config/index.js';
import { BenchError } from '../errors.js';
import { createScheduler, ScheduleClock } from '../lr/index.js';
import { createOptimizer } from '../optim/index.js';
import { parameterDigest } from '../protocol/index.js';
import { loadTask, tensorSize } from '../tasks/index.js';
import { GradientComputer, RoundLoop, selectBackend } from '../worker/index.js';
import type { Throughput } from './train-metrics.js';

/** What one ceiling run measured, and what it trained to. */
export interface TrainCeiling extends Throughput {
  /** `parameterDigest` of the parameters after every step: a 1-worker launch of as many steps ends at the same */
  readonly paramsDigest: string;
  /** the TensorFlow.js build it computed on, as a run's summary.json names it */
  readonly backend: string;
}

/** Options of {@link measureTrainCeiling}. */
export interface TrainCeilingOptions {
  /** steps trained, warm-up included */
  readonly steps: number;
  /** first steps left out of the timing */
  readonly warmup: number;
}

/**
 * The ceiling of `dptrain bench train`: one process training the default run (`npm start`'s config, 1 worker,
 * `steps` steps) alone, with no coordinator and no sockets: the worker's own GradientComputer and RoundLoop
 * (the same batches), the run's optimizer and the run's schedule, applied as the worker applies the coordinator's
 * update. With one rank the coordinator's mean is the gradient itself and `lr_world_scaling` is `none` by
 * default, so the parameters end bit for bit where a 1-worker `dptrain launch` of as many steps ends; what is
 * left out of that run's round is exactly the transport, the coordinator and the digests.
 *
 * @example
 * const ceiling = await measureTrainCeiling({ steps: 200, warmup: 20 }); ceiling.samplesPerSec; // e.g. 9000
 */
export async function measureTrainCeiling(options: TrainCeilingOptions): Promise<TrainCeiling> {
  const { steps, warmup } = options;
  if (!Number.isInteger(steps) || !Number.isInteger(warmup) || warmup < 0 || steps <= warmup) {
    throw new BenchError(
      'ERR_BENCH_ARGUMENT',
      `the ceiling needs integer steps > warmup ≥ 0, received steps ${steps} and warmup ${warmup}`,
    );
  }
  const config = parseRunConfig({}, { workers: 1, steps });
  const { tf, build } = await selectBackend();
  const place = { rank: 0, worldSize: 1 };
  const task = await loadTask(config.task);
  const model = task.createModel({ seed: config.seed, ...place });
  const train = await task.loadData('train', {
    seed: config.seed,
    ...place,
    ...(config.dataLimit === null ? {} : { limit: config.dataLimit }),
  });
  const resolved = resolveRun(config, train.size);
  const clock = new ScheduleClock(
    createScheduler(resolved.lr, { path: 'lr', variables: resolved.lrVariables }),
    {
      granularity: config.lrGranularity,
      stepsPerEpoch: resolved.stepsPerEpoch,
    },
  );
  const sizes = model.parameters.map((p) => tensorSize(p.shape));
  const optimizer = createOptimizer(config.optimizer, { sizes });
  const params = model.initialParameters();
  const loop = new RoundLoop({
    ...place,
    seed: config.seed,
    batchSize: config.batchSize * config.accumulateSteps,
    microBatchSize: config.batchSize,
    train,
    stepsPerEpoch: resolved.batchesPerRankEpoch,
    params,
    computer: new GradientComputer(tf, model),
  });
  let start = performance.now();
  let samples = 0;
  for (let step = 0; step < steps; step++) {
    if (step === warmup) start = performance.now();
    const { loss, grad, samples: n } = loop.gradient(step);
    optimizer.step(params, grad, clock.lr);
    clock.completeStep(loss, (step + 1) % resolved.stepsPerEpoch === 0);
    if (step >= warmup) samples += n;
  }
  const ms = performance.now() - start;
  return {
    steps: steps - warmup,
    samples,
    ms,
    samplesPerSec: (samples * 1000) / ms,
    paramsDigest: parameterDigest(params),
    backend: build,
  };
}
