import { createHash } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type ArrivalHeader, type ArrivalLog, ArrivalLogWriter } from '../arrivals/index.js';
import type {
  Arrival,
  AsyncReport,
  ConsistencyReport,
  EarlyStopReport,
  EvalRecord,
  LostWorkerRecord,
  RunFailure,
  RunOutcome,
  RunResult,
  StepRecord,
} from '../coordinator/index.js';
import { renderSvg, svgToPng } from '../plot/index.js';
import { type LrMarker, lrPicture } from './pictures.js';

/** `<out>/<YYYYmmdd-HHMMSS>-<mode>`: the run directory's name for a run started at `when`. */
export function runDirectoryName(out: string, mode: string, when: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const stamp =
    `${when.getFullYear()}${pad(when.getMonth() + 1)}${pad(when.getDate())}-` +
    `${pad(when.getHours())}${pad(when.getMinutes())}${pad(when.getSeconds())}`;
  return join(out, `${stamp}-${mode}`);
}

/** What summary.json holds. */
export interface RunSummary {
  readonly mode: string;
  /** finished, stopped (a signal, a stop request) or failed; `failure` says why a run failed */
  readonly outcome: RunOutcome;
  readonly failure: RunFailure | null;
  readonly stopped: string | null;
  /** the exit code the command ended with */
  readonly exitCode: number;
  readonly workers: number;
  /** global steps completed */
  readonly steps: number;
  readonly totalSteps: number | null;
  readonly epochs: number;
  readonly skippedSteps: number;
  /** examples in all completed steps */
  readonly samples: number;
  readonly backend: string;
  readonly finalLoss: number | null;
  readonly evalAccuracy: number | null;
  readonly evalLoss: number | null;
  readonly evalExamples: number | null;
  readonly samplesPerSec: number;
  readonly wallSeconds: number;
  readonly trainSeconds: number;
  /** SHA-256 of params.f32 (null when the run failed before it had parameters) */
  readonly paramsDigest: string | null;
  readonly consistency: Omit<ConsistencyReport, 'replicasIdentical'>;
  /** null in async mode, where workers hold different parameters by design */
  readonly replicasIdentical: boolean | null;
  /**
   * The schedule's check: every LR the run used equals a fresh scheduler's at that global step (times the
   * staleness policy's scale in async mode), and every LR a worker applied or reported equals the coordinator's.
   */
  readonly lrConsistency: {
    readonly consistent: boolean;
    readonly checked: number;
    readonly mismatches: number;
  };
  /** async mode: the policy in force (null in sync mode) */
  readonly policy: AsyncReport['policy'] | null;
  /** async mode: τ of the applied updates, drops and late gradients */
  readonly staleness: AsyncReport['staleness'] | null;
  readonly perWorker: AsyncReport['perWorker'] | null;
  /** async mode: bytes the coordinator keeps for the parameters each worker last read (N × P float32) */
  readonly readSnapshotBytes: number | null;
  /** async mode: gradients decided, the entries of arrivals.jsonl */
  readonly arrivals: number | null;
  /** The simulated conditions the run had (`simulate:`); null when it had none. */
  readonly simulated: SimulatedConditions | null;
  /** How the workers reached the coordinator (`unix` or `tcp`) and why; null when not recorded. */
  readonly transport: RunTransport | null;
  /** The newest checkpoint the run wrote (its file and global step); null when it wrote none. */
  readonly checkpoint: { readonly path: string; readonly step: number } | null;
  /** Workers lost while the run went on (`on_worker_failure: restart | shrink`); empty when none was. */
  readonly lostWorkers: readonly LostWorkerRecord[];
  /** async mode: gradients dropped because their worker was lost while computing or sending them */
  readonly lostInFlight: number | null;
  /** Set when early stopping ended the run: the best evaluation, the stop, and the LR left undecayed. */
  readonly earlyStopping: EarlyStopReport | null;
}

/** The transport of a run's workers, as summary.json says it. */
export interface RunTransport {
  /** `shm`: control over TCP loopback, a sync run's gradients and updates through tensor lanes in /dev/shm */
  readonly kind: 'unix' | 'tcp' | 'shm';
  readonly reason: string;
}

/** What `simulate:` made of the run: slow workers and, through relays, slow links. */
export interface SimulatedConditions {
  /** rank → compute-time factor */
  readonly slow: Readonly<Record<string, number>>;
  /** the seeded compute jitter fraction */
  readonly jitter: number;
  /** one per worker when links were simulated, by rank; null when they were not */
  readonly links: readonly SimulatedLink[] | null;
}

/** One worker's relay: the link it modelled and the bytes it forwarded each way. */
export interface SimulatedLink {
  readonly rank: number;
  readonly latencyMs: number;
  readonly jitterMs: number;
  readonly bandwidthMbps: number | null;
  readonly bytesToCoordinator: number;
  readonly bytesToWorker: number;
}

/** The arrival log of an async run, in its run directory. */
export const ARRIVALS_FILE = 'arrivals.jsonl';

/** One line per global step, as the run goes (and one per evaluation during training, `"type": "eval"`). */
export const METRICS_FILE = 'metrics.jsonl';

/** Steps averaged by the loss picture's moving average. */
const LOSS_WINDOW = 50;

/**
 * Writes a run's files as it goes: `metrics.jsonl` (one line per global step), then at the end
 * `summary.json`, `consistency.json` (every mismatch and the LR each rank applied at each step),
 * `params.f32` (the coordinator's final parameters, little-endian float32 in the task's parameter order),
 * `trace.json` (Chrome trace events) and pictures of the loss and the LR (`loss.svg/png`, `lr.svg/png`).
 *
 * @example
 * const dir = await RunDirectory.create('runs/20261125-134500-sync'); coordinator.on('step', (r) => dir.step(r));
 */
export class RunDirectory {
  private readonly steps: number[] = [];
  private readonly losses: number[] = [];
  private readonly lrs: number[] = [];
  /** evaluations during training, for the loss picture */
  private readonly evals: { step: number; loss: number }[] = [];
  private arrivals: ArrivalLogWriter | undefined;
  /** arrivals decided while the log file was being opened */
  private readonly earlyArrivals: Arrival[] = [];
  private arrivalsOpened: Promise<void> = Promise.resolve();

  private constructor(
    readonly path: string,
    private readonly metrics: WriteStream,
  ) {}

  /**
   * Opens the run directory at `path`. With `continueAt` (a restarted coordinator going on from the checkpoint of
   * that step), metrics.jsonl keeps the lines of the steps before it and loses the rest, so that no step is
   * recorded twice; a line cut short by the death of the process that wrote it goes too. The kept steps stay in
   * the pictures.
   */
  static async create(path: string, options: { continueAt?: number } = {}): Promise<RunDirectory> {
    await mkdir(path, { recursive: true });
    const file = join(path, METRICS_FILE);
    if (options.continueAt === undefined) return new RunDirectory(path, createWriteStream(file));
    const kept = keptMetrics(await readFile(file, 'utf8').catch(() => ''), options.continueAt);
    await writeFile(file, kept.map((line) => `${line.text}\n`).join(''));
    const directory = new RunDirectory(path, createWriteStream(file, { flags: 'a' }));
    for (const { record } of kept) {
      if (isEvalLine(record)) directory.evals.push({ step: record.step, loss: record.evalLoss });
      else directory.remember(record);
    }
    return directory;
  }

  async writeConfig(yaml: string): Promise<void> {
    await writeFile(join(this.path, 'config.yaml'), yaml);
  }

  /**
   * Async mode: opens `arrivals.jsonl` (what a replay reads) with what determinism depends on; a resumed run's
   * starts as the log it `continues` (read up to its checkpoint). Gradients decided before the file is open are
   * kept and written first, so none is lost.
   */
  startArrivals(header: ArrivalHeader, continues?: ArrivalLog): Promise<void> {
    const path = join(this.path, ARRIVALS_FILE);
    this.arrivalsOpened = ArrivalLogWriter.create(path, header, continues).then((writer) => {
      for (const arrival of this.earlyArrivals.splice(0)) writer.append(arrival);
      this.arrivals = writer;
    });
    return this.arrivalsOpened;
  }

  /** Async mode: resolves once every decision so far is on disk in arrivals.jsonl (a checkpoint waits for it). */
  async arrivalsFlushed(): Promise<void> {
    await this.arrivalsOpened;
    await this.arrivals?.flushed();
  }

  /** Async mode: appends one decided gradient to arrivals.jsonl (buffered, in order of decision). */
  arrival(arrival: Arrival): void {
    if (this.arrivals === undefined) this.earlyArrivals.push(arrival);
    else this.arrivals.append(arrival);
  }

  /** Appends one step to metrics.jsonl. */
  step(record: StepRecord): void {
    this.metrics.write(`${JSON.stringify(roundNumbers(record))}\n`);
    this.remember(record);
  }

  /**
   * Appends one evaluation to metrics.jsonl as a line of its own, `{"type":"eval", step, epoch, evalLoss, …}`: step
   * lines have no `type`, so readers of steps skip lines that have one.
   */
  evaluation(record: EvalRecord): void {
    this.metrics.write(`${JSON.stringify({ type: EVAL_LINE, ...record })}\n`);
    this.evals.push({ step: record.step, loss: record.evalLoss });
  }

  /** Keeps what the pictures draw of one step. */
  private remember(record: Pick<StepRecord, 'step' | 'loss' | 'lr' | 'scheduleLr'>): void {
    this.steps.push(record.step);
    this.losses.push(record.loss);
    // The schedule's LR: in async mode an update may use a scaled one (metrics.jsonl has both).
    this.lrs.push(record.scheduleLr ?? record.lr);
  }

  /** Writes the end-of-run files; returns the summary. */
  async finish(
    result: RunResult,
    run: {
      wallSeconds: number;
      exitCode: number;
      lrMarker?: LrMarker;
      simulated?: SimulatedConditions | null;
      transport?: RunTransport | null;
      checkpoint?: { path: string; step: number } | null;
    },
  ): Promise<RunSummary> {
    await this.endMetrics();
    const backends = [...new Set(result.members.map((m) => m.backend))];
    const { replicasIdentical, ...consistency } = result.consistency;
    const summary: RunSummary = {
      mode: result.mode,
      outcome: result.outcome,
      failure: result.failure,
      stopped: result.stopped,
      exitCode: run.exitCode,
      workers: result.members.length,
      steps: result.completedSteps,
      totalSteps: result.totalSteps,
      epochs: Math.round((result.completedSteps / result.stepsPerEpoch) * 1000) / 1000,
      skippedSteps: result.skippedSteps,
      samples: result.samples,
      backend: backends.join(','),
      finalLoss: result.finalLoss,
      evalAccuracy: result.evaluation?.accuracy ?? null,
      evalLoss: result.evaluation?.loss ?? null,
      evalExamples: result.evaluation?.examples ?? null,
      samplesPerSec: result.trainSeconds > 0 ? Math.round(result.samples / result.trainSeconds) : 0,
      wallSeconds: Math.round(run.wallSeconds * 10) / 10,
      trainSeconds: Math.round(result.trainSeconds * 100) / 100,
      paramsDigest: result.paramsDigest,
      consistency,
      replicasIdentical,
      lrConsistency: lrConsistency(result),
      policy: result.async?.policy ?? null,
      staleness: result.async?.staleness ?? null,
      perWorker: result.async?.perWorker ?? null,
      readSnapshotBytes: result.async?.readSnapshotBytes ?? null,
      arrivals: result.async?.arrivals ?? null,
      simulated: run.simulated ?? null,
      transport: run.transport ?? null,
      checkpoint: run.checkpoint ?? null,
      lostWorkers: result.lostWorkers,
      lostInFlight: result.async?.lostInFlight ?? null,
      earlyStopping: result.earlyStopping,
    };
    const details = {
      ...result.consistency,
      mismatches: result.mismatches,
      missing: result.missing,
      scheduleLrs: result.lrs,
      appliedLrs: result.appliedLrs,
    };
    const bytes = new Uint8Array(result.params.buffer, result.params.byteOffset, result.params.byteLength);
    await Promise.all([
      writeJson(join(this.path, 'summary.json'), summary, 2),
      writeJson(join(this.path, 'consistency.json'), details),
      writeFile(join(this.path, 'params.f32'), bytes),
      writeFile(join(this.path, 'trace.json'), JSON.stringify(result.trace)),
      ...this.pictures(run.lrMarker, result.stepsPerEpoch),
    ]);
    return summary;
  }

  /**
   * Writes what is left of a run whose coordinator died without ending it (and was not started again), from the
   * files it left: open the directory with `create(path, { continueAt: Infinity })` first, so the steps of
   * metrics.jsonl are read back. summary.json says `failed` with the launcher's `failure`, `steps` counts what
   * metrics.jsonl holds, the pictures draw those steps, and params.f32 is the newest checkpoint's parameters (what
   * `paramsDigest` hashes and a resume goes on from; `checkpoint` names it), or absent without a checkpoint.
   */
  async coordinatorLost(run: {
    mode: string;
    workers: number;
    failure: RunFailure;
    wallSeconds: number;
    exitCode: number;
    checkpoint: { path: string; step: number; params: Float32Array } | null;
    simulated?: SimulatedConditions | null;
    transport?: RunTransport | null;
  }): Promise<RunSummary> {
    const summary = await this.failedBeforeStart({ ...run, stopped: null });
    const params = run.checkpoint?.params;
    const bytes =
      params === undefined ? undefined : new Uint8Array(params.buffer, params.byteOffset, params.byteLength);
    const written: RunSummary = {
      ...summary,
      steps: this.steps.length,
      paramsDigest: bytes === undefined ? null : `sha256:${createHash('sha256').update(bytes).digest('hex')}`,
      checkpoint: run.checkpoint === null ? null : { path: run.checkpoint.path, step: run.checkpoint.step },
    };
    await Promise.all([
      writeJson(join(this.path, 'summary.json'), written, 2),
      ...(bytes === undefined ? [] : [writeFile(join(this.path, 'params.f32'), bytes)]),
      ...this.pictures(undefined),
    ]);
    return written;
  }

  /**
   * Writes the summary of a run that failed before training began (no parameters, no steps): what it was, why it
   * failed and the exit code, so even that run leaves a record.
   */
  async failedBeforeStart(run: {
    mode: string;
    workers: number;
    failure: RunFailure;
    wallSeconds: number;
    exitCode: number;
    simulated?: SimulatedConditions | null;
    transport?: RunTransport | null;
    /** the reason when a signal stopped it before training began (the outcome is then `stopped`) */
    stopped?: string | null;
  }): Promise<RunSummary> {
    await this.endMetrics();
    const stopped = run.stopped ?? null;
    const summary: RunSummary = {
      mode: run.mode,
      outcome: stopped === null ? 'failed' : 'stopped',
      failure: stopped === null ? run.failure : null,
      stopped,
      exitCode: run.exitCode,
      workers: run.workers,
      steps: 0,
      totalSteps: null,
      epochs: 0,
      skippedSteps: 0,
      samples: 0,
      backend: '',
      finalLoss: null,
      evalAccuracy: null,
      evalLoss: null,
      evalExamples: null,
      samplesPerSec: 0,
      wallSeconds: Math.round(run.wallSeconds * 10) / 10,
      trainSeconds: 0,
      paramsDigest: null,
      consistency: {
        steps: 0,
        checkedSteps: 0,
        lrMismatches: 0,
        digestMismatches: 0,
        missingReports: 0,
        excusedReports: 0,
        consistent: true,
      },
      replicasIdentical: run.mode === 'async' ? null : true,
      lrConsistency: { consistent: true, checked: 0, mismatches: 0 },
      policy: null,
      staleness: null,
      perWorker: null,
      readSnapshotBytes: null,
      arrivals: null,
      simulated: run.simulated ?? null,
      transport: run.transport ?? null,
      checkpoint: null,
      lostWorkers: [],
      lostInFlight: null,
      earlyStopping: null,
    };
    await writeJson(join(this.path, 'summary.json'), summary, 2);
    return summary;
  }

  private async endMetrics(): Promise<void> {
    await new Promise<void>((resolve) => this.metrics.end(resolve));
    await this.arrivalsOpened;
    await this.arrivals?.close();
  }

  /** The loss and LR pictures; epoch lines when the steps per epoch are known (not after a lost coordinator). */
  private pictures(marker: LrMarker | undefined, stepsPerEpoch?: number): Promise<void>[] {
    if (this.steps.length === 0) return [];
    const loss = renderSvg({
      title: 'Training loss (mean over workers)',
      xLabel: 'global step',
      yLabel: 'loss',
      yScale: this.losses.every((l) => l > 0) ? 'log' : 'linear',
      series: [
        { name: 'loss', x: this.steps, y: this.losses, color: '#9ecae1' },
        {
          name: `moving average (${LOSS_WINDOW} steps)`,
          x: this.steps,
          y: movingAverage(this.losses, LOSS_WINDOW),
          color: '#08519c',
        },
        ...(this.evals.length === 0
          ? []
          : [
              {
                name: 'test loss (eval_every)',
                x: this.evals.map((e) => e.step),
                y: this.evals.map((e) => e.loss),
                color: '#e6550d',
              },
            ]),
      ],
      ...(stepsPerEpoch === undefined ? {} : { stepsPerEpoch }),
    });
    const lr = renderSvg(lrPicture(this.steps, this.lrs, marker, stepsPerEpoch));
    return [
      writeFile(join(this.path, 'loss.svg'), loss),
      writeFile(join(this.path, 'loss.png'), svgToPng(loss, { width: 1200 })),
      writeFile(join(this.path, 'lr.svg'), lr),
      writeFile(join(this.path, 'lr.png'), svgToPng(lr, { width: 1200 })),
    ];
  }
}

/**
 * The schedule's check in one verdict. Sync: every rank reported every step and each applied LR equals the
 * schedule's. Async: every applied LR equals a second scheduler's times the policy's scale, and every LR a worker
 * reported back equals what it was sent.
 */
function lrConsistency(result: RunResult): RunSummary['lrConsistency'] {
  const c = result.consistency;
  if (result.async !== null) {
    return {
      consistent: c.lrMismatches === 0,
      checked: c.checkedSteps + result.async.checkedReports,
      mismatches: c.lrMismatches,
    };
  }
  return {
    consistent: c.lrMismatches === 0 && c.missingReports === 0,
    checked: c.checkedSteps,
    mismatches: c.lrMismatches,
  };
}

/**
 * JSON with what JSON.stringify would silently turn into null spelled out: a NaN or ±Infinity loss is written
 * as the string "NaN", "Infinity" or "-Infinity".
 */
function writeJson(path: string, value: unknown, indent?: number): Promise<void> {
  const text = JSON.stringify(
    value,
    (_key, item: unknown) => (typeof item === 'number' && !Number.isFinite(item) ? String(item) : item),
    indent,
  );
  return writeFile(path, `${text}\n`);
}

/**
 * The lines of `text` (metrics.jsonl) for the steps before `step`, in order, each step once: a line that does not
 * parse (the last one, cut short) and every line from `step` on are dropped.
 */
function keptMetrics(
  text: string,
  step: number,
): { text: string; record: Pick<StepRecord, 'step' | 'loss' | 'lr' | 'scheduleLr'> | EvalLine }[] {
  const kept: { text: string; record: StepRecord | EvalLine }[] = [];
  let lastStep = -1;
  for (const line of text.split('\n')) {
    let record: StepRecord | EvalLine;
    try {
      record = JSON.parse(line) as StepRecord | EvalLine;
    } catch {
      continue;
    }
    if (typeof record?.step !== 'number') continue;
    // An evaluation counts completed steps: the one of the restart's step was taken before its checkpoint.
    if (isEvalLine(record)) {
      if (record.step <= step) kept.push({ text: line, record });
      continue;
    }
    if (record.step >= step || record.step <= lastStep) continue;
    lastStep = record.step;
    kept.push({ text: line, record });
  }
  return kept;
}

/** The `type` of an evaluation's line in metrics.jsonl. */
const EVAL_LINE = 'eval';

/** An evaluation's line in metrics.jsonl. */
type EvalLine = EvalRecord & { readonly type: typeof EVAL_LINE };

function isEvalLine(record: object): record is EvalLine {
  return (record as { type?: unknown }).type === EVAL_LINE;
}

/** Trailing mean over the last `window` values (fewer at the start). */
function movingAverage(values: readonly number[], window: number): number[] {
  const out: number[] = [];
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i]!;
    if (i >= window) sum -= values[i - window]!;
    out.push(sum / Math.min(i + 1, window));
  }
  return out;
}

/** Keeps metrics lines short: times to 0.01 ms, rates to whole numbers. */
function roundNumbers(record: StepRecord): StepRecord {
  const ms = (x: number) => Math.round(x * 100) / 100;
  return {
    ...record,
    reduceMs: ms(record.reduceMs),
    roundMs: ms(record.roundMs),
    samplesPerSec: Math.round(record.samplesPerSec),
    computeMs: record.computeMs.map(ms),
  };
}
