import { TrainingError } from '../errors.js';
import { type Message, type MessageOf, nowUs, parameterDigest, REFUSALS } from '../protocol/index.js';
import type { DataPlan, World } from '../sharding/index.js';
import { atMost } from './at-most.js';
import { ConsistencyLedger } from './consistency.js';
import { worldScaledLr } from './lr-world-scaling.js';
import type { ModeContext, ModeReport, TrainingMode } from './mode.js';
import type { Member } from './rendezvous.js';
import type { Mismatch } from './result.js';
import { SyncRound } from './sync-round.js';

/**
 * Synchronous data parallelism (as DDP or Horovod's allreduce): for global step t every rank sends one gradient
 * of its batch; the coordinator averages them in rank order and broadcasts the average with t and lr(t) for every
 * worker to apply with its own optimizer, then applies it to its own copy while the workers apply theirs; the
 * workers report the LR they used and a digest of their parameters, which the consistency ledger compares bit for
 * bit with the coordinator's.
 * The next round opens before the update goes out, so a fast worker's next gradient is taken while a slow one
 * still reads the update.
 *
 * @example
 * const mode = new SyncMode(context); await mode.run(); mode.report().consistency;
 */
export class SyncMode implements TrainingMode {
  readonly name = 'sync';
  private readonly ledger: ConsistencyLedger;
  /**
   * Where rounds sum their gradients, in turn: the next round opens (and may start summing) while the average of
   * the round before still goes out and is applied.
   */
  private readonly sums: readonly [Float32Array, Float32Array];
  private nextSum = 0;
  private readonly lrs: number[] = [];
  /** the round gradients are taken for; undefined between the last step and the end */
  private current: SyncRound | undefined;
  /** ranks the run went on without (`shrink`): no round waits for them */
  private readonly excluded = new Set<number>();
  /** `shrink`: ranks lost since the data plan last changed, with the batch (round) they were lost in */
  private readonly lostIn = new Map<number, number>();
  /** set while an applied step goes out and is recorded: a rejoining rank is welcomed after it */
  private stepInFlight: Promise<void> | undefined;
  private trainMs = 0;

  constructor(private readonly context: ModeContext) {
    const { group, state } = context;
    this.ledger = new ConsistencyLedger(group.worldSize);
    this.sums = [new Float32Array(state.params.length), new Float32Array(state.params.length)];
    group.handle('gradient', (rank, gradient) => this.onGradient(rank, gradient));
    group.handle('applied', (rank, applied) => this.onApplied(rank, applied));
    group.onClose((rank) => (group.isLost(rank) ? this.ledger.excuse(rank) : this.ledger.abandon(rank)));
  }

  lost(rank: number, policy: 'restart' | 'shrink'): void {
    if (policy === 'shrink') {
      this.excluded.add(rank);
      if (this.current !== undefined) this.lostIn.set(rank, this.current.round);
    }
    this.current?.withdraw(rank, policy === 'shrink');
  }

  async readmit(_member: Member, welcome: (round: number) => void): Promise<void> {
    // Between the apply of a step and its record the parameters are ahead of the step count: wait that out.
    while (this.stepInFlight !== undefined) await this.stepInFlight;
    welcome(this.context.state.round);
  }

  async run(): Promise<void> {
    const { state } = this.context;
    const started = performance.now();
    let lastBroadcast = started;
    let evalMs = 0;
    this.current = this.openRound(state.step, state.round);
    try {
      // The plan is read afresh each round: a shrink may lengthen a run given in epochs.
      while (state.step < this.context.plan.totalSteps) {
        const round = this.current!;
        const receiveStart = nowUs();
        if (!(await this.untilComplete(round))) break;
        this.context.span('receive', round.step, receiveStart);
        const reduceStart = performance.now();
        const reduceStartUs = nowUs();
        // Into the round's own sum: no copy, and the next round sums into the other buffer meanwhile.
        const averaged = round.accumulator!;
        const reduction = round.reduce(averaged);
        if (!reduction.finite) {
          await this.skip(round);
          continue;
        }
        this.context.span('reduce', round.step, reduceStartUs);
        const lr = this.lrOf(round);
        // Asked now: once the step completes, the data plan has moved on (maybe into the next epoch).
        const epoch = this.data.epochOf(round.round);
        const world = this.shrink(round, true);
        const last = state.step + 1 === this.context.plan.totalSteps;
        // Open the next round before the update goes out: a fast worker may answer before the slowest reads it.
        this.current = last ? undefined : this.openRound(state.step + 1, state.round + 1);
        const broadcastStart = nowUs();
        const sends = this.context.group.broadcast(this.update(round, epoch, lr, averaged, world));
        // No message is handled before the next await: the members the update went to are those that owe a report.
        this.ledger.announce(
          round.step,
          lr,
          round.members().filter((rank) => this.context.group.isOpen(rank)),
        );
        let recorded!: () => void;
        this.stepInFlight = new Promise((resolve) => {
          recorded = resolve;
        });
        // The update goes out first and the coordinator applies its own copy after: applying first would hold the
        // event loop, so the rest of the update would not be written until it is done. The workers apply and compute
        // meanwhile; their reports may come before the coordinator's digest, which the ledger allows for.
        let lostWhileSending: { readonly error: unknown } | null = null;
        try {
          await this.delivered(sends, round.step);
          this.context.span('broadcast', round.step, broadcastStart);
        } catch (error) {
          lostWhileSending = { error };
        }
        const applyStart = nowUs();
        state.optimizer.step(state.params, averaged, lr);
        for (const mismatch of this.ledger.confirm(round.step, parameterDigest(state.params))) {
          this.mismatched(mismatch);
        }
        this.context.span('apply', round.step, applyStart);
        // The coordinator's copy has the update now: the step is done even if a worker was lost while it went out,
        // so that the parameters, the step count and metrics.jsonl of a failed run agree.
        this.stepInFlight = undefined;
        recorded();
        const now = performance.now();
        const roundMs = now - lastBroadcast;
        lastBroadcast = now;
        this.lrs.push(lr);
        state.completeStep(reduction.loss, reduction.samples);
        this.context.events.step({
          step: round.step,
          epoch,
          round: round.round,
          lr,
          loss: reduction.loss,
          samples: reduction.samples,
          reduceMs: now - reduceStart,
          roundMs,
          samplesPerSec: (reduction.samples * 1000) / roundMs,
          computeMs: reduction.computeMs,
        });
        if (lostWhileSending !== null) throw lostWhileSending.error;
        // Rank 0 evaluates its replica of this step while the next round's gradients come in: their update waits.
        const evaluating = this.context.evaluateAt?.(state.step);
        if (evaluating !== undefined) {
          const evalStart = performance.now();
          await evaluating;
          const waited = performance.now() - evalStart;
          evalMs += waited;
          lastBroadcast += waited;
        }
      }
    } finally {
      this.current = undefined;
      this.trainMs = performance.now() - started - evalMs;
    }
    await this.settle();
  }

  report(): ModeReport {
    const steps = this.context.state.step;
    return {
      consistency: this.ledger.summary(),
      mismatches: this.ledger.mismatches(),
      missing: this.ledger.missing(),
      appliedLrs: this.context.group.members.map((m) => this.ledger.appliedLrs(m.rank, steps)),
      lrs: this.lrs,
      trainSeconds: this.trainMs / 1000,
    };
  }

  /** A round with a non-finite average: no update, the step and the schedule stay, the batch is consumed. */
  private async skip(round: SyncRound): Promise<void> {
    const { state, onNonfinite, group, log, events } = this.context;
    if (onNonfinite === 'abort') {
      throw new TrainingError(
        'ERR_TRAINING_NONFINITE',
        `the averaged gradient of step ${round.step} (batch ${round.round}) is not finite (on_nonfinite: abort)`,
      );
    }
    const lr = this.lrOf(round);
    const update = this.update(round, this.data.epochOf(round.round), lr, null, this.shrink(round, false));
    state.skipRound();
    this.current = this.openRound(state.step, state.round);
    log({ level: 'warn', msg: 'skipped a non-finite step', step: round.step, round: round.round });
    events.skipped({ step: round.step, round: round.round, reason: 'non-finite gradient' });
    await this.delivered(group.broadcast(update), round.step);
  }

  private update(
    round: SyncRound,
    epoch: number,
    lr: number,
    grad: Float32Array | null,
    world: World | null,
  ): Message {
    return {
      type: 'update',
      step: round.step,
      epoch,
      lr,
      round: round.round,
      skipped: grad === null,
      grad,
      world: world === null ? null : { ...world },
    };
  }

  /**
   * After a round that lost ranks (`shrink`): the survivors are the world from the next batch on, and share what
   * the epoch has not seen yet — with `counted`, the lost ranks' batch of this round is among it (its gradient was
   * taken out of the average); a skipped round consumed every batch. Returns the change the update tells the
   * workers, or null.
   */
  private shrink(round: SyncRound, counted: boolean): World | null {
    if (this.lostIn.size === 0) return null;
    const unfinished = counted
      ? [...this.lostIn].flatMap(([rank, r]) => (r === round.round ? [rank] : []))
      : [];
    this.lostIn.clear();
    const members = this.context.group.members.flatMap((m) => (this.excluded.has(m.rank) ? [] : [m.rank]));
    const next = round.round + 1;
    this.data.resize(next, members, unfinished);
    const totalSteps = this.lengthAfterResize(next, counted ? round.step + 1 : round.step);
    const world = { round: next, members, unfinished, totalSteps };
    this.context.log({ level: 'info', msg: 'the survivors share the rest of the epoch', ...world });
    this.context.events.resized?.({ round: next, members, totalSteps });
    return world;
  }

  /**
   * The run's length once the world changed at batch `round` (whose step is `step`): a run given in epochs ends
   * where the data plan's last epoch does, so fewer ranks take more steps; a run given in steps keeps its length.
   */
  private lengthAfterResize(round: number, step: number): number {
    const plan = this.context.plan;
    if (plan.epochs == null) return plan.totalSteps;
    const totalSteps = step + this.data.roundAfterEpochs(plan.epochs) - round;
    this.context.plan = { ...plan, totalSteps };
    return totalSteps;
  }

  private openRound(step: number, round: number): SyncRound {
    const { group, state } = this.context;
    this.nextSum = 1 - this.nextSum;
    return new SyncRound({
      step,
      round,
      worldSize: group.worldSize,
      members: group.members.flatMap((m) => (this.excluded.has(m.rank) ? [] : [m.rank])),
      size: state.params.length,
      samples: this.data.samples(round),
      accumulator: this.sums[this.nextSum]!,
    });
  }

  /** The LR of the round's step: the schedule's, rescaled for the world that takes it. */
  private lrOf(round: SyncRound): number {
    const { state, plan } = this.context;
    return worldScaledLr(state.lr, this.data.members(round.round).length, plan.lrWorldScaling);
  }

  private get data(): DataPlan {
    const data = this.context.state.data;
    if (data === null) {
      throw new TrainingError('ERR_TRAINING_INTERNAL', 'a sync run needs a run state with a data plan');
    }
    return data;
  }

  /** True once every gradient is in; false when a stop was asked for first. Fails the run at the deadline. */
  private untilComplete(round: SyncRound): Promise<boolean> {
    const { group, stop, roundTimeoutMs } = this.context;
    const completed = stop.race(
      round.completed.then(() => true),
      () => false,
    );
    return group.within(completed, roundTimeoutMs, () => {
      const missing = round.missing();
      return new TrainingError(
        'ERR_TRAINING_ROUND_TIMEOUT',
        `step ${round.step} (batch ${round.round}) waited ${roundTimeoutMs / 1000} s (round_timeout) for the gradient of ${ranks(missing)}; ` +
          'a worker that computes this long needs a larger round_timeout, one that hangs needs restarting',
        { rank: missing.length === 1 ? missing[0]! : null },
      );
    });
  }

  /** Waits until every rank's copy of an update is written; a rank that never takes it fails the run by name. */
  private async delivered(sends: readonly Promise<void>[], step: number): Promise<void> {
    const { group, roundTimeoutMs } = this.context;
    const pending = new Set(sends.keys());
    const all = Promise.allSettled(sends.map((sent, rank) => sent.finally(() => pending.delete(rank))));
    const results = await group.within(all, roundTimeoutMs, () => {
      const slow = [...pending];
      return new TrainingError(
        'ERR_TRAINING_ROUND_TIMEOUT',
        `the update of step ${step} was not taken by ${ranks(slow)} within ${roundTimeoutMs / 1000} s (round_timeout): it does not read its connection`,
        { rank: slow.length === 1 ? slow[0]! : null },
      );
    });
    results.forEach((result, rank) => {
      if (result.status === 'fulfilled') return;
      const reason = result.reason;
      group.lose(
        rank,
        new TrainingError(
          'ERR_TRAINING_WORKER_LOST',
          `the update of step ${step} could not be sent to worker rank ${rank}: ${reason instanceof Error ? reason.message : String(reason)}`,
          { rank },
        ),
      );
    });
    if (group.failure !== undefined) throw group.failure;
  }

  /** After the last step: the reports still owed by members that are still there, for at most settleMs. */
  private async settle(): Promise<void> {
    const { group, settleMs } = this.context;
    for (const member of group.members) {
      if (group.isLost(member.rank)) this.ledger.excuse(member.rank);
      else if (!group.isOpen(member.rank)) this.ledger.abandon(member.rank);
    }
    await group.race(atMost(settleMs, this.ledger.settled()), 'waiting for the last applied reports');
  }

  private onGradient(rank: number, gradient: MessageOf<'gradient'>): void {
    const round = this.current;
    if (round === undefined) {
      // A worker may send its next gradient before it hears that the run is ending: not an error then.
      if (this.context.stop.hasFired || this.context.group.isEnding) return;
      this.context.group.refuse(
        rank,
        REFUSALS.unexpected,
        `no round is open for rank ${rank}'s gradient for step ${gradient.step}: the run has ${this.context.plan.totalSteps} steps`,
        gradient.step,
      );
      return;
    }
    const refusal = round.offer(rank, gradient);
    if (refusal !== null) this.context.group.refuse(rank, refusal.code, refusal.message, gradient.step);
  }

  private onApplied(rank: number, applied: MessageOf<'applied'>): void {
    const { group } = this.context;
    if (applied.rank !== rank) {
      group.refuse(
        rank,
        REFUSALS.wrongRank,
        `applied names rank ${applied.rank} but this connection is rank ${rank}`,
        applied.step,
      );
      return;
    }
    const answer = this.ledger.report(rank, applied.step, applied.lr, applied.digest);
    if (answer.refused !== null) {
      group.refuse(rank, REFUSALS.unexpected, answer.refused, applied.step);
    } else if (answer.mismatch !== null) {
      this.mismatched(answer.mismatch);
    }
  }

  private mismatched(mismatch: Mismatch): void {
    this.context.log({ level: 'error', msg: 'replica differs from the coordinator', ...mismatch });
    this.context.events.mismatch(mismatch);
  }
}

/** "rank 2" / "ranks 1, 3". */
function ranks(list: readonly number[]): string {
  return list.length === 1 ? `rank ${list[0]}` : `ranks ${list.join(', ')}`;
}
