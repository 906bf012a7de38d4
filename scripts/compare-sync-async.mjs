// The sync-versus-async study: runs the same task for the same epochs in both modes under the same simulated
// conditions, one run at a time, and writes a table, results.json and pictures of the loss against wall time and
// against samples seen, the modes on the same axes. Needs a build: `npm run build`, then
//
//   node scripts/compare-sync-async.mjs [--study conditions|staleness|all] [--out DIR] [--epochs N]
//                                       [--task NAME] [--seed S] [--quick]
//
// Studies:
//   conditions  4 workers, each condition in sync and in async mode: (a) no link effects, (b) the last rank 3×
//               slower, (c) 20 ms ± 5 ms latency at 100 Mbit/s (the `simulate` link keys; a build without them
//               refuses the config, and the table says "not available in this build").
//   staleness   Zhang et al. 2016 in small: async with 2, 4 and 8 workers, `lr_scale: none` against `inverse`,
//               sync with the same worker counts as the reference; checks, from the measured figures, that mean τ
//               grows about as n − 1 and that dividing the LR by τ keeps accuracy near sync.
// Every run: its mode's defaults unless the study says otherwise, the same seed, the given epochs (default 1).
// `--quick`: the synthetic task (or `data_limit` on another task), 2 workers for `conditions` and 2 and 3 for
// `staleness`: the whole script end to end in well under a minute.
//
// Outputs in DIR (default study-out/): results.json, table.md, per condition loss-vs-wall.{svg,png} and
// loss-vs-samples.{svg,png}, and every run's own run directory under DIR/runs/<run id>/.
// Exit: 0 when every run that was available finished, 1 when a run failed (it is in the table), 2 for a bad
// argument or a missing build.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'dist', 'cli', 'main.js');
const PLOT = join(ROOT, 'dist', 'plot', 'index.js');

const STUDIES = ['conditions', 'staleness'];
/** A run that takes longer than this is stopped and recorded as failed. */
const RUN_TIMEOUT_MS = 20 * 60_000;
/** The moving average of the pictures spans this fraction of a run's samples (at least one step). */
const SMOOTHING_FRACTION = 0.02;
/** The loss of a run's last samples, reported beside the (noisy) last step's. */
const TAIL_FRACTION = 0.1;
/** Tolerances of the staleness study's verdicts. */
const TAU_TOLERANCE = 0.3; // mean τ within ±30 % of n − 1
const CLOSE_TO_SYNC_PP = 1.0; // lr_scale inverse within 1 percentage point of sync at every n
const LINK_KEYS = ['latency_ms', 'jitter_ms', 'bandwidth_mbps'];
const NOT_AVAILABLE = 'not available in this build';

const COLORS = { sync: '#1f77b4', async: '#ff7f0e', 'async none': '#ff7f0e', 'async inverse': '#2ca02c' };

const USAGE =
  'usage: node scripts/compare-sync-async.mjs [--study conditions|staleness|all] [--out DIR] [--epochs N] ' +
  '[--task NAME] [--seed S] [--quick]';

function fail(message) {
  console.error(`error: ${message}`);
  console.error(USAGE);
  process.exit(2);
}

function readOptions(argv) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        study: { type: 'string', default: 'all' },
        out: { type: 'string', default: 'study-out' },
        epochs: { type: 'string', default: '1' },
        task: { type: 'string' },
        seed: { type: 'string', default: '1' },
        quick: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    }));
  } catch (error) {
    fail(error.message);
  }
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  if (values.study !== 'all' && !STUDIES.includes(values.study))
    fail(`--study must be conditions, staleness or all, received ${JSON.stringify(values.study)}`);
  const epochs = Number(values.epochs);
  if (!Number.isInteger(epochs) || epochs < 1)
    fail(`--epochs must be a positive integer, received ${JSON.stringify(values.epochs)}`);
  const seed = Number(values.seed);
  if (!Number.isInteger(seed) || seed < 0)
    fail(`--seed must be an integer >= 0, received ${JSON.stringify(values.seed)}`);
  const task = values.task ?? (values.quick ? 'synthetic' : 'mnist-mlp');
  return Object.freeze({
    studies: values.study === 'all' ? STUDIES : [values.study],
    out: resolve(values.out),
    epochs,
    seed,
    task,
    quick: values.quick,
  });
}

/** The settings every run shares; quick runs on another task than synthetic keep only a few examples. */
function baseConfig(options) {
  const base = { task: options.task, epochs: options.epochs, seed: options.seed, progress: false };
  if (options.quick && options.task !== 'synthetic') return { ...base, data_limit: 2048, eval_limit: 1000 };
  return base;
}

/**
 * The conditions and their runs. A condition is one picture: its runs on the same axes.
 * A run: `{ id, study, condition, series, config }` where config is the run config given to `dptrain launch`.
 */
function plan(options) {
  const base = baseConfig(options);
  const conditions = [];
  if (options.studies.includes('conditions')) {
    const workers = options.quick ? 2 : 4;
    const slowRank = workers - 1;
    const cases = [
      { key: 'a', name: 'no link effects', simulate: undefined },
      { key: 'b', name: `rank ${slowRank} 3× slower`, simulate: { slow: { [slowRank]: 3.0 } } },
      {
        key: 'c',
        name: '20 ms ± 5 ms latency, 100 Mbit/s',
        simulate: { latency_ms: 20, jitter_ms: 5, bandwidth_mbps: 100 },
        linkKeys: true,
      },
    ];
    for (const c of cases) {
      const id = `conditions-${c.key}`;
      const runs = ['sync', 'async'].map((mode) => ({
        id: `${id}-${mode}`,
        study: 'conditions',
        condition: id,
        series: mode,
        linkKeys: c.linkKeys === true,
        config: { ...base, workers, mode, ...(c.simulate === undefined ? {} : { simulate: c.simulate }) },
      }));
      conditions.push({ id, study: 'conditions', title: `(${c.key}) ${c.name}, ${workers} workers`, runs });
    }
  }
  if (options.studies.includes('staleness')) {
    for (const workers of options.quick ? [2, 3] : [2, 4, 8]) {
      const id = `staleness-w${workers}`;
      const runs = [
        { series: 'sync', config: { ...base, workers, mode: 'sync' } },
        { series: 'async none', config: { ...base, workers, mode: 'async', async: { lr_scale: 'none' } } },
        {
          series: 'async inverse',
          config: { ...base, workers, mode: 'async', async: { lr_scale: 'inverse' } },
        },
      ].map((run) => ({
        ...run,
        id: `${id}-${run.series.replace(' ', '-')}`,
        study: 'staleness',
        condition: id,
        linkKeys: false,
      }));
      conditions.push({ id, study: 'staleness', title: `staleness, ${workers} workers`, runs });
    }
  }
  return conditions;
}

/** Runs `dptrain launch` on a run's config; resolves with its exit code, output and run directory. */
function launch(configFile, outDir) {
  return new Promise((done) => {
    const started = performance.now();
    const child = spawn(process.execPath, [CLI, 'launch', configFile, '--out', outDir], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
    }, RUN_TIMEOUT_MS);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const match = /^run directory: (.+)$/m.exec(stdout);
      done({
        code: code ?? (signal === 'SIGTERM' ? 143 : 1),
        signal,
        timedOut,
        stdout,
        stderr,
        runDirectory: match === null ? null : resolve(ROOT, match[1].trim()),
        seconds: (performance.now() - started) / 1000,
      });
    });
  });
}

async function readJsonLines(path) {
  const text = await readFile(path, 'utf8');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line));
}

/** A number written by the run directory as "NaN"/"Infinity" back to a number; null stays null. */
function num(value) {
  if (value === null || value === undefined) return null;
  return typeof value === 'number' ? value : Number(value);
}

/**
 * The curves of one run from its metrics.jsonl. Wall time is the sum of `roundMs` (the time from the previous
 * step's end to this one's, the first from training start), so the last point is the run's trainSeconds.
 */
function curves(metrics) {
  const wall = [];
  const samples = [];
  const loss = [];
  let ms = 0;
  let seen = 0;
  for (const line of metrics) {
    ms += line.roundMs;
    seen += line.samples;
    wall.push(ms / 1000);
    samples.push(seen);
    loss.push(num(line.loss));
  }
  return { wall, samples, loss };
}

/** Mean loss over the steps that hold the last `fraction` of the run's samples. */
function tailLoss(curve, fraction) {
  const total = curve.samples.at(-1);
  if (total === undefined) return null;
  const from = total * (1 - fraction);
  const tail = curve.loss.filter((l, i) => curve.samples[i] > from && Number.isFinite(l));
  return tail.length === 0 ? null : tail.reduce((a, b) => a + b, 0) / tail.length;
}

function movingAverage(values, window) {
  const out = [];
  let sum = 0;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    const v = Number.isFinite(values[i]) ? values[i] : 0;
    sum += v;
    count += 1;
    if (i >= window) {
      sum -= Number.isFinite(values[i - window]) ? values[i - window] : 0;
      count -= 1;
    }
    out.push(sum / count);
  }
  return out;
}

/** The refused-config message of a build that does not know the link keys, or null. */
function unknownLinkKey(result) {
  if (result.code !== 2) return null;
  const line = result.stderr.split('\n').find((l) => l.startsWith('error:')) ?? '';
  const named = LINK_KEYS.some((key) => line.includes(key));
  return named && /not a key|unknown/i.test(line) ? line.replace(/^error:\s*/, '') : null;
}

async function runOne(run, options, index, total) {
  const dir = join(options.out, 'runs', run.id);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const configFile = join(dir, 'run-config.yaml');
  await writeFile(configFile, stringify(run.config));
  const label = `[${index}/${total}] ${run.id}`;
  process.stdout.write(`${label} … `);
  const result = await launch(configFile, dir);
  await writeFile(join(dir, 'launch.log'), `${result.stdout}${result.stderr}`);
  const record = {
    id: run.id,
    study: run.study,
    condition: run.condition,
    series: run.series,
    config: run.config,
    exitCode: result.code,
    status: 'finished',
    error: null,
    runDirectory: result.runDirectory === null ? null : relative(options.out, result.runDirectory),
    launchSeconds: Math.round(result.seconds * 10) / 10,
    figures: null,
    curve: null,
  };
  const refusal = run.linkKeys ? unknownLinkKey(result) : null;
  if (refusal !== null) {
    record.status = 'not-available';
    record.error = `${NOT_AVAILABLE}: ${refusal}`;
    console.log(`${NOT_AVAILABLE} (exit 2)`);
    return record;
  }
  const summaryPath = result.runDirectory === null ? null : join(result.runDirectory, 'summary.json');
  const summary =
    summaryPath !== null && existsSync(summaryPath) ? JSON.parse(await readFile(summaryPath)) : null;
  if (result.code !== 0 || summary === null || summary.outcome !== 'finished') {
    record.status = 'failed';
    const errorLine = result.stderr.split('\n').find((l) => l.startsWith('error:'));
    record.error = result.timedOut
      ? `stopped after ${RUN_TIMEOUT_MS / 60_000} min`
      : (errorLine?.replace(/^error:\s*/, '') ?? summary?.failure?.message ?? 'no error line');
  }
  if (summary !== null) {
    const metricsPath = join(result.runDirectory, 'metrics.jsonl');
    const curve = existsSync(metricsPath) ? curves(await readJsonLines(metricsPath)) : null;
    const staleness = summary.staleness;
    record.figures = {
      steps: summary.steps,
      samples: summary.samples,
      wallSeconds: summary.wallSeconds,
      trainSeconds: summary.trainSeconds,
      samplesPerSec: summary.samplesPerSec,
      finalLoss: num(summary.finalLoss),
      tailLoss: curve === null ? null : tailLoss(curve, TAIL_FRACTION),
      evalAccuracy: num(summary.evalAccuracy),
      meanTau: staleness?.mean ?? null,
      p99Tau: staleness?.p99 ?? null,
      maxTau: staleness?.max ?? null,
      dropped: staleness?.dropped ?? null,
      lateAfterEnd: staleness?.lateAfterEnd ?? null,
      skippedSteps: summary.skippedSteps,
      lrConsistent: summary.lrConsistency?.consistent ?? null,
      backend: summary.backend,
    };
    record.curve = curve;
  }
  const f = record.figures;
  const said =
    record.status === 'failed'
      ? `failed (exit ${record.exitCode}): ${record.error}`
      : `${f.wallSeconds} s, ${f.samplesPerSec} samples/s, accuracy ${fmt(f.evalAccuracy, 4)}` +
        (f.meanTau === null ? '' : `, mean τ ${fmt(f.meanTau, 2)}`);
  console.log(said);
  return record;
}

function fmt(value, digits) {
  return value === null || value === undefined || Number.isNaN(value) ? '—' : value.toFixed(digits);
}

function fmtInt(value) {
  return value === null || value === undefined ? '—' : Math.round(value).toLocaleString('en-US');
}

function policyOf(config) {
  const parts = [];
  if (config.mode === 'async') parts.push(`lr_scale ${config.async?.lr_scale ?? 'none'}`);
  const sim = config.simulate;
  if (sim?.slow !== undefined)
    for (const [rank, f] of Object.entries(sim.slow)) parts.push(`rank ${rank} ×${f}`);
  if (sim?.latency_ms !== undefined)
    parts.push(`${sim.latency_ms}±${sim.jitter_ms ?? 0} ms, ${sim.bandwidth_mbps} Mbit/s`);
  return parts.length === 0 ? 'defaults' : parts.join(', ');
}

const TABLE_HEADER = [
  'run',
  'mode',
  'workers',
  'settings',
  'outcome',
  'wall s',
  'train s',
  'samples/s',
  'final loss',
  `loss, last ${TAIL_FRACTION * 100} %`,
  'test accuracy',
  'mean τ',
  'p99 τ',
  'drops',
];

function tableRow(record) {
  const f = record.figures;
  const outcome =
    record.status === 'finished'
      ? 'finished'
      : record.status === 'not-available'
        ? NOT_AVAILABLE
        : `failed, exit ${record.exitCode}: ${record.error}`;
  const cells = [
    record.id,
    record.config.mode,
    String(record.config.workers),
    policyOf(record.config),
    outcome.replaceAll('|', '\\|'),
    fmt(f?.wallSeconds, 1),
    fmt(f?.trainSeconds, 2),
    fmtInt(f?.samplesPerSec),
    fmt(f?.finalLoss, 4),
    fmt(f?.tailLoss, 4),
    fmt(f?.evalAccuracy, 4),
    fmt(f?.meanTau, 2),
    f?.p99Tau === null || f?.p99Tau === undefined ? '—' : String(f.p99Tau),
    f?.dropped === null || f?.dropped === undefined ? '—' : String(f.dropped),
  ];
  return `| ${cells.join(' | ')} |`;
}

function markdownTable(records) {
  return [
    `| ${TABLE_HEADER.join(' | ')} |`,
    `|${TABLE_HEADER.map(() => '---').join('|')}|`,
    ...records.map(tableRow),
  ].join('\n');
}

/** The pictures of one condition: loss against wall time and against samples seen, its runs on the same axes. */
async function drawCondition(condition, records, options, plot) {
  const drawn = records.filter((r) => r.curve !== null && r.curve.loss.length > 0);
  if (drawn.length === 0) return [];
  const dir = join(options.out, condition.id);
  await mkdir(dir, { recursive: true });
  const positive = drawn.every((r) => r.curve.loss.every((l) => !Number.isFinite(l) || l > 0));
  // One window in samples for every run of the picture: a fraction of the longest run, at least one step of each.
  const span = Math.max(
    ...drawn.map((r) => Math.max(r.curve.samples.at(-1) * SMOOTHING_FRACTION, r.curve.samples[0])),
  );
  const series = (x) =>
    drawn.map((r) => {
      const perStep = r.curve.samples[0];
      const window = Math.max(1, Math.round(span / perStep));
      const name =
        `${r.series} (${r.status === 'finished' ? '' : 'failed, '}` +
        `mean of ${fmtInt(window * perStep)} samples)`;
      return { name, x: r.curve[x], y: movingAverage(r.curve.loss, window), color: COLORS[r.series] };
    });
  const pictures = [
    { file: 'loss-vs-wall', xLabel: 'wall time since training started (s)', x: 'wall' },
    { file: 'loss-vs-samples', xLabel: 'training samples seen', x: 'samples' },
  ];
  const written = [];
  for (const picture of pictures) {
    const svg = plot.renderSvg({
      title: `Training loss, ${condition.title} (${options.task})`,
      xLabel: picture.xLabel,
      yLabel: 'training loss (moving average)',
      yScale: positive ? 'log' : 'linear',
      series: series(picture.x),
    });
    await writeFile(join(dir, `${picture.file}.svg`), svg);
    await writeFile(join(dir, `${picture.file}.png`), plot.svgToPng(svg, { width: 1200 }));
    written.push(`${condition.id}/${picture.file}.svg`, `${condition.id}/${picture.file}.png`);
  }
  return written;
}

function finishedFigures(records, condition, series) {
  const r = records.find((x) => x.condition === condition && x.series === series);
  return r?.status === 'finished' ? r.figures : null;
}

/** a − b in percentage points of accuracy */
const pp = (a, b) => (a - b) * 100;
const signedPoints = (x) => (x >= 0 ? `+${x.toFixed(2)}` : x.toFixed(2));

/** Conditions study: async against sync per condition, from the figures. */
function conditionFindings(conditions, records) {
  const lines = [];
  for (const c of conditions.filter((x) => x.study === 'conditions')) {
    const sync = finishedFigures(records, c.id, 'sync');
    const async = finishedFigures(records, c.id, 'async');
    if (sync === null || async === null) {
      const missing = records.filter((r) => r.condition === c.id && r.status !== 'finished');
      const why = missing.some((r) => r.status === 'not-available') ? NOT_AVAILABLE : 'a run failed';
      lines.push(`${c.title}: no comparison (${why})`);
      continue;
    }
    const speed = async.samplesPerSec / sync.samplesPerSec;
    lines.push(
      `${c.title}: async ${speed.toFixed(2)}× the samples/s of sync ` +
        `(${fmtInt(async.samplesPerSec)} against ${fmtInt(sync.samplesPerSec)}), ` +
        `test accuracy ${fmt(async.evalAccuracy, 4)} against ${fmt(sync.evalAccuracy, 4)} ` +
        `(${signedPoints(pp(async.evalAccuracy, sync.evalAccuracy))} points), mean τ ${fmt(async.meanTau, 2)}`,
    );
  }
  return lines;
}

function increasing(values) {
  return values.every((v, i) => i === 0 || v > values[i - 1]);
}

/** Staleness study: the paper's two claims, checked against the measured figures. */
function stalenessFindings(conditions, records) {
  const rows = conditions
    .filter((c) => c.study === 'staleness')
    .map((c) => ({
      n: c.runs[0].config.workers,
      sync: finishedFigures(records, c.id, 'sync'),
      none: finishedFigures(records, c.id, 'async none'),
      inverse: finishedFigures(records, c.id, 'async inverse'),
    }));
  if (rows.length === 0) return [];
  const lines = [];
  const withTau = rows.filter((r) => r.none !== null || r.inverse !== null);
  const meanTau = (r) => {
    const taus = [r.none?.meanTau, r.inverse?.meanTau].filter((t) => typeof t === 'number');
    return taus.reduce((a, b) => a + b, 0) / taus.length;
  };
  if (withTau.length < 2) {
    lines.push('mean τ by workers: cannot tell (fewer than two worker counts with a finished async run)');
  } else {
    const taus = withTau.map(meanTau);
    lines.push(
      `mean τ by workers (mean of the two async runs): ` +
        `${withTau.map((r, i) => `${r.n}→${taus[i].toFixed(2)}`).join(', ')} ` +
        `(n−1: ${withTau.map((r) => r.n - 1).join(', ')})`,
    );
    const grows = increasing(taus);
    const near = withTau.every((r, i) => Math.abs(taus[i] - (r.n - 1)) <= TAU_TOLERANCE * (r.n - 1));
    lines.push(
      `  grows with the number of workers: ${grows ? 'yes' : 'no'}; about n − 1 (within ±${TAU_TOLERANCE * 100} %): ` +
        `${near ? 'yes' : 'no'} (ratios τ/(n−1): ${withTau.map((r, i) => (taus[i] / (r.n - 1)).toFixed(2)).join(', ')})` +
        ` → ${grows && near ? 'agrees with the paper' : 'does not agree with the paper'}`,
    );
  }
  const complete = rows.filter((r) => r.sync !== null && r.none !== null && r.inverse !== null);
  if (complete.length < 2) {
    lines.push(
      'accuracy against sync: cannot tell (fewer than two worker counts with all three runs finished)',
    );
    return lines;
  }
  const gapNone = complete.map((r) => pp(r.sync.evalAccuracy, r.none.evalAccuracy));
  const gapInverse = complete.map((r) => pp(r.sync.evalAccuracy, r.inverse.evalAccuracy));
  // the gaps are sync − async; printed as async − sync
  const signed = (gap) => signedPoints(-gap);
  lines.push(
    `test accuracy, points against sync (async − sync): lr_scale none ` +
      `${complete.map((r, i) => `${r.n}→${signed(gapNone[i])}`).join(', ')}; lr_scale inverse ` +
      `${complete.map((r, i) => `${r.n}→${signed(gapInverse[i])}`).join(', ')}`,
  );
  const inverseClose = gapInverse.every((g) => Math.abs(g) <= CLOSE_TO_SYNC_PP);
  const noneDegrades = increasing(gapNone) && gapNone.at(-1) > gapInverse.at(-1);
  lines.push(
    `  inverse within ${CLOSE_TO_SYNC_PP} point of sync at every n: ${inverseClose ? 'yes' : 'no'}; ` +
      `none falls further behind sync as n grows, and behind inverse at n = ${complete.at(-1).n}: ` +
      `${noneDegrades ? 'yes' : 'no'} → ${inverseClose && noneDegrades ? 'agrees with the paper' : 'does not agree with the paper'}`,
  );
  return lines;
}

async function main() {
  const options = readOptions(process.argv.slice(2));
  if (!existsSync(CLI) || !existsSync(PLOT)) {
    console.error(`error: ${relative(process.cwd(), CLI)} is missing: run \`npm run build\` first`);
    process.exit(2);
  }
  const plot = await import(PLOT);
  const conditions = plan(options);
  const runs = conditions.flatMap((c) => c.runs);
  await mkdir(join(options.out, 'runs'), { recursive: true });
  console.log(
    `sync-versus-async study: ${options.studies.join(' + ')}, task ${options.task}, ${options.epochs} epoch(s), ` +
      `seed ${options.seed}${options.quick ? ', quick' : ''}: ${runs.length} runs, one at a time, into ${options.out}`,
  );
  const started = performance.now();
  const records = [];
  for (const run of runs) records.push(await runOne(run, options, records.length + 1, runs.length));

  const pictures = [];
  for (const c of conditions)
    pictures.push(
      ...(await drawCondition(
        c,
        records.filter((r) => r.condition === c.id),
        options,
        plot,
      )),
    );
  const findings = {
    conditions: conditionFindings(conditions, records),
    staleness: stalenessFindings(conditions, records),
  };
  const minutes = (performance.now() - started) / 60_000;
  const failed = records.filter((r) => r.status === 'failed');

  const results = {
    generated: new Date().toISOString(),
    options: { ...options, out: undefined },
    node: process.version,
    minutes: Math.round(minutes * 100) / 100,
    conditions: conditions.map((c) => ({
      id: c.id,
      study: c.study,
      title: c.title,
      runs: c.runs.map((r) => r.id),
    })),
    runs: records.map(({ curve: _curve, ...record }) => record),
    findings,
    pictures,
  };
  await writeFile(join(options.out, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);

  const sections = [
    '# Sync against async',
    '',
    `Task \`${options.task}\`, ${options.epochs} epoch(s), seed ${options.seed}${options.quick ? ' (quick)' : ''}, ` +
      `each mode's defaults; ${records.length} runs one after another in ${minutes.toFixed(1)} min ` +
      `(${new Date().toISOString().slice(0, 10)}, Node ${process.version}). Wall s is the launch to the end ` +
      `(start-up and evaluation included), train s the training alone; samples/s = samples ÷ train s; ` +
      `final loss is the last step's (one worker batch in async mode); τ is the staleness of applied updates; ` +
      `drops are gradients the policy did not apply.`,
    '',
    markdownTable(records),
    '',
  ];
  for (const [study, lines] of Object.entries(findings)) {
    if (lines.length === 0) continue;
    sections.push(
      `## ${study}`,
      '',
      ...lines.map((l) => (l.startsWith('  ') ? `  - ${l.trim()}` : `- ${l}`)),
      '',
    );
  }
  if (pictures.length > 0)
    sections.push(
      '## Pictures',
      '',
      ...pictures.filter((p) => p.endsWith('.png')).map((p) => `![${p}](${p})`),
      '',
    );
  await writeFile(join(options.out, 'table.md'), sections.join('\n'));

  console.log('');
  for (const lines of Object.values(findings)) for (const line of lines) console.log(line);
  console.log(
    `\n${records.length} runs in ${minutes.toFixed(1)} min; ${failed.length} failed; ` +
      `${records.filter((r) => r.status === 'not-available').length} ${NOT_AVAILABLE}`,
  );
  console.log(`table: ${join(options.out, 'table.md')}`);
  process.exit(failed.length === 0 ? 0 : 1);
}

await main();
