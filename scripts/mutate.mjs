#!/usr/bin/env node
/**
 * Mutation runner: checks that the tests guard what they claim to guard. For each entry of
 * scripts/mutations.json it copies the working tree (tracked files and untracked files not ignored, as they
 * are on disk) into a scratch directory, applies the entry's edit there, builds, and runs the entry's
 * `killedBy` test files. The mutation is killed when those tests fail, and survived when they pass: a
 * survivor is a bug the tests would not notice. The working tree itself is only read, never written, so an
 * interrupted or crashed run cannot leave it modified; scratch directories are removed on every exit path.
 *
 *   node scripts/mutate.mjs                run every mutation
 *   node scripts/mutate.mjs --only <id>    run one (repeatable)
 *   node scripts/mutate.mjs --list         list the mutations and check their edits apply, run nothing
 *   --verbose      print the build and test output of every run
 *   --timeout <s>  stop a build or test run after this many seconds and count the mutation killed
 *                  (default 600)
 *
 * Entries: { "id", "file", "find", "replace", "why", "killedBy": ["test/…test.ts", …] }, where `find` must
 * occur exactly once in `file`; an optional "testNamePattern" runs only the tests whose names match it, to show
 * which test kills the mutation. Exit status: 0 if every mutation was killed, 1 if one survived, an entry is
 * invalid, or the listed tests fail even without any mutation; 2 on a usage error.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const LIST = join(ROOT, 'scripts', 'mutations.json');
const FIELDS = ['id', 'file', 'find', 'replace', 'why', 'killedBy'];
/** Optional: only the tests whose names match this pattern run (to show which test kills a mutation). */
const OPTIONAL_FIELDS = ['testNamePattern'];
/** Paths never copied into a scratch tree: it gets its own node_modules link and builds its own dist. */
const SKIPPED = ['node_modules', 'dist', '.vitest-report.json'];

const USAGE = 'usage: node scripts/mutate.mjs [--list] [--only <id>]… [--verbose] [--timeout <seconds>]';

function parseArgs(argv) {
  const options = { list: false, only: [], verbose: false, timeoutMs: 600_000 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--list') options.list = true;
    else if (arg === '--verbose') options.verbose = true;
    else if (arg === '--only' || arg === '--timeout') {
      const value = argv[++i];
      if (value === undefined) usageError(`${arg} needs a value`);
      if (arg === '--only') options.only.push(value);
      else {
        const seconds = Number(value);
        if (!(seconds > 0)) usageError(`--timeout must be a positive number of seconds, received ${value}`);
        options.timeoutMs = seconds * 1000;
      }
    } else if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else usageError(`unknown argument ${arg}`);
  }
  return options;
}

function usageError(message) {
  console.error(`mutate: ${message}\n${USAGE}`);
  process.exit(2);
}

/** Reads and checks the list; returns { mutations, problems } with one message per problem found. */
function readMutations() {
  let list;
  try {
    list = JSON.parse(readFileSync(LIST, 'utf8'));
  } catch (error) {
    return { mutations: [], problems: [`cannot read ${relative(ROOT, LIST)}: ${error.message}`] };
  }
  if (!Array.isArray(list)) return { mutations: [], problems: ['mutations.json must hold an array'] };
  const problems = [];
  const seen = new Set();
  for (const [index, entry] of list.entries()) {
    const name = typeof entry?.id === 'string' ? entry.id : `entry ${index}`;
    const missing = FIELDS.filter((field) => entry?.[field] === undefined);
    if (missing.length > 0) {
      problems.push(`${name}: missing ${missing.join(', ')}`);
      continue;
    }
    const strings = ['id', 'file', 'find', 'replace', 'why'].filter((f) => typeof entry[f] !== 'string');
    if (strings.length > 0) problems.push(`${name}: ${strings.join(', ')} must be strings`);
    const unknown = Object.keys(entry).filter((k) => !FIELDS.includes(k) && !OPTIONAL_FIELDS.includes(k));
    if (unknown.length > 0) problems.push(`${name}: unknown field ${unknown.join(', ')}`);
    if (entry.testNamePattern !== undefined && typeof entry.testNamePattern !== 'string') {
      problems.push(`${name}: testNamePattern must be a string`);
    }
    if (seen.has(entry.id)) problems.push(`${name}: the id is used twice`);
    seen.add(entry.id);
    if (!Array.isArray(entry.killedBy) || entry.killedBy.length === 0) {
      problems.push(`${name}: killedBy must list at least one test file`);
    } else {
      for (const test of entry.killedBy) {
        if (typeof test !== 'string' || !/\.test\.ts$/.test(test) || !existsSync(join(ROOT, test))) {
          problems.push(`${name}: killedBy names ${JSON.stringify(test)}, which is not a test file here`);
        }
      }
    }
    if (strings.length > 0) continue;
    if (entry.find === entry.replace) problems.push(`${name}: replace equals find, so nothing changes`);
    const path = join(ROOT, entry.file);
    if (!existsSync(path)) {
      problems.push(`${name}: file ${entry.file} does not exist`);
      continue;
    }
    const occurrences = readFileSync(path, 'utf8').split(entry.find).length - 1;
    if (occurrences !== 1) {
      problems.push(`${name}: find occurs ${occurrences} times in ${entry.file}, it must occur exactly once`);
    }
  }
  return { mutations: list, problems };
}

/** Scratch directories in use, removed by `cleanUp` on every way out. */
const scratchDirs = new Set();
/** The child process running now, stopped on interruption. */
let running = null;

function cleanUp() {
  if (running !== null) stopChild(running);
  for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
  scratchDirs.clear();
}

function stopChild(child) {
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

process.on('exit', cleanUp);
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
]) {
  process.on(signal, () => {
    console.error(`\nmutate: ${signal}, removing the scratch copies; the working tree was not modified`);
    process.exit(code);
  });
}

/** The working tree's files as git sees them: tracked (if present on disk) and untracked but not ignored. */
function treeFiles() {
  const result = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(`git ls-files failed: ${result.stderr}`);
  const files = new Set(result.stdout.split('\0').filter((f) => f !== ''));
  return [...files].filter(
    (f) => !SKIPPED.some((s) => f === s || f.startsWith(`${s}/`)) && existsSync(join(ROOT, f)),
  );
}

/** A fresh copy of the working tree with node_modules linked in; registered for removal. */
function makeScratch(files) {
  // The real path: vitest reports files under it (on some systems the temporary directory is a symlink).
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'dptrain-mutate-')));
  scratchDirs.add(dir);
  for (const file of files) {
    const from = join(ROOT, file);
    const to = join(dir, file);
    mkdirSync(dirname(to), { recursive: true });
    if (lstatSync(from).isSymbolicLink()) symlinkSync(readlinkSync(from), to);
    else copyFileSync(from, to);
  }
  symlinkSync(realpathSync(join(ROOT, 'node_modules')), join(dir, 'node_modules'), 'dir');
  return dir;
}

function removeScratch(dir) {
  rmSync(dir, { recursive: true, force: true });
  scratchDirs.delete(dir);
}

/** Runs node with `args` in `cwd`, in its own process group; resolves { code, output, timedOut }. */
function runNode(args, cwd, options) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, args, {
      cwd,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FORCE_COLOR: '0' },
    });
    running = child;
    const chunks = [];
    const collect = (chunk) => {
      chunks.push(chunk);
      if (options.verbose) process.stdout.write(chunk);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      stopChild(child);
    }, options.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      running = null;
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      running = null;
      resolvePromise({ code, output: Buffer.concat(chunks).toString('utf8'), timedOut });
    });
  });
}

const TSC = ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'];
const VITEST = 'node_modules/vitest/vitest.mjs';

/**
 * Builds and tests the scratch tree. Returns { outcome: 'build-failed' | 'timed-out' | 'failed' | 'passed',
 * failedFiles, exitCode, output }.
 */
async function buildAndTest(dir, tests, options, pattern) {
  const build = await runNode(TSC, dir, options);
  if (build.timedOut) return { outcome: 'timed-out', failedFiles: [], output: build.output };
  if (build.code !== 0) return { outcome: 'build-failed', failedFiles: [], output: build.output };
  const report = join(dir, '.mutate-report.json');
  const run = await runNode(
    [
      VITEST,
      'run',
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${report}`,
      ...(pattern === undefined ? [] : ['--testNamePattern', pattern]),
      ...tests,
    ],
    dir,
    options,
  );
  const output = build.output + run.output;
  if (run.timedOut) return { outcome: 'timed-out', failedFiles: [], output };
  const results = existsSync(report) ? JSON.parse(readFileSync(report, 'utf8')).testResults : [];
  const ran = new Set(results.map((r) => relative(dir, r.name)));
  const notRun = tests.filter((t) => !ran.has(t));
  if (run.code === 0 && notRun.length > 0) {
    throw new Error(`vitest passed without running ${notRun.join(', ')}:\n${output}`);
  }
  const failedFiles = results.filter((r) => r.status !== 'passed').map((r) => relative(dir, r.name));
  return { outcome: run.code === 0 ? 'passed' : 'failed', failedFiles, exitCode: run.code, output };
}

function pad(text, width) {
  return text.length >= width ? `${text} ` : text.padEnd(width);
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const { mutations, problems } = readMutations();
  for (const id of options.only) {
    if (!mutations.some((m) => m.id === id)) problems.push(`--only ${id}: no mutation has this id`);
  }
  if (options.list) {
    for (const m of mutations) {
      const only = m.testNamePattern === undefined ? '' : ` (tests matching /${m.testNamePattern}/)`;
      console.log(`${m.id}\n  ${m.file}: ${m.why}\n  tests: ${(m.killedBy ?? []).join(', ')}${only}`);
    }
  }
  if (problems.length > 0) {
    for (const problem of problems) console.error(`mutate: ${problem}`);
    console.error(`mutate: ${problems.length} problem(s) in ${relative(ROOT, LIST)}; nothing was run`);
    return 1;
  }
  if (options.list) return 0;

  const selected =
    options.only.length === 0 ? mutations : mutations.filter((m) => options.only.includes(m.id));
  const files = treeFiles();
  const width = Math.max(...selected.map((m) => m.id.length)) + 2;

  // Without any mutation the listed tests must pass, or a "killed" would mean nothing.
  const allTests = [...new Set(selected.flatMap((m) => m.killedBy))].sort();
  const started = Date.now();
  const baselineDir = makeScratch(files);
  const baseline = await buildAndTest(baselineDir, allTests, options);
  removeScratch(baselineDir);
  if (baseline.outcome !== 'passed') {
    if (!options.verbose) console.error(baseline.output);
    const which = baseline.failedFiles.length > 0 ? `: ${baseline.failedFiles.join(', ')}` : '';
    console.error(`mutate: the unmutated tree does not pass its tests (${baseline.outcome})${which}`);
    return 1;
  }
  console.log(`baseline: ${allTests.length} test file(s) pass unmutated (${seconds(started)})`);

  let killed = 0;
  let survived = 0;
  for (const mutation of selected) {
    const dir = makeScratch(files);
    const path = join(dir, mutation.file);
    writeFileSync(
      path,
      readFileSync(path, 'utf8').replace(mutation.find, () => mutation.replace),
    );
    const begun = Date.now();
    const result = await buildAndTest(dir, mutation.killedBy, options, mutation.testNamePattern);
    removeScratch(dir);
    const time = `(${seconds(begun)})`;
    if (result.outcome === 'passed') {
      survived++;
      console.log(`${pad('SURVIVED', 25)}${pad(mutation.id, width)}${time}\n  ${mutation.why}`);
      continue;
    }
    killed++;
    if (result.outcome === 'build-failed') {
      console.log(`${pad('killed (does not build)', 25)}${pad(mutation.id, width)}${time}`);
    } else if (result.outcome === 'timed-out') {
      console.log(`${pad('killed (timed out)', 25)}${pad(mutation.id, width)}${time}`);
    } else {
      // Name the files that failed; a listed file that passed is worth knowing (it does not guard this).
      const passed = mutation.killedBy.filter((t) => !result.failedFiles.includes(t));
      const by =
        result.failedFiles.length > 0
          ? `by ${result.failedFiles.join(', ')}`
          : `by an error outside the tests (vitest exit ${result.exitCode})`;
      const note = result.failedFiles.length > 0 && passed.length > 0 ? `; ${passed.join(', ')} passed` : '';
      console.log(`${pad('killed', 25)}${pad(mutation.id, width)}${by} ${time}${note}`);
    }
  }
  console.log(`${killed} killed, ${survived} survived`);
  return survived === 0 ? 0 : 1;
}

function seconds(since) {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`mutate: ${error.stack ?? error}`);
    process.exit(1);
  },
);
