/**
 * Every command's usage and flags, written once: each command parses its arguments with its table, `--help`
 * prints it, and `npm run docs` writes it into the README's "Command-line reference" (a test keeps the two
 * equal). Data only, so that help never loads what a command needs to run.
 */
import type { Flag } from './args.js';

/** Flags of one form of a command, under a title in help; `readme` names its table in the README. */
export interface FlagGroup {
  readonly title: string;
  readonly flags: readonly Flag[];
  /** the id of the README block this group is written into (`<!-- cli-flags:<id>:start -->`) */
  readonly readme?: string;
}

/** One command: its name as typed, its usage lines, the line `dptrain --help` gives it, its flags. */
export interface CommandSpec {
  /** `lr values`: one or two words */
  readonly name: string;
  readonly usage: readonly string[];
  readonly summary: string;
  readonly groups: readonly FlagGroup[];
  /** takes every run-config key as a flag (`--batch-size 32`), from the run-config table */
  readonly runConfigFlags?: boolean;
  /** a process dptrain starts itself, left out of the help */
  readonly hidden?: boolean;
}

const CALLS: Flag = {
  name: 'calls',
  value: 'calls.json',
  meaning:
    'a JSON array of N calls: `null` (plain `step()`), `{"epoch": e}`, `{"metrics": m}` or `{"metrics": m, "epoch": e}`',
};
const STEPS: Flag = { name: 'steps', value: 'N', meaning: 'number of calls (integer ≥ 0), required' };
const STEPS_PER_EPOCH: Flag = {
  name: 'steps-per-epoch',
  value: 'K',
  meaning:
    "the run's steps per epoch (integer ≥ 1): `steps_per_epoch` in expressions, PaddleOCR's `step_each_epoch`, PaddleDetection's `step_per_epoch`; required by a config that needs it",
};
const EPOCHS: Flag = {
  name: 'epochs',
  value: 'E',
  meaning:
    "the run's epochs (integer ≥ 1): `epochs` in expressions (with K, `total_steps` = K × E), PaddleOCR's `epochs` (default: the file's `Global.epoch_num`)",
};
const STRICT_SCHEDULE: Flag = {
  name: 'strict-schedule',
  meaning:
    'refuse (exit 2) a schedule that does not fit the run, instead of warning (see Schedules that do not fit)',
};
const TOKEN_FILE: Flag = {
  name: 'token-file',
  value: 'FILE',
  meaning: 'read the token from FILE instead of `DPTRAIN_TOKEN`',
};
const RESUME: Flag = {
  name: 'resume',
  value: 'PATH',
  meaning:
    'continue from the newest valid checkpoint under PATH (a run directory, a checkpoints folder or one file; see Resuming)',
};
const BACKEND: Flag = {
  name: 'backend',
  value: 'tensorflow|wasm|cpu',
  meaning:
    'TensorFlow.js backend (default: tfjs-node if it loads, else wasm, else cpu; an explicit choice that fails is an error)',
};
const LOG_FORMAT: Flag = {
  name: 'log-format',
  value: 'text|json',
  meaning: 'readable lines (default) or JSON lines',
};
const CONNECT_TIMEOUT: Flag = {
  name: 'connect-timeout',
  value: 'SECONDS',
  meaning:
    'keep trying to reach the coordinator for this long (default 60): a refused or unreachable address, or a failed upgrade that is not an auth refusal, is retried with backoff (100 ms doubling to 2 s, jittered; a log line every 5 s), so workers may start before the coordinator; then exit 1 with `error: cannot connect to ws://HOST:PORT: tried for … s`. A wrong token is never retried',
};

/** Every command, in the order `dptrain --help` lists them. */
export const COMMAND_TABLE: readonly CommandSpec[] = [
  {
    name: 'launch',
    usage: [
      'dptrain launch [CONFIG] [--key value …] [--resume PATH]',
      'dptrain launch --connect ws://HOST:PORT --workers K [--node-rank N] [--token-file FILE] [--backend B] [--connect-timeout SECONDS] [--log-format text|json]',
    ],
    summary: 'the coordinator and its worker processes on this machine (or, with --connect, workers only)',
    groups: [
      { title: 'options', flags: [RESUME, STRICT_SCHEDULE], readme: 'launch' },
      {
        title: 'with --connect: workers for a coordinator elsewhere (no run config)',
        readme: 'launch-connect',
        flags: [
          { name: 'connect', value: 'ws://HOST:PORT', meaning: 'the coordinator (required in this form)' },
          { name: 'workers', value: 'K', meaning: 'worker processes to start on this machine (required)' },
          {
            name: 'node-rank',
            value: 'N',
            meaning:
              'the workers ask for ranks N·K … N·K + K − 1 and their lines are marked `[rank R]`; without it the coordinator gives the ranks as they join',
          },
          TOKEN_FILE,
          BACKEND,
          LOG_FORMAT,
          CONNECT_TIMEOUT,
        ],
      },
    ],
    runConfigFlags: true,
  },
  {
    name: 'coordinator',
    usage: [
      'dptrain coordinator [CONFIG] [--key value …] [--token-file FILE] [--run-dir DIR] [--resume PATH]',
    ],
    summary: 'the coordinator alone, for workers started elsewhere with dptrain worker',
    groups: [
      {
        title: 'options',
        readme: 'coordinator',
        flags: [
          TOKEN_FILE,
          {
            name: 'run-dir',
            value: 'DIR',
            meaning: 'write the run directory here (default: a new one under `out`)',
          },
          RESUME,
          STRICT_SCHEDULE,
        ],
      },
    ],
    runConfigFlags: true,
  },
  {
    name: 'worker',
    usage: [
      'dptrain worker --connect ws://HOST:PORT [--rank R] [--backend tensorflow|wasm|cpu] [--token-file FILE] [--connect-timeout SECONDS] [--log-format text|json] [--fault KIND@STEP[:FACTOR]]…',
    ],
    summary: 'one worker process, for a coordinator started with dptrain coordinator',
    groups: [
      {
        title: 'options',
        readme: 'worker',
        flags: [
          { name: 'connect', value: 'ws://HOST:PORT', meaning: 'the coordinator (required)' },
          {
            name: 'rank',
            value: 'R',
            meaning: 'ask for rank R (default: the coordinator assigns the lowest free rank)',
          },
          BACKEND,
          TOKEN_FILE,
          CONNECT_TIMEOUT,
          LOG_FORMAT,
          {
            name: 'zero-mask',
            meaning:
              'send frames unmasked (2–4× faster writes; fine on loopback or a private network, not through proxies)',
          },
          {
            name: 'lanes',
            value: 'DIR',
            meaning:
              "offer the coordinator's tensor-lane directory DIR (on its host's tmpfs; `dptrain launch` gives it with `transport: shm`): sync gradients and updates then go through files there instead of the socket",
          },
          {
            name: 'fault',
            value: 'KIND@STEP[:FACTOR]',
            multiple: true,
            meaning:
              "test hook, repeatable: misbehave at global step STEP so the coordinator's checks can be seen catching it. `lr@S:F` applies and reports F × lr; `apply-lr@S:F` applies F × lr but reports the LR it was sent (only the digest tells); `report-lr@S:F` the reverse; `lr-ulp@S` applies and reports the next double above lr; `skip-report@S` never reports step S; `nan@S` sends a NaN gradient once; `stall@S` never sends the gradient of step S but keeps its heartbeat",
          },
        ],
      },
    ],
  },
  {
    name: 'replay',
    usage: ['dptrain replay <run-dir>'],
    summary: "re-executes an async run from its arrivals.jsonl and compares the parameters with the run's",
    groups: [],
  },
  {
    name: 'lr values',
    usage: [
      'dptrain lr values <config> --steps N [--steps-per-epoch K] [--epochs E] [--calls calls.json] [--restore-at K]',
    ],
    summary: 'the LR after construction and after each of N scheduler calls, as one JSON line',
    groups: [
      {
        title: 'options',
        readme: 'lr-values',
        flags: [
          STEPS,
          CALLS,
          {
            name: 'restore-at',
            value: 'K',
            meaning:
              '0 ≤ K ≤ N: after K calls, serialise `stateDict()` to JSON text, build a fresh scheduler from the same config, `setStateDict()` the parsed JSON, and make calls K+1…N on it',
          },
          STEPS_PER_EPOCH,
          EPOCHS,
        ],
      },
    ],
  },
  {
    name: 'lr plot',
    usage: [
      'dptrain lr plot <config> --steps N [--steps-per-epoch K] [--epochs E] (-o lr.svg | -o lr.png | --ascii) [--calls calls.json] [--log-y]',
    ],
    summary: 'draws the LR curve of N scheduler calls: SVG, PNG or in the terminal',
    groups: [
      {
        title: 'options',
        readme: 'lr-plot',
        flags: [
          STEPS,
          {
            name: 'output',
            short: 'o',
            value: 'FILE',
            meaning: 'write the picture to FILE: `.svg`, or `.png` (rendered with resvg)',
          },
          { name: 'ascii', meaning: 'draw the curve in the terminal (also beside `-o`)' },
          CALLS,
          {
            name: 'log-y',
            meaning: 'draw the LR on a log axis with ticks at the decades; refused when an LR is ≤ 0',
          },
          { ...STEPS_PER_EPOCH, meaning: `${STEPS_PER_EPOCH.meaning}; an epoch mark every K calls` },
          EPOCHS,
        ],
      },
    ],
  },
  {
    name: 'bench allreduce',
    usage: [
      'dptrain bench allreduce [--workers N] [--params P] [--rounds R] [--warmup W] [--path training|protocol] [--transport T] [--json]',
    ],
    summary:
      'measures a sync round on the real training path (checked against a recomputation) beside a TCP loopback ceiling',
    groups: [
      {
        title: 'options',
        flags: [
          {
            name: 'path',
            value: 'training|protocol',
            meaning:
              '`training` (default): `dptrain launch` in sync mode trains the bench task (P floats, a cheap gradient fresh every round, SGD), round times from metrics.jsonl, final parameters checked bit for bit against the bench’s own float32 recomputation; `protocol`: the transport-only ceiling, one reducing process and N bench workers (pooled buffers, no optimizer, no digest)',
          },
          {
            name: 'transport',
            value: 'auto|tcp|unix',
            meaning: 'the `transport` of the launches it runs (default: the run config’s default, tcp)',
          },
          { name: 'workers', value: 'N', meaning: 'worker processes, 1–64 (default: the grid, 2, 4 and 8)' },
          {
            name: 'params',
            value: 'P',
            meaning: 'floats per gradient, 1–1e8 (default: the grid, 1e3, 1e5, 1e6 and 1e7)',
          },
          {
            name: 'rounds',
            value: 'R',
            meaning:
              'measured rounds per case (default by size: 200 up to 1e5 floats, 50 up to 1e6, else 15)',
          },
          {
            name: 'warmup',
            value: 'W',
            meaning: 'rounds run before measuring (default by size: 20, 5, 2, at most a tenth of the rounds)',
          },
          { name: 'json', meaning: 'print the report as one JSON object instead of a table' },
        ],
      },
    ],
  },
  {
    name: 'bench async',
    usage: ['dptrain bench async [--workers N] [--params P] [--steps S] [--json]'],
    summary: 'measures async applied updates per second beside the sync round rate of the same run',
    groups: [
      {
        title: 'options',
        flags: [
          { name: 'workers', value: 'N', meaning: 'worker processes, 1–64 (default 4)' },
          { name: 'params', value: 'P', meaning: 'floats in the bench task, 1–1e8 (default 1e6)' },
          {
            name: 'steps',
            value: 'S',
            meaning: 'applied updates of the async run, ≥ 2 (default 200; the first tenth is warm-up)',
          },
          { name: 'json', meaning: 'print the report as one JSON object instead of a table' },
        ],
      },
    ],
  },
  {
    name: 'bench train',
    usage: [
      'dptrain bench train [--workers 1,2,4] [--steps S] [--warmup W] [--runs K] [--transport T] [--json]',
    ],
    summary:
      'samples/s of the default MNIST MLP run through dptrain launch, against one process training alone',
    groups: [
      {
        title: 'options',
        flags: [
          {
            name: 'workers',
            value: 'N,N,…',
            meaning: 'worker counts, a comma-separated list of distinct integers 1–64 (default 1,2,4)',
          },
          { name: 'steps', value: 'S', meaning: 'steps of every run, warm-up included (default 200)' },
          {
            name: 'warmup',
            value: 'W',
            meaning: 'first steps of every run left out of the timing, 0 ≤ W < S (default min(20, S ÷ 10))',
          },
          {
            name: 'runs',
            value: 'K',
            meaning:
              'runs of every case, alternating with the others; the report gives the median (default 3)',
          },
          {
            name: 'transport',
            value: 'auto|tcp|unix',
            meaning: 'the `transport` of the launches it runs (default: the run config’s default, tcp)',
          },
          { name: 'json', meaning: 'print the report as one JSON object instead of a table' },
        ],
      },
    ],
  },
  {
    name: 'bench worker',
    usage: [
      'dptrain bench worker (--connect ws://HOST:PORT --rank R --params P [--seed S] | --tcp-sink HOST:PORT --trial-bytes B)',
    ],
    summary: 'a process of the benchmark',
    hidden: true,
    groups: [
      {
        title: 'options',
        flags: [
          { name: 'connect', value: 'ws://HOST:PORT', meaning: 'the reducing process' },
          { name: 'rank', value: 'R', meaning: 'this worker’s rank' },
          { name: 'params', value: 'P', meaning: 'floats per gradient' },
          { name: 'seed', value: 'S', meaning: 'seed of the gradient values' },
          {
            name: 'tcp-sink',
            value: 'HOST:PORT',
            meaning: 'measure the TCP ceiling against this sink instead',
          },
          { name: 'trial-bytes', value: 'B', meaning: 'bytes per trial of the TCP ceiling' },
        ],
      },
    ],
  },
  {
    name: 'netsim',
    usage: [
      'dptrain netsim --listen PORT --target HOST:PORT [--latency-ms L] [--jitter-ms J] [--bandwidth-mbps B] [--seed S] [--listen-host H]',
    ],
    summary: 'a TCP relay that makes a fast network look like a slower one',
    groups: [
      {
        title: 'options',
        readme: 'netsim',
        flags: [
          {
            name: 'listen',
            value: 'PORT',
            meaning: 'accept connections on this port (required; 0: any free port)',
          },
          { name: 'target', value: 'HOST:PORT', meaning: 'forward every connection there (required)' },
          { name: 'latency-ms', value: 'L', meaning: 'one-way latency of each direction, in ms (default 0)' },
          {
            name: 'jitter-ms',
            value: 'J',
            meaning: 'seeded uniform jitter of ± J ms on each chunk’s latency, 0 ≤ J ≤ L (default 0)',
          },
          {
            name: 'bandwidth-mbps',
            value: 'B',
            meaning: 'bandwidth of each direction, Mbit/s (default: not limited)',
          },
          { name: 'seed', value: 'S', meaning: 'seed of the jitter (the same seed gives the same delays)' },
          { name: 'listen-host', value: 'H', meaning: 'the address to listen on (default 127.0.0.1)' },
        ],
      },
    ],
  },
];

/**
 * A command's entry in the table; throws for a name it does not hold (a programming error, not a user's).
 *
 * @example
 * commandSpec('lr values').usage[0]; // 'dptrain lr values <config> --steps N [--calls calls.json] [--restore-at K]'
 */
export function commandSpec(name: string): CommandSpec {
  const spec = COMMAND_TABLE.find((entry) => entry.name === name);
  if (spec === undefined) throw new Error(`no command "${name}" in the command table`);
  return spec;
}

/**
 * The flags a form of a command parses: the flags of its group with that title, or of its first group.
 *
 * @example
 * commandFlags('lr values').map((flag) => flag.name); // ['steps', 'calls', 'restore-at']
 */
export function commandFlags(name: string, readme?: string): readonly Flag[] {
  const { groups } = commandSpec(name);
  const group = readme === undefined ? groups[0] : groups.find((entry) => entry.readme === readme);
  return group?.flags ?? [];
}
