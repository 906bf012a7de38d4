import { writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { UsageError } from '../errors.js';
import {
  applyCall,
  createScheduler,
  loadSchedulerConfig,
  parseCalls,
  type Scheduler,
  type SchedulerCall,
  type StateDict,
  warmupEnd,
} from '../lr/index.js';
import { type Marker, renderAscii, renderSvg, svgToPng } from '../plot/index.js';
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
): LrTrace {
  let scheduler = createScheduler(config, { path });
  const values = [scheduler.lastLr];
  const warnings: string[] = [];
  for (let k = 1; k <= steps; k++) {
    if (restoreAt === k - 1) {
      const saved = JSON.parse(JSON.stringify(scheduler.stateDict())) as StateDict;
      scheduler = createScheduler(config, { path });
      warnings.push(...scheduler.setStateDict(saved));
    }
    applyCall(scheduler, calls?.[k - 1] ?? null);
    values.push(scheduler.lastLr);
  }
  return { values, warnings, scheduler };
}

/** Reads a config file: the scheduler at its top level or under `lr:`. */
export async function readSchedulerConfig(file: string): Promise<{ config: unknown; path: string }> {
  const text = await readConfigText(file);
  return inConfigFile(file, () => loadSchedulerConfig(text));
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
  const { config, path } = await readSchedulerConfig(file!);
  const trace = traceSchedule(config, path, steps, calls, restoreAt);
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
  const { config, path } = await readSchedulerConfig(file!);
  const trace = traceSchedule(config, path, steps, calls);
  for (const warning of trace.warnings) io.stderr(`warning: ${warning}`);
  const chart = {
    title: `${trace.scheduler.className} — ${steps} steps`,
    xLabel: 'scheduler calls',
    yLabel: 'learning rate',
    series: [{ name: 'lr', x: trace.values.map((_, k) => k), y: trace.values }],
    markers: warmupMarkers(trace.scheduler),
  };
  if (values.ascii === true) io.stdout(renderAscii(chart));
  if (output !== undefined) {
    const svg = renderSvg(chart);
    await writeFile(output, format === '.png' ? svgToPng(svg, { width: 1200 }) : svg);
    io.stderr(`wrote ${output}`);
  }
  return 0;
}

/** A marker where the rise of the schedule ends. */
function warmupMarkers(scheduler: Scheduler): Marker[] {
  const end = warmupEnd(scheduler);
  return end === null ? [] : [{ x: end.calls, label: `${end.label} (step ${end.calls})` }];
}
