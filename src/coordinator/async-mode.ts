import PQueue from 'p-queue';
import { TrainingError } from '../errors.js';
import { ScheduleClock } from '../lr/index.js';
import { gradientDigest, type MessageOf, nowUs, REFUSALS } from '../protocol/index.js';
import { batchSamples } from '../sharding/index.js';
import {
  ASYNC_EXTENSION,
  ASYNC_PROGRESS_VERSION,
  type AsyncProgress,
  restoreAsyncProgress,
} from './async-progress.js';
import type { ModeContext, ModeReport, TrainingMode } from './mode.js';
import { OrphanBatches } from './orphan-batches.js';
import { type Decision, ParameterServer } from './parameter-server.js';
import type { Member } from './rendezvous.js';
import type { Arrival, AsyncReport, Mismatch } from './result.js';
import { stalenessHistogram, stalenessSummary, tausOf } from './staleness.js';

/**
 * Asynchronous SGD through a parameter server: every worker computes a gradient on the parameters it last read
 * (global step `read`) and pushes it; the coordinator decides the gradients one at a time in arrival order — τ =
 * t − read, the staleness policy drops, scales or delay-compensates it, the coordinator's own optimizer applies it
 * with schedule(t) × scale(τ), and t and the schedule advance — and answers every push with its decision and
 * the parameters of the new step with that step's LR. Workers keep no schedule and no optimizer. With
 * `ssp_bound` a worker too far ahead of the slowest gets its answer only when the slowest catches up.
 *
 * Every applied LR is checked against a second scheduler instance times the policy's scale, and every LR a
 * worker reports back against what the coordinator sent: `consistency` covers both; replicas are not
 * identical by design (`replicasIdentical: null`).
 *
 * A run state restored from a checkpoint continues: the counts the summary reports (over the whole run, as the
 * arrival log), ssp_bound's pushes per rank and the LR check's clock go on from the checkpoint's `extensions.async`,
 * which every checkpoint saves; the consistency counts and the LR record cover the steps this run applies.
 *
 * @example
 * const mode = new AsyncMode(context); await mode.run(); mode.report().async?.staleness.mean;
 */
export class AsyncMode implements TrainingMode {
  readonly name = 'async';
  private readonly server: ParameterServer;
  /** decisions one at a time, in arrival order */
  private readonly queue = new PQueue({ concurrency: 1 });
  /** the check of every applied LR: a second scheduler of the same config, stepped alongside */
  private readonly reference: ScheduleClock;
  /** per rank, the parameters last sent to it (θ_read): the answer's tensor, and what DC-ASGD compares with */
  private readonly reads: Float32Array[];
  /** per rank, the global step of the parameters last sent to it */
  private readonly readSteps: number[];
  /** per rank, whether a push of it is waiting for its answer */
  private readonly outstanding: boolean[];
  /** answers held back by ssp_bound, by rank */
  private readonly held = new Map<number, { round: number; decision: Decision }>();
  private readonly pushes: number[];
  private readonly applied: number[];
  private readonly dropped: number[];
  private readonly samplesPushed: number[];
  /** `shrink`: the lost ranks' batches of their epoch in progress, handed to the survivors */
  private readonly orphans = new OrphanBatches();
  /** per rank: batches of lost ranks' shards it computed (decided), and batches of its shard others computed */
  private readonly taken: number[];
  private readonly lent: number[];
  /** τ of every applied update (a resumed run's earlier ones in ascending order) */
  private readonly taus: number[];
  /** the LR sent with the parameters of each global step (index: step) */
  private readonly sentLrs: number[] = [];
  /** the schedule's LR of each applied step */
  private readonly lrs: number[] = [];
  /** per rank, the LR of each step it applied (NaN at the steps of other ranks) */
  private readonly appliedLrs: number[][];
  private readonly mismatches: Mismatch[] = [];
  private checkedReports = 0;
  private arrivals: number;
  private lateAfterEnd: number;
  /** the global step this run started at (not 0 when resumed) */
  private readonly startStep: number;
  /** gradients lost with their worker (`on_worker_failure: restart | shrink`): being computed, or queued undecided */
  private lostInFlight = 0;
  /** ranks that were sent the parameters of the last step: they are done */
  private readonly told = new Set<number>();
  private readonly batchesPerRankEpoch: number;
  private finished!: () => void;
  private readonly finishedPromise: Promise<void>;
  private toldAll!: () => void;
  private readonly toldAllPromise: Promise<void>;
  private lastDecisionAt = performance.now();
  private lastAppliedAt = performance.now();
  private trainMs = 0;

  constructor(private readonly context: ModeContext) {
    const { group, state, plan, policy } = context;
    if (plan.referenceScheduler === null) {
      throw new TypeError("async mode needs a reference scheduler (a second instance of the run's schedule)");
    }
    this.server = new ParameterServer(state, policy);
    const restored =
      state.extensions[ASYNC_EXTENSION] === undefined ? null : restoreAsyncProgress(state, plan);
    this.reference =
      restored?.reference ??
      new ScheduleClock(plan.referenceScheduler, {
        granularity: plan.granularity,
        stepsPerEpoch: plan.stepsPerEpoch,
      });
    const n = group.worldSize;
    const saved = restored?.progress;
    // Every worker is welcomed with the state's parameters: all read its step, none has a push waiting.
    this.reads = Array.from({ length: n }, () => Float32Array.from(state.params));
    this.readSteps = new Array(n).fill(state.step);
    this.outstanding = new Array(n).fill(false);
    this.pushes = saved === undefined ? new Array(n).fill(0) : [...saved.pushed];
    this.applied = saved === undefined ? new Array(n).fill(0) : [...saved.applied];
    this.dropped = saved === undefined ? new Array(n).fill(0) : [...saved.dropped];
    this.taken = saved?.taken === undefined ? new Array(n).fill(0) : [...saved.taken];
    this.lent = saved?.lent === undefined ? new Array(n).fill(0) : [...saved.lent];
    this.taus = saved === undefined ? [] : tausOf(saved.staleness);
    this.arrivals = saved?.arrivals ?? 0;
    this.lateAfterEnd = saved?.lateAfterEnd ?? 0;
    this.startStep = state.step;
    state.extend(ASYNC_EXTENSION, () => this.progress());
    this.samplesPushed = new Array(n).fill(0);
    this.appliedLrs = Array.from({ length: n }, () => []);
    this.sentLrs[state.step] = state.lr;
    this.batchesPerRankEpoch = plan.stepsPerEpoch / n;
    this.finishedPromise = new Promise((resolve) => {
      this.finished = resolve;
    });
    this.toldAllPromise = new Promise((resolve) => {
      this.toldAll = resolve;
    });
    group.handle('push', (rank, push) => this.onPush(rank, push));
    group.onClose(() => this.releaseHeld());
  }

  lost(rank: number, policy: 'restart' | 'shrink'): void {
    const { state, plan, log } = this.context;
    // Whatever it was computing (or had pushed and is still queued) is dropped: its batch position stays, so a
    // rank that rejoins computes that batch again, and under shrink a survivor does.
    if (!this.held.delete(rank) && state.step < plan.totalSteps) this.lostInFlight += 1;
    this.outstanding[rank] = false;
    // A lost shard's batch it was computing is free again for another survivor.
    this.orphans.release(rank);
    if (policy === 'shrink') {
      const from = state.positions[rank]!;
      const perEpoch = this.batchesPerRankEpoch;
      const end = Math.ceil(from / perEpoch) * perEpoch;
      this.orphans.add(rank, from, end);
      if (end > from) {
        log({
          level: 'info',
          msg: "the survivors take over the lost rank's batches of its epoch",
          rank,
          epoch: Math.floor(from / perEpoch),
          batches: end - from,
        });
      }
    }
    this.markToldIfIdle();
  }

  async readmit(member: Member, welcome: (round: number) => void): Promise<void> {
    const { state } = this.context;
    // Decisions run one at a time in the queue; between two of them the state is whole.
    await this.queue.add(() => {
      const rank = member.rank;
      this.reads[rank]!.set(state.params);
      this.readSteps[rank] = state.step;
      this.outstanding[rank] = false;
      this.told.delete(rank);
      welcome(state.positions[rank]!);
    });
  }

  async run(): Promise<void> {
    const { group, stop, roundTimeoutMs, state, plan } = this.context;
    const started = performance.now();
    this.lastDecisionAt = started;
    this.lastAppliedAt = started;
    if (state.step >= plan.totalSteps) this.finished();
    // No deadline on the run as a whole, but on progress: with ssp_bound a stalled worker would hold everyone.
    const watchdog = setInterval(() => this.checkProgress(), Math.min(1000, roundTimeoutMs));
    try {
      const done = await group.race(
        stop.race(
          this.finishedPromise.then(() => true),
          () => false,
        ),
      );
      this.trainMs = performance.now() - started;
      if (!done) return;
      this.releaseHeld(true);
      this.markToldIfIdle();
      await group.within(
        stop.race(this.toldAllPromise, () => undefined),
        roundTimeoutMs,
        () => {
          const waiting = group.openRanks().filter((rank) => !this.told.has(rank));
          return new TrainingError(
            'ERR_TRAINING_ROUND_TIMEOUT',
            `the run reached its last step, but ${ranks(waiting)} sent no gradient within ${roundTimeoutMs / 1000} s ` +
              '(round_timeout) to be told so; a worker that computes this long needs a larger round_timeout',
            { rank: waiting.length === 1 ? waiting[0]! : null },
          );
        },
      );
      await this.queue.onIdle();
    } finally {
      if (this.trainMs === 0) this.trainMs = performance.now() - started;
      clearInterval(watchdog);
    }
  }

  report(): ModeReport {
    const { state, group, policy } = this.context;
    const lrMismatches = this.mismatches.length;
    const steps = state.step;
    const seconds = this.trainMs / 1000;
    const async: AsyncReport = {
      policy,
      staleness: stalenessSummary(
        this.taus,
        this.dropped.reduce((a, b) => a + b, 0),
        this.lateAfterEnd,
      ),
      perWorker: group.members.map(({ rank }) => ({
        rank,
        pushed: this.pushes[rank]!,
        applied: this.applied[rank]!,
        dropped: this.dropped[rank]!,
        samplesPerSec: seconds > 0 ? Math.round(this.samplesPushed[rank]! / seconds) : 0,
      })),
      readSnapshotBytes: this.reads.length * state.params.byteLength,
      arrivals: this.arrivals,
      checkedReports: this.checkedReports,
      lostInFlight: this.lostInFlight,
    };
    return {
      consistency: {
        // as in sync mode: the steps this run applied and checked (a resumed run's own)
        steps: steps - this.startStep,
        checkedSteps: this.lrs.length,
        lrMismatches,
        digestMismatches: 0,
        missingReports: 0,
        excusedReports: 0,
        consistent: lrMismatches === 0,
        replicasIdentical: null,
      },
      mismatches: this.mismatches,
      missing: [],
      appliedLrs: this.appliedLrs.map((lrs) => Array.from({ length: steps }, (_, i) => lrs[i] ?? Number.NaN)),
      lrs: this.lrs,
      trainSeconds: seconds,
      async,
    };
  }

  /** What a checkpoint keeps of this mode (see AsyncProgress), as it is now: between two decisions. */
  private progress(): AsyncProgress {
    return {
      version: ASYNC_PROGRESS_VERSION,
      arrivals: this.arrivals,
      pushed: [...this.pushes],
      applied: [...this.applied],
      dropped: [...this.dropped],
      taken: [...this.taken],
      lent: [...this.lent],
      lateAfterEnd: this.lateAfterEnd,
      staleness: stalenessHistogram(this.taus),
      reference: this.reference.state(),
    };
  }

  /** Checks a push as it arrives (a refusal changes nothing), then queues its decision. */
  private onPush(rank: number, push: MessageOf<'push'>): void {
    const { group, state, plan, stop } = this.context;
    if (group.isEnding || stop.hasFired) return;
    const refuse = (code: string, message: string) => group.refuse(rank, code, message, push.read);
    if (push.rank !== rank) {
      refuse(REFUSALS.wrongRank, `push names rank ${push.rank} but this connection is rank ${rank}`);
      return;
    }
    if (this.outstanding[rank]) {
      refuse(
        REFUSALS.busy,
        `rank ${rank} pushed a gradient before its previous one was answered: wait for the answer`,
      );
      return;
    }
    if (push.grad.length !== state.params.length) {
      refuse(
        REFUSALS.tensorSize,
        `gradient from rank ${rank} has ${push.grad.length} values; the model has ${state.params.length}`,
      );
      return;
    }
    if (push.read !== this.readSteps[rank]) {
      refuse(
        REFUSALS.wrongRead,
        `rank ${rank} pushed a gradient of the parameters of step ${push.read}, but the parameters it was last sent are of step ${this.readSteps[rank]}`,
      );
      return;
    }
    const shard = push.shard;
    if (shard !== rank && this.orphans.takerOf(shard) !== rank) {
      refuse(
        REFUSALS.wrongStep,
        `rank ${rank} pushed the gradient of rank ${shard}'s batch ${push.round}, which it was not given: a rank pushes its own batches and those the answers hand it`,
      );
      return;
    }
    if (push.round !== state.positions[shard]) {
      refuse(
        REFUSALS.wrongStep,
        shard === rank
          ? `rank ${rank} pushed the gradient of its batch ${push.round}, but its next batch is ${state.positions[rank]}`
          : `rank ${rank} pushed the gradient of rank ${shard}'s batch ${push.round}, but it was given batch ${state.positions[shard]}`,
      );
      return;
    }
    const samples = batchSamples(plan.datasetSize, group.worldSize, plan.batchSize, push.round);
    if (push.samples !== samples) {
      refuse(
        REFUSALS.samples,
        `gradient from rank ${rank} says it covers ${push.samples} examples, but its batch ${push.round} holds ${samples}`,
      );
      return;
    }
    // What the worker says the coordinator sent it with those parameters must be what it sent, bit for bit.
    this.checkedReports += 1;
    const sent = this.sentLrs[push.read]!;
    if (!Object.is(sent, push.lr)) {
      this.lrMismatch(
        rank,
        push.read,
        sent,
        push.lr,
        'a worker reports another LR than the coordinator sent',
      );
    }
    this.outstanding[rank] = true;
    void this.queue
      .add(() => this.decide(rank, push))
      .catch((error: unknown) => {
        group.fail(
          error instanceof TrainingError
            ? error
            : new TrainingError(
                'ERR_TRAINING_INTERNAL',
                `deciding rank ${rank}'s gradient failed: ${String(error)}`,
                { cause: error },
              ),
        );
      });
  }

  private decide(rank: number, push: MessageOf<'push'>): void {
    const { state, plan, events, log, onNonfinite, group } = this.context;
    // Once the run failed the state stays as it was: the result reports the parameters of the step it failed at.
    if (group.isEnding || group.failure !== undefined) return;
    // A gradient of a worker lost since it arrived: dropped, counted in lost(); its batch is computed again.
    if (group.isLost(rank)) return;
    this.lastDecisionAt = performance.now();
    const epoch = Math.floor(push.round / this.batchesPerRankEpoch);
    const position = push.round % this.batchesPerRankEpoch;
    const digest = gradientDigest(push.grad, push.loss);
    const index = this.arrivals++;
    this.pushes[rank]! += 1;
    this.samplesPushed[rank]! += push.samples;
    if (push.shard !== rank) this.orphans.release(rank);
    if (state.step >= plan.totalSteps) {
      // A gradient that was on its way when the run reached its last step: counted apart, not a failure.
      this.lateAfterEnd += 1;
      const decision: Decision = {
        applied: false,
        code: REFUSALS.runOver,
        step: state.step,
        tau: state.step - push.read,
        scale: 1,
        lr: state.lr,
        scheduleLr: state.lr,
      };
      events.arrival?.(arrival(index, rank, push, epoch, position, decision, digest));
      this.answer(rank, push.round, decision);
      return;
    }
    const applyStart = nowUs();
    const decision = this.server.decide(push, this.server.needsReadParams ? this.reads[rank]! : null);
    events.arrival?.(arrival(index, rank, push, epoch, position, decision, digest));
    if (push.shard !== rank) {
      this.taken[rank]! += 1;
      this.lent[push.shard]! += 1;
    }
    if (decision.applied) {
      this.recordApplied(rank, push, decision, applyStart);
    } else {
      this.dropped[rank]! += 1;
      if (decision.code === REFUSALS.nonfinite) {
        if (onNonfinite === 'abort') {
          throw new TrainingError(
            'ERR_TRAINING_NONFINITE',
            `the gradient of rank ${rank} (its batch ${push.round}) at step ${decision.step} is not finite (on_nonfinite: abort)`,
            { rank },
          );
        }
        log({
          level: 'warn',
          msg: 'dropped a non-finite gradient',
          rank,
          step: decision.step,
          round: push.round,
        });
        events.skipped({
          step: decision.step,
          round: push.round,
          reason: `non-finite gradient from rank ${rank}`,
        });
      }
    }
    const bound = this.context.policy.sspBound;
    if (bound !== null && state.step < plan.totalSteps && this.pushes[rank]! - this.slowest() > bound) {
      this.held.set(rank, { round: push.round, decision });
    } else {
      this.answer(rank, push.round, decision);
    }
    this.releaseHeld(state.step >= plan.totalSteps);
    if (state.step >= plan.totalSteps) {
      this.finished();
      this.markToldIfIdle();
    }
  }

  private recordApplied(
    rank: number,
    push: MessageOf<'push'>,
    decision: Decision,
    applyStartUs: number,
  ): void {
    const { state, plan, events, policy } = this.context;
    // The check: a fresh scheduler's value at this step, times the scale computed here again (never the server's).
    const scheduled = this.reference.lr;
    const expected = policy.lrScale === 'inverse' && decision.tau >= 1 ? scheduled / decision.tau : scheduled;
    if (!Object.is(expected, decision.lr)) {
      this.lrMismatch(
        rank,
        decision.step,
        expected,
        decision.lr,
        'an applied LR differs from the schedule times the policy scale',
      );
    }
    this.reference.completeStep(push.loss);
    this.applied[rank]! += 1;
    this.taus.push(decision.tau);
    this.lrs.push(decision.scheduleLr);
    this.sentLrs[state.step] = state.lr;
    this.appliedLrs[rank]![decision.step] = decision.lr;
    this.context.span('apply', decision.step, applyStartUs);
    const now = performance.now();
    const roundMs = now - this.lastAppliedAt;
    this.lastAppliedAt = now;
    events.step({
      step: decision.step,
      epoch: Math.floor(decision.step / plan.stepsPerEpoch),
      round: state.round - 1,
      lr: decision.lr,
      loss: push.loss,
      samples: push.samples,
      reduceMs: (nowUs() - applyStartUs) / 1000,
      roundMs,
      samplesPerSec: roundMs > 0 ? (push.samples * 1000) / roundMs : 0,
      computeMs: [push.computeMs],
      rank,
      tau: decision.tau,
      scale: decision.scale,
      scheduleLr: decision.scheduleLr,
    });
  }

  /** Records an LR that differs bitwise from the expected one at (rank, step); only LRs are compared in async mode. */
  private lrMismatch(rank: number, step: number, expectedLr: number, appliedLr: number, msg: string): void {
    const mismatch = { rank, step, expectedLr, appliedLr, expectedDigest: null, digest: null };
    this.mismatches.push(mismatch);
    this.context.log({ level: 'error', msg, ...mismatch });
    this.context.events.mismatch(mismatch);
  }

  /** Sends `rank` its decision with the parameters of the current step (copied: they change with the next one). */
  private answer(rank: number, round: number, decision: Decision): void {
    const { group, state, plan } = this.context;
    const params = this.reads[rank]!;
    params.set(state.params);
    this.readSteps[rank] = state.step;
    this.outstanding[rank] = false;
    // A lost rank's batch first, so that its epoch is done soon; else the rank's own next one.
    const next = (state.step < plan.totalSteps ? this.orphans.take(rank, state.positions) : null) ?? {
      shard: rank,
      round: state.positions[rank]!,
    };
    void group
      .send(rank, {
        type: 'pushed',
        round,
        nextShard: next.shard,
        nextRound: next.round,
        applied: decision.applied,
        code: decision.code,
        tau: decision.tau,
        scale: decision.scale,
        appliedLr: decision.applied ? decision.lr : null,
        step: state.step,
        epoch: Math.floor(state.step / plan.stepsPerEpoch),
        lr: state.lr,
        params,
      })
      .catch(() => {});
    if (state.step >= plan.totalSteps) {
      this.told.add(rank);
      this.markToldIfIdle();
    }
  }

  /** Sends the held answers whose rank is now within ssp_bound of the slowest live worker (all of them at the end). */
  private releaseHeld(all = false): void {
    if (this.held.size === 0) return;
    const bound = this.context.policy.sspBound ?? Number.POSITIVE_INFINITY;
    for (const [rank, { round, decision }] of [...this.held]) {
      if (all || this.pushes[rank]! - this.slowest() <= bound || !this.context.group.isOpen(rank)) {
        this.held.delete(rank);
        if (this.context.group.isOpen(rank)) this.answer(rank, round, decision);
      }
    }
  }

  /** The fewest pushes of a live worker. */
  private slowest(): number {
    let fewest = Number.POSITIVE_INFINITY;
    for (const rank of this.context.group.openRanks()) fewest = Math.min(fewest, this.pushes[rank]!);
    return fewest === Number.POSITIVE_INFINITY ? 0 : fewest;
  }

  /** Once the last step is done: resolves when every live rank was sent the last step's parameters. */
  private markToldIfIdle(): void {
    if (this.context.state.step < this.context.plan.totalSteps) return;
    if (this.context.group.openRanks().every((rank) => this.told.has(rank))) this.toldAll();
  }

  /** Fails the run when no gradient was decided for round_timeout while the run is not over. */
  private checkProgress(): void {
    const { group, roundTimeoutMs, state, plan } = this.context;
    if (state.step >= plan.totalSteps || group.failure !== undefined) return;
    const idle = performance.now() - this.lastDecisionAt;
    if (idle < roundTimeoutMs) return;
    const computing = group.openRanks().filter((rank) => !this.outstanding[rank] && !this.held.has(rank));
    group.fail(
      new TrainingError(
        'ERR_TRAINING_ROUND_TIMEOUT',
        `no gradient arrived for ${roundTimeoutMs / 1000} s (round_timeout) at step ${state.step}; ` +
          `${computing.length === 0 ? 'no rank' : ranks(computing)} owes one` +
          (this.held.size > 0 ? ` while ${ranks([...this.held.keys()])} wait(s) for it (ssp_bound)` : ''),
        { rank: computing.length === 1 ? computing[0]! : null },
      ),
    );
  }
}

function arrival(
  i: number,
  rank: number,
  push: MessageOf<'push'>,
  epoch: number,
  position: number,
  decision: Decision,
  grad: string,
): Arrival {
  return {
    i,
    step: decision.step,
    rank,
    ...(push.shard === rank ? {} : { shard: push.shard }),
    read: push.read,
    epoch,
    position,
    tau: decision.tau,
    scale: decision.scale,
    lr: decision.lr,
    applied: decision.applied,
    code: decision.code,
    grad,
  };
}

/** "rank 2" / "ranks 1, 3". */
function ranks(list: readonly number[]): string {
  return list.length === 1 ? `rank ${list[0]}` : `ranks ${list.join(', ')}`;
}
