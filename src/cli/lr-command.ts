import { writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parseConfigFile, readLrFile } from '../dialects/index.js';
import { UsageError } from '../errors.js';
import {
  applyCall,
  createScheduler,
  parseCalls,
  type Scheduler,
  type SchedulerCall,
  type StateDict,
  warmupEnd,
} from '../lr/index.js';
import { type LineChart, type Marker, renderAscii, renderSvg, svgToPng } from '../plot/index.js';
import { integerFlag, parseCommandArgs, positionals, stringFlag } from './args.js';
import { commandFlags, commandSpec } from './command-table.js';
import { inConfigFile, readConfigText } from './config-file.js';
import type { CommandIo } from './io.js';

const VALUES_USAGE = commandSpec('lr values').usage[0]!;
const PLOT_USAGE = commandSpec('lr plot').usage[0]!;

/** The LR after construction and after each call, optionally through a save/restore at call K. */
export interface LrTrace {
  readonly values: number[];
  readonly warnings: string[];
  readonly scheduler: Scheduler;
}

/**
 * Runs a scheduler config for `steps` calls. `restoreAt` = K: after K calls, serialise `stateDict()` to JSON,
 * build a fresh scheduler from the same config, `setStateDict()` it and make the remaining calls on it.
 *
 * @example
 * traceSchedule({ name: 'StepDecay', learning_rate: 1, step_size: 1 }, 'lr', 2).values; // [1, 0.1, 0.010000000000000002]
 */
export function traceSchedule(
  config: unknown,
  path: string,
  steps: number,
  calls?: readonly SchedulerCall[],
  restoreAt?: number,
  variables?: Readonly<Record<string, number>>,
): LrTrace {
  const options = { path, ...(variables === undefined ? {} : { variables }) };
  let scheduler = createScheduler(config, options);
  const values = [scheduler.lastLr];
  const warnings: string[] = [];
  for (let k = 1; k <= steps; k++) {
    if (restoreAt === k - 1) {
      const saved = JSON.parse(JSON.stringify(scheduler.stateDict())) as StateDict;
      scheduler = createScheduler(config, options);
      warnings.push(...scheduler.setStateDict(saved));
    }
    applyCall(scheduler, calls?.[k - 1] ?? null);
    values.push(scheduler.lastLr);
  }
  return { values, warnings, scheduler };
}

/** A scheduler config file read for `lr values` / `lr plot`, with the run variables its expressions are given. */
export interface SchedulerFile {
  readonly config: unknown;
  readonly path: string;
  /** What a Paddle dialect file was read for and what of it was ignored (one warning line), or null. */
  readonly note: string | null;
  readonly variables?: Readonly<Record<string, number>>;
}

const RUN_FLAGS = { stepsPerEpoch: '--steps-per-epoch', epochs: '--epochs' } as const;

/**
 * Reads a config file: dptrain's scheduler at its top level or under `lr:` / `lr_scheduler:`, or a PaddleOCR or
 * PaddleDetection file (see the dialects part), with `--steps-per-epoch` and `--epochs` as the run's variables
 * (`total_steps` = K × E). A config that needs a variable no flag gave is refused, naming the flag.
 */
export async function readSchedulerConfig(
  file: string,
  run: { readonly stepsPerEpoch?: number; readonly epochs?: number } = {},
): Promise<SchedulerFile> {
  const text = await readConfigText(file);
  const document = inConfigFile(file, () => parseConfigFile(text));
  const { config, path, note } = readLrFile(document, run, (name, needer) => {
    throw new UsageError(
      `${needer} counts in epochs and needs the run's ${name === 'epochs' ? 'epochs' : 'steps per epoch'}: give ${RUN_FLAGS[name]} ${name === 'epochs' ? 'E' : 'K'}`,
    );
  });
  const variables: Record<string, number> = {};
  if (run.stepsPerEpoch !== undefined) variables.steps_per_epoch = run.stepsPerEpoch;
  if (run.epochs !== undefined) variables.epochs = run.epochs;
  if (run.stepsPerEpoch !== undefined && run.epochs !== undefined)
    variables.total_steps = run.stepsPerEpoch * run.epochs;
  for (const name of ['steps_per_epoch', 'epochs', 'total_steps']) {
    if (Object.hasOwn(variables, name) || !mentions(config, name)) continue;
    const flags =
      name === 'total_steps'
        ? '--steps-per-epoch K and --epochs E'
        : name === 'epochs'
          ? '--epochs E'
          : '--steps-per-epoch K';
    throw new UsageError(`${file}: the schedule is written over ${name}; give ${flags}`);
  }
  return { config, path, note, ...(Object.keys(variables).length === 0 ? {} : { variables }) };
}

/** Whether a string anywhere in the config names the run variable. */
function mentions(value: unknown, name: string): boolean {
  if (typeof value === 'string') return new RegExp(`\\b${name}\\b`).test(value);
  if (Array.isArray(value)) return value.some((item) => mentions(item, name));
  if (typeof value === 'object' && value !== null)
    return Object.values(value).some((item) => mentions(item, name));
  return false;
}

/** `--steps-per-epoch K` and `--epochs E`, each a positive integer when given. */
function runFlags(values: Readonly<Record<string, unknown>>): { stepsPerEpoch?: number; epochs?: number } {
  const k = stringFlag(values['steps-per-epoch'] as string | boolean | undefined);
  const e = stringFlag(values.epochs as string | boolean | undefined);
  return {
    ...(k === undefined ? {} : { stepsPerEpoch: integerFlag('steps-per-epoch', k, 1) }),
    ...(e === undefined ? {} : { epochs: integerFlag('epochs', e, 1) }),
  };
}

/** `dptrain lr values`: one JSON line of N+1 learning rates on stdout. */
export async function lrValuesCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals: rest } = parseCommandArgs(
    argv,
    commandFlags('lr values'),
    'dptrain lr values',
  );
  const [file] = positionals(rest, ['<config>'], VALUES_USAGE);
  const steps = integerFlag('steps', stringFlag(values.steps), 0);
  const restoreFlag = stringFlag(values['restore-at']);
  const restoreAt = restoreFlag === undefined ? undefined : integerFlag('restore-at', restoreFlag, 0, steps);
  const callsFile = stringFlag(values.calls);
  const calls = callsFile === undefined ? undefined : await readCalls(callsFile, steps);
  const { config, path, note, variables } = await readSchedulerConfig(file!, runFlags(values));
  if (note !== null) io.stderr(`warning: ${note}`);
  const trace = traceSchedule(config, path, steps, calls, restoreAt, variables);
  for (const warning of trace.warnings) io.stderr(`warning: ${warning}`);
  io.stdout(JSON.stringify(trace.values));
  return 0;
}

async function readCalls(file: string, steps: number): Promise<SchedulerCall[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readConfigText(file, '--calls file'));
  } catch (error) {
    if (error instanceof SyntaxError)
      throw new UsageError(`--calls ${file} is not valid JSON: ${error.message}`);
    throw error;
  }
  return parseCalls(parsed, steps);
}

/** `dptrain lr plot`: the LR curve as SVG, PNG or terminal text, with a marker where warmup ends. */
export async function lrPlotCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals: rest } = parseCommandArgs(argv, commandFlags('lr plot'), 'dptrain lr plot');
  const [file] = positionals(rest, ['<config>'], PLOT_USAGE);
  const steps = integerFlag('steps', stringFlag(values.steps), 0);
  const output = stringFlag(values.output);
  const format = output === undefined ? undefined : extname(output).toLowerCase();
  if (output === undefined && values.ascii !== true)
    throw new UsageError(`give -o lr.svg, -o lr.png or --ascii; usage: ${PLOT_USAGE}`);
  if (format !== undefined && format !== '.svg' && format !== '.png') {
    throw new UsageError(`-o must name a .svg or .png file, received "${output}"`);
  }
  const callsFile = stringFlag(values.calls);
  const calls = callsFile === undefined ? undefined : await readCalls(callsFile, steps);
  const run = runFlags(values);
  const { config, path, note, variables } = await readSchedulerConfig(file!, run);
  if (note !== null) io.stderr(`warning: ${note}`);
  const trace = traceSchedule(config, path, steps, calls, undefined, variables);
  for (const warning of trace.warnings) io.stderr(`warning: ${warning}`);
  const logY = values['log-y'] === true;
  if (logY) checkLogY(trace.values);
  const chart: LineChart = {
    title: `${trace.scheduler.className} — ${steps} steps`,
    xLabel: 'scheduler calls',
    yLabel: logY ? 'learning rate (log scale)' : 'learning rate',
    yScale: logY ? 'log' : 'linear',
    // the LR after call k is the one in force until call k + 1
    series: [{ name: 'lr', x: trace.values.map((_, k) => k), y: trace.values, steps: true }],
    markers: warmupMarkers(trace.scheduler),
    // one scheduler call per step: an epoch is K calls
    ...(run.stepsPerEpoch === undefined ? {} : { stepsPerEpoch: run.stepsPerEpoch }),
  };
  if (values.ascii === true) io.stdout(renderAscii(chart));
  if (output !== undefined) {
    const svg = renderSvg(chart);
    await writeFile(output, format === '.png' ? svgToPng(svg, { width: 1200 }) : svg);
    io.stderr(`wrote ${output}`);
  }
  return 0;
}

/** A log axis cannot draw an LR ≤ 0, and a curve with silent holes would mislead: refuse, naming the first. */
function checkLogY(lrs: readonly number[]): void {
  const at = lrs.findIndex((lr) => !(lr > 0));
  if (at === -1) return;
  throw new UsageError(
    `--log-y needs every learning rate > 0, received ${String(lrs[at])} after ${at} calls; ` +
      'drop --log-y, or start the schedule above 0 (e.g. a LinearWarmup start_lr > 0)',
  );
}

/** A marker where the rise of the schedule ends. */
function warmupMarkers(scheduler: Scheduler): Marker[] {
  const end = warmupEnd(scheduler);
  return end === null ? [] : [{ x: end.calls, label: `${end.label} (step ${end.calls})` }];
}
