/**
 * Whether an `lr` config fits the run it drives, with the run's real numbers: a warmup longer than the run,
 * milestones or boundaries past its end, a step size that never decays, a T_max or decay length far from the
 * stretch the scheduler is driven over, a schedule whose LR never changes. A schedule that would not even cover
 * the run is refused earlier (schedule-check.ts); these are schedules that run but cannot be what was meant.
 */
import { isMapping, joinKeyPath } from '../key-path.js';
import { compileExpression, type LrGranularity, SCHEDULERS } from '../lr/index.js';

/** One way a schedule does not fit its run, at the key that causes it. */
export interface ScheduleMisfit {
  /** The key path as written, `lr.warmup_steps`, `lr.learning_rate.T_max`, or `lr` for the schedule as a whole. */
  readonly key: string;
  /** `refusal`: it cannot be meant (the run is refused); `warning`: said, and refused under `--strict-schedule`. */
  readonly severity: 'warning' | 'refusal';
  /** What is wrong, with the numbers, and the fix; the key is not repeated. */
  readonly message: string;
}

/** The run as the fit checks see it, and the LRs the dry run over it gave (see `checkScheduleCoversRun`). */
export interface ScheduleFitRun {
  readonly granularity: LrGranularity;
  readonly stepsPerEpoch: number;
  readonly totalSteps: number;
  readonly variables: Readonly<Record<string, number>>;
  /** The smallest and largest LR any step of the run uses. */
  readonly lrRange: { readonly min: number; readonly max: number };
  /** Whether the schedule follows the loss (ReduceOnPlateau): a dry run cannot say it never changes. */
  readonly metricDriven: boolean;
}

/** How far (as a share of the stretch it is driven over, at least one call) a T_max or decay length may be off. */
const LENGTH_TOLERANCE = 0.1;

/**
 * Every misfit of `lr` (path `lr`) in `run`, outermost first. Lengths are counted in scheduler calls, as the
 * schedule counts: global steps with `lr_granularity: step`, epochs with `epoch`. A nested scheduler is checked
 * against the stretch of the run it is driven over (after its LinearWarmup, between its SequentialLR milestones).
 *
 * @example
 * scheduleMisfits({ name: 'LinearWarmup', learning_rate: 0.1, warmup_steps: 5000, start_lr: 0, end_lr: 0.1 }, run)[0].message;
 * // "5000 steps of warmup but the run has 469 steps: …"
 */
export function scheduleMisfits(
  lr: Readonly<Record<string, unknown>>,
  run: ScheduleFitRun,
): ScheduleMisfit[] {
  const unit = run.granularity === 'step' ? 'step' : 'epoch';
  const calls = run.granularity === 'step' ? run.totalSteps : Math.ceil(run.totalSteps / run.stepsPerEpoch);
  const found: ScheduleMisfit[] = [];
  const context: Walk = { unit, calls, variables: run.variables, found };
  visit(lr, 'lr', 0, calls, context);
  const { min, max } = run.lrRange;
  const steps = `${count(run.totalSteps, 'step')}`;
  if (max === 0) {
    found.unshift({
      key: 'lr',
      severity: 'refusal',
      message:
        `the learning rate is 0 at every step of the run (${steps}): the parameters would never change; ` +
        'give a schedule that rises above 0 within the run',
    });
  } else if (min === max && calls >= 2 && !run.metricDriven) {
    found.push({
      key: 'lr',
      severity: 'warning',
      message:
        `the learning rate is ${max} at every step of the run (${steps}${granularityNote(unit)}): the ` +
        'schedule never changes it; check its decay arguments against the run',
    });
  }
  return found;
}

interface Walk {
  readonly unit: 'step' | 'epoch';
  /** Scheduler calls in the whole run. */
  readonly calls: number;
  readonly variables: Readonly<Record<string, number>>;
  readonly found: ScheduleMisfit[];
}

/** The arguments of one scheduler config by their canonical names, with the key each was written as. */
type Arguments = ReadonlyMap<string, { readonly key: string; readonly value: unknown }>;

function visit(config: unknown, path: string, offset: number, span: number, walk: Walk): void {
  if (!isMapping(config) || typeof config.name !== 'string' || span <= 0) return;
  const name = config.name;
  const entry = Object.hasOwn(SCHEDULERS, name) ? SCHEDULERS[name] : undefined;
  if (entry === undefined) return;
  const args: Arguments = new Map(
    Object.entries(config)
      .filter(([key]) => key !== 'name')
      .map(([key, value]) => [entry.aliases?.[key] ?? key, { key, value }]),
  );
  const at = (argument: string) => joinKeyPath(path, args.get(argument)?.key ?? argument);
  const number = (argument: string) => numberOf(args.get(argument)?.value, walk.variables);
  const within = stretch(offset, span, walk);
  const say = (argument: string, message: string) =>
    walk.found.push({ key: at(argument), severity: 'warning', message });
  const { unit } = walk;
  const warmup = name === 'LinearWarmup' || name === 'NoamDecay' ? number('warmup_steps') : undefined;
  if (warmup !== undefined && warmup > span) {
    say(
      'warmup_steps',
      `${count(warmup, unit)} of warmup but ${within}: the LR is still rising when the run ends; ` +
        `shorten warmup_steps (an expression over total_steps or epochs follows the run) or lengthen the run`,
    );
  }
  if (name === 'LinearWarmup' && warmup !== undefined) {
    visit(args.get('learning_rate')?.value, at('learning_rate'), offset + warmup, span - warmup, walk);
  }
  for (const argument of ['milestones', 'boundaries']) {
    if (!args.has(argument) || name === 'torch.SequentialLR') continue;
    const late = numbersOf(args.get(argument)?.value, walk.variables).filter((m) => m >= span);
    if (late.length === 0) continue;
    say(
      argument,
      `${late.join(', ')} ${late.length === 1 ? 'is' : 'are'} at or past the end of the run (${within}): ` +
        `${late.length === 1 ? 'that change never happens' : 'those changes never happen'}; give ${argument} ` +
        `below ${span} or lengthen the run`,
    );
  }
  const stepSize = name === 'StepDecay' || name === 'torch.StepLR' ? number('step_size') : undefined;
  if (stepSize !== undefined && stepSize >= span) {
    say(
      'step_size',
      `decays every ${count(stepSize, unit)} but ${within}: the LR never decays; give a step_size below ${span}`,
    );
  }
  const tMax =
    name === 'CosineAnnealingDecay' || name === 'torch.CosineAnnealingLR' ? number('T_max') : undefined;
  if (tMax !== undefined && far(tMax, span)) {
    const consequence =
      tMax < span
        ? `the cosine reaches its minimum at ${unit} ${tMax} and the LR rises again for the ${count(span - tMax, unit)} left`
        : `the run ends ${percent(undone(span, tMax))} of the way short of the cosine's minimum`;
    say('T_max', `${count(tMax, unit)} of cosine but ${within}: ${consequence}; give T_max ≈ ${span}`);
  }
  const length = decayLength(name);
  const decay = length === undefined ? undefined : number(length);
  if (length !== undefined && decay !== undefined && decay > span && far(decay, span)) {
    say(
      length,
      `${count(decay, unit)} of decay but ${within}: the run stops about ${percent(1 - span / decay)} of the ` +
        `way before the decay ends; give ${length} ≈ ${span}`,
    );
  }
  if (name === 'torch.SequentialLR') sequential(args, at, offset, span, walk);
  if (name === 'torch.ChainedScheduler') {
    const children = args.get('schedulers')?.value;
    if (!Array.isArray(children)) return;
    for (const [i, child] of children.entries()) visit(child, `${at('schedulers')}.${i}`, offset, span, walk);
  }
}

/** SequentialLR: a milestone past the run never switches; each child is driven between its milestones. */
function sequential(
  args: Arguments,
  at: (argument: string) => string,
  offset: number,
  span: number,
  walk: Walk,
): void {
  const milestones = numbersOf(args.get('milestones')?.value, walk.variables);
  const late = milestones.filter((m) => m >= span);
  if (late.length > 0) {
    walk.found.push({
      key: at('milestones'),
      severity: 'warning',
      message:
        `${late.join(', ')} ${late.length === 1 ? 'is' : 'are'} at or past the end of the run ` +
        `(${stretch(offset, span, walk)}): the schedulers after ${late.length === 1 ? 'it' : 'them'} never run; ` +
        `give milestones below ${span} or lengthen the run`,
    });
  }
  const children = args.get('schedulers')?.value;
  if (!Array.isArray(children)) return;
  children.forEach((child, i) => {
    const start = i === 0 ? 0 : (milestones[i - 1] ?? span);
    const end = Math.min(span, milestones[i] ?? span);
    visit(child, `${at('schedulers')}.${i}`, offset + start, end - start, walk);
  });
}

/** The argument that sets how long a one-way decay lasts, for the classes that have one. */
function decayLength(name: string): string | undefined {
  if (name === 'PolynomialDecay') return 'decay_steps';
  if (name === 'LinearLR' || name === 'OneCycleLR' || name === 'torch.OneCycleLR') return 'total_steps';
  if (name === 'torch.PolynomialLR') return 'total_iters';
  return undefined;
}

/** "the run has 469 steps", or for a nested scheduler the stretch of the run it is driven over. */
function stretch(offset: number, span: number, walk: Walk): string {
  const note = granularityNote(walk.unit);
  if (offset === 0 && span === walk.calls) return `the run has ${count(span, walk.unit)}${note}`;
  return (
    `the run drives it for ${count(span, walk.unit)} (from ${walk.unit} ${offset} of the run's ` +
    `${count(walk.calls, walk.unit)}${note})`
  );
}

function granularityNote(unit: 'step' | 'epoch'): string {
  return unit === 'epoch' ? '; lr_granularity: epoch counts the schedule in epochs' : '';
}

/** Whether a length (a cosine's half-period, a decay) is further from the stretch it covers than the tolerance. */
function far(length: number, span: number): boolean {
  return Math.abs(length - span) > Math.max(1, LENGTH_TOLERANCE * span);
}

/** The share of a cosine's fall still ahead at the run's last call (span − 1) of a half-period `tMax`. */
function undone(span: number, tMax: number): number {
  return (1 + Math.cos((Math.PI * (span - 1)) / tMax)) / 2;
}

function percent(share: number): string {
  return `${Math.round(share * 100)} %`;
}

function count(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

/** A numeric argument's value over the run's variables; undefined for anything else (the build refuses it). */
function numberOf(value: unknown, variables: Readonly<Record<string, number>>): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  try {
    return compileExpression(value, Object.keys(variables)).evaluate(variables);
  } catch {
    return undefined;
  }
}

function numbersOf(value: unknown, variables: Readonly<Record<string, number>>): number[] {
  if (!Array.isArray(value)) return [];
  return value.map((item) => numberOf(item, variables)).filter((item) => item !== undefined);
}
