#!/usr/bin/env node
/**
 * Workers on separate hosts, on one machine: builds Linux network namespaces joined by a bridge, runs
 * `dptrain coordinator` in one and each `dptrain worker --connect` in its own, over real IP addresses and a
 * real route, then tears everything down. Runs the built CLI (dist/cli/main.js; `npm run build` first).
 *
 *   node scripts/multihost.mjs [--workers 2] [--prefix dptrain-mh] [--subnet 10.231.0.0/24] [--port 29500]
 *                              [--keep] [--json] [-- CONFIG --key value …]
 *   node scripts/multihost.mjs --clean [--prefix dptrain-mh]     remove what an earlier run left, run nothing
 *
 * Topology: a "switch" namespace PREFIX-sw holding a bridge br0; the coordinator's namespace PREFIX-coord and one
 * namespace per worker, PREFIX-w0, PREFIX-w1, …, each joined to the bridge by a veth pair (eth0 in the host
 * namespace, v-ROLE on the bridge). The coordinator gets .1 of the subnet, worker i gets .(i+2); `lo` is up in each.
 * Every link is created inside a namespace, so nothing is added to the machine's own network namespace, and
 * deleting the namespaces removes the links with them.
 *
 * The coordinator listens on 0.0.0.0 in its namespace; each worker connects to ws://COORDINATOR:PORT with
 * `--rank i`, all with the same random token from a 0600 file in a fresh temporary directory. Everything after `--`
 * goes to `dptrain coordinator` (a config file and `--key value` overrides; `--run-dir DIR` too).
 *
 * Needs root (CAP_NET_ADMIN), Linux and iproute2's `ip`. It finds out by trying: it creates and deletes a probe
 * namespace, and where that fails it prints one line saying why and exits 77 (the conventional "skipped").
 * At start it removes namespaces its prefix names (PREFIX-sw, PREFIX-coord, PREFIX-wN, PREFIX-probe) left by an
 * earlier run, killing what still runs in them. On exit, on failure and on SIGINT/SIGTERM it stops the children
 * first (a signal is passed to the coordinator alone, which ends the run after the round in progress, stops the
 * workers and writes its run directory; a second Ctrl-C kills them all; the children run in their own process
 * group, so a terminal's Ctrl-C reaches this script only), then deletes the namespaces and checks that none with the prefix is left.
 *
 * Output: the addresses and each process's role, namespace and address; the children's lines marked with their
 * role; the addresses the coordinator saw the workers join from (its `worker joined … address=` log field); the
 * run's outcome, consistent, paramsDigest and evalAccuracy from the coordinator's summary.json, and the run
 * directory. `--json` also prints one JSON object with all of it as the last stdout line.
 *
 * Exit status: the coordinator's (0, 1, 2, 3, 130, 143: see README "Command-line reference"); 77 when network
 * namespaces are not available here; 2 for a bad argument to this script; 1 when the namespaces could not be set
 * up or were not all removed.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'dist/cli/main.js');

/** Exit statuses of this script besides the coordinator's own. */
const EXIT = { failed: 1, usage: 2, skipped: 77 };

const DEFAULTS = { workers: 2, prefix: 'dptrain-mh', subnet: '10.231.0.0/24', port: 29500 };

/** How long the children get to end after a signal is passed on, before they are killed. */
const STOP_GRACE_MS = 15_000;

/** How long to wait for the coordinator's `listening` line. */
const LISTEN_TIMEOUT_MS = 60_000;

/** Flags this script sets on the coordinator itself; given after `--` they would contradict the topology. */
const OWN_COORDINATOR_FLAGS = ['host', 'port', 'workers', 'token-file'];

const USAGE =
  'usage: node scripts/multihost.mjs [--workers N] [--prefix NAME] [--subnet A.B.C.0/24] [--port P] [--keep] [--json] [--latency-ms MS [--jitter-ms MS] [--bandwidth-mbps B]] [-- CONFIG --key value …]\n' +
  '       node scripts/multihost.mjs --clean [--prefix NAME]';

class UsageError extends Error {}

/** One line to stderr, marked as this script's. */
function say(line) {
  process.stderr.write(`multihost: ${line}\n`);
}

/** The script's options from argv, or a UsageError naming the argument, the rule and the value. */
function parseOptions(argv) {
  const split = argv.indexOf('--');
  const own = split === -1 ? argv : argv.slice(0, split);
  const coordinatorArgs = split === -1 ? [] : argv.slice(split + 1);
  let values;
  try {
    ({ values } = parseArgs({
      args: own,
      options: {
        workers: { type: 'string' },
        prefix: { type: 'string' },
        subnet: { type: 'string' },
        port: { type: 'string' },
        keep: { type: 'boolean' },
        clean: { type: 'boolean' },
        json: { type: 'boolean' },
        'latency-ms': { type: 'string' },
        'jitter-ms': { type: 'string' },
        'bandwidth-mbps': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError(`${error.message}; put coordinator arguments after --`);
  }
  const workers = integer('--workers', values.workers ?? String(DEFAULTS.workers), 1, 200);
  const port = integer('--port', values.port ?? String(DEFAULTS.port), 1, 65535);
  const prefix = values.prefix ?? DEFAULTS.prefix;
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$/.test(prefix)) {
    throw new UsageError(
      `--prefix must be 1 to 40 letters, digits, '_', '.' or '-' starting with a letter or digit, received "${prefix}"`,
    );
  }
  const subnet = parseSubnet(values.subnet ?? DEFAULTS.subnet);
  for (const arg of coordinatorArgs) {
    const name = /^--([a-z-]+)(?:=|$)/.exec(arg)?.[1];
    if (name !== undefined && OWN_COORDINATOR_FLAGS.includes(name)) {
      throw new UsageError(
        `--${name} after -- would contradict the namespaces this script builds; use the script's own --workers and --port`,
      );
    }
  }
  const latencyMs =
    values['latency-ms'] === undefined ? null : integer('--latency-ms', values['latency-ms'], 0, 60_000);
  const jitterMs =
    values['jitter-ms'] === undefined ? 0 : integer('--jitter-ms', values['jitter-ms'], 0, 60_000);
  const bandwidthMbps =
    values['bandwidth-mbps'] === undefined
      ? null
      : integer('--bandwidth-mbps', values['bandwidth-mbps'], 1, 1e6);
  if (latencyMs === null && (values['jitter-ms'] !== undefined || bandwidthMbps !== null)) {
    throw new UsageError(
      '--jitter-ms and --bandwidth-mbps shape the relay of --latency-ms: give --latency-ms too',
    );
  }
  // The relay itself checks jitter <= latency (a chunk never leaves before it arrived) and says so.
  return {
    help: values.help === true,
    clean: values.clean === true,
    keep: values.keep === true,
    json: values.json === true,
    workers,
    port,
    prefix,
    subnet,
    relay: latencyMs === null ? null : { latencyMs, jitterMs, bandwidthMbps },
    coordinatorArgs,
  };
}

function integer(name, text, min, max) {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) {
    throw new UsageError(`${name} must be an integer from ${min} to ${max}, received "${text}"`);
  }
  return value;
}

/** `A.B.C.0/24` → the first three octets; other prefix lengths are refused (hosts are numbered .1, .2, …). */
function parseSubnet(text) {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.0\/24$/.exec(text);
  if (match === null || match.slice(1).some((octet) => Number(octet) > 255)) {
    throw new UsageError(
      `--subnet must be a /24 written A.B.C.0/24, such as 10.231.0.0/24, received "${text}"`,
    );
  }
  return match.slice(1, 4).join('.');
}

/** The namespaces, addresses and links of a run with these options. */
function topology({ prefix, subnet, workers }) {
  const host = (role, octet) => ({
    role,
    ns: `${prefix}-${role}`,
    address: `${subnet}.${octet}`,
    // the bridge end of the host's veth pair, inside the switch namespace (at most 15 characters)
    port: `v-${role}`,
  });
  return {
    switchNs: `${prefix}-sw`,
    coordinator: host('coord', 1),
    workers: Array.from({ length: workers }, (_, i) => ({ ...host(`w${i}`, i + 2), rank: i })),
    cidr: `${subnet}.0/24`,
  };
}

/** Runs `ip ARGS…` and returns its stdout, or throws with ip's own message (null instead with allowFailure). */
function ip(args, { allowFailure = false } = {}) {
  const result = spawnSync('ip', args, { encoding: 'utf8' });
  if (result.error !== undefined) {
    if (allowFailure) return null;
    throw result.error;
  }
  if (result.status !== 0) {
    if (allowFailure) return null;
    throw new Error(`ip ${args.join(' ')}: ${result.stderr.trim() || `exit ${result.status}`}`);
  }
  return result.stdout;
}

/** The names of the machine's network namespaces. */
function namespaces() {
  const out = ip(['netns', 'list'], { allowFailure: true }) ?? '';
  return out
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[0])
    .filter((name) => name !== undefined && name !== '');
}

/** The namespaces this prefix names: PREFIX-sw, PREFIX-coord, PREFIX-wN, PREFIX-probe; never a longer prefix's. */
function ownNamespaces(prefix) {
  return namespaces().filter(
    (name) => name.startsWith(`${prefix}-`) && /^(sw|coord|w\d+|probe)$/.test(name.slice(prefix.length + 1)),
  );
}

/** Kills what still runs in `ns` and deletes it. */
function removeNamespace(ns) {
  const pids = (ip(['netns', 'pids', ns], { allowFailure: true }) ?? '').split(/\s+/).filter(Boolean);
  for (const pid of pids) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // already gone
    }
  }
  ip(['netns', 'delete', ns], { allowFailure: true });
}

/**
 * Tries to create and delete a namespace. Returns null when that works, else the one line saying why not and how
 * to run this script instead.
 */
function probe(prefix) {
  if (process.platform !== 'linux') return `network namespaces are Linux only; this is ${process.platform}`;
  const ns = `${prefix}-probe`;
  const result = spawnSync('ip', ['netns', 'add', ns], { encoding: 'utf8' });
  if (result.error !== undefined) {
    return result.error.code === 'ENOENT'
      ? "no 'ip' command: install iproute2 (apt-get install iproute2) and run as root"
      : `cannot run 'ip': ${result.error.message}`;
  }
  if (result.status !== 0) {
    const why = result.stderr.trim().split('\n')[0] || `exit ${result.status}`;
    const root = process.getuid?.() === 0 ? '' : ' (not running as root)';
    return `cannot create a network namespace${root}: ${why}; run as root (sudo) on Linux with iproute2`;
  }
  ip(['netns', 'delete', ns], { allowFailure: true });
  return null;
}

/** Builds the switch, the hosts and their links. */
function build(net) {
  ip(['netns', 'add', net.switchNs]);
  ip(['-n', net.switchNs, 'link', 'set', 'lo', 'up']);
  ip(['-n', net.switchNs, 'link', 'add', 'br0', 'type', 'bridge']);
  ip(['-n', net.switchNs, 'link', 'set', 'br0', 'up']);
  for (const host of [net.coordinator, ...net.workers]) {
    ip(['netns', 'add', host.ns]);
    ip(['-n', host.ns, 'link', 'set', 'lo', 'up']);
    ip([
      '-n',
      net.switchNs,
      'link',
      'add',
      host.port,
      'type',
      'veth',
      'peer',
      'name',
      'eth0',
      'netns',
      host.ns,
    ]);
    ip(['-n', net.switchNs, 'link', 'set', host.port, 'master', 'br0', 'up']);
    ip(['-n', host.ns, 'addr', 'add', `${host.address}/24`, 'dev', 'eth0']);
    ip(['-n', host.ns, 'link', 'set', 'eth0', 'up']);
  }
}

/** The port each worker's relay listens on, on its own host's loopback. */
const RELAY_PORT = 29600;

/**
 * Starts a `dptrain netsim` relay in the worker's namespace, on its loopback, forwarding over the worker's own
 * address and route to the coordinator; the worker then connects to the relay, so its bytes cross a delayed link
 * and a real route. Resolves once the relay listens.
 */
async function startRelayFor(worker, coordinatorAddress, port, relay) {
  const args = [
    'netsim',
    '--listen',
    String(RELAY_PORT),
    '--listen-host',
    '127.0.0.1',
    '--target',
    `${coordinatorAddress}:${port}`,
    '--latency-ms',
    String(relay.latencyMs),
    '--jitter-ms',
    String(relay.jitterMs),
    '--seed',
    String(worker.rank + 1),
  ];
  if (relay.bandwidthMbps !== null) args.push('--bandwidth-mbps', String(relay.bandwidthMbps));
  const child = startInNamespace(worker.ns, `relay ${worker.rank} ${worker.address}`, args);
  const deadline = Date.now() + LISTEN_TIMEOUT_MS;
  while (!/netsim listening/.test(child.stdout)) {
    if (child.code !== null || child.signal !== null)
      throw new Error(`the relay of worker ${worker.rank} exited: ${child.stderr.trim()}`);
    if (Date.now() > deadline)
      throw new Error(
        `the relay of worker ${worker.rank} did not listen within ${LISTEN_TIMEOUT_MS / 1000} s`,
      );
    await new Promise((r) => setTimeout(r, 50));
  }
  return child;
}

/** A child in a namespace whose output lines are passed on, marked with its label. */
function startInNamespace(ns, label, args) {
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, CLI, ...args], {
    cwd: process.cwd(),
    // its own process group, as `dptrain launch` does: a terminal's Ctrl-C reaches this script only, which
    // passes it to the coordinator alone, so the run ends after the round in progress rather than losing a worker
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const record = { child, label, stdout: '', stderr: '', exited: null, code: null, signal: null };
  const pass = (stream, key, out) => {
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => {
      record[key] += chunk;
      const lines = (partial + chunk).split('\n');
      partial = lines.pop();
      for (const line of lines) out.write(`[${label}] ${line}\n`);
    });
    stream.on('end', () => {
      if (partial !== '') out.write(`[${label}] ${partial}\n`);
    });
  };
  pass(child.stdout, 'stdout', process.stdout);
  pass(child.stderr, 'stderr', process.stderr);
  record.exited = new Promise((resolveExit) => {
    child.once('error', (error) => {
      record.stderr += String(error);
      record.code = EXIT.failed;
      resolveExit(record);
    });
    child.once('close', (code, signal) => {
      record.code = code;
      record.signal = signal;
      resolveExit(record);
    });
  });
  return record;
}

/** Resolves once the coordinator printed `listening ws://…`; rejects when it exits first or takes too long. */
async function untilListening(coordinator) {
  const deadline = Date.now() + LISTEN_TIMEOUT_MS;
  for (;;) {
    if (/listening ws:\/\/\S+/.test(coordinator.stdout)) return;
    if (coordinator.code !== null || coordinator.signal !== null) return;
    if (Date.now() > deadline)
      throw new Error(`the coordinator did not listen within ${LISTEN_TIMEOUT_MS / 1000} s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The peer addresses in the coordinator's `worker joined` log lines (text or JSON lines). */
function joinAddresses(stderr) {
  const found = [];
  for (const line of stderr.split('\n')) {
    if (!line.includes('worker joined')) continue;
    const text = /\baddress=(\S+)/.exec(line)?.[1];
    const json = /"address":"([^"]+)"/.exec(line)?.[1];
    const address = text ?? json;
    if (address !== undefined) found.push(address.replace(/^::ffff:/, ''));
  }
  return found;
}

async function main() {
  let options;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    say(`error: ${error.message}`);
    process.stderr.write(`${USAGE}\n`);
    return EXIT.usage;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!options.clean && !existsSync(CLI)) {
    say(`error: ${CLI} does not exist; run npm run build first`);
    return EXIT.usage;
  }
  const why = probe(options.prefix);
  if (why !== null) {
    say(`skipped: ${why}`);
    return EXIT.skipped;
  }
  const stale = ownNamespaces(options.prefix);
  for (const ns of stale) removeNamespace(ns);
  if (stale.length > 0) say(`removed namespaces an earlier run left: ${stale.join(', ')}`);
  if (options.clean) {
    const left = ownNamespaces(options.prefix);
    if (left.length > 0) say(`error: still there after removal: ${left.join(', ')}`);
    return left.length > 0 ? EXIT.failed : 0;
  }
  return run(options);
}

async function run(options) {
  const net = topology(options);
  const children = [];
  /** the workers' relays, apart from children so that children stays coordinator then workers */
  const relays = [];
  let signalled = null;
  let tornDown = false;
  const scratchDir = await mkdtemp(join(tmpdir(), 'dptrain-multihost-'));

  const stopChildren = async (signal) => {
    const running = [...children, ...relays].filter((c) => c.code === null && c.signal === null);
    for (const c of running) c.child.kill(signal);
    const timer = setTimeout(() => {
      for (const c of running) c.child.kill('SIGKILL');
    }, STOP_GRACE_MS);
    await Promise.all(running.map((c) => c.exited));
    clearTimeout(timer);
  };
  const teardown = async () => {
    if (tornDown) return [];
    tornDown = true;
    await stopChildren('SIGTERM');
    await rm(scratchDir, { recursive: true, force: true });
    if (options.keep) {
      say(
        `kept namespaces ${[net.switchNs, net.coordinator.ns, ...net.workers.map((w) => w.ns)].join(', ')}`,
      );
      say(`remove them with: node scripts/multihost.mjs --clean --prefix ${options.prefix}`);
      return [];
    }
    for (const ns of [...net.workers.map((w) => w.ns), net.coordinator.ns, net.switchNs]) removeNamespace(ns);
    const left = ownNamespaces(options.prefix);
    if (left.length > 0) say(`error: namespaces still there after teardown: ${left.join(', ')}`);
    else say(`removed the namespaces; none named ${options.prefix}-* is left`);
    return left;
  };
  const onSignal = (signal) => {
    if (signalled !== null) {
      say(`${signal} again: killing the processes`);
      for (const c of children) c.child.kill('SIGKILL');
      return;
    }
    signalled = signal;
    say(
      `${signal}: passing it to the coordinator, which ends the run after the round in progress (again to kill)`,
    );
    const coordinator = children[0];
    if (coordinator !== undefined && coordinator.code === null && coordinator.signal === null)
      coordinator.child.kill(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let exitCode = EXIT.failed;
  let report = null;
  try {
    try {
      build(net);
    } catch (error) {
      say(`error: could not set up the namespaces: ${error.message}`);
      return EXIT.failed;
    }
    const tokenFile = join(scratchDir, 'token');
    await writeFile(tokenFile, `${randomBytes(24).toString('hex')}\n`, { mode: 0o600 });
    const url = `ws://${net.coordinator.address}:${options.port}`;
    process.stdout.write(
      `multihost: subnet ${net.cidr}, bridge br0 in namespace ${net.switchNs}\n` +
        `multihost: coordinator  ${net.coordinator.address.padEnd(15)} namespace ${net.coordinator.ns}, listening on 0.0.0.0:${options.port}\n` +
        net.workers
          .map(
            (w) =>
              `multihost: worker ${String(w.rank).padEnd(5)} ${w.address.padEnd(15)} namespace ${w.ns}, connects to ${url}${options.relay === null ? '' : ` through a relay on its 127.0.0.1:${RELAY_PORT}`}\n`,
          )
          .join(''),
    );
    const coordinator = startInNamespace(net.coordinator.ns, `coordinator ${net.coordinator.address}`, [
      'coordinator',
      ...options.coordinatorArgs,
      '--host',
      '0.0.0.0',
      '--port',
      String(options.port),
      '--workers',
      String(options.workers),
      '--token-file',
      tokenFile,
    ]);
    children.push(coordinator);
    await untilListening(coordinator);
    if (coordinator.code === null && signalled === null) {
      for (const w of net.workers) {
        let via = url;
        if (options.relay !== null) {
          relays.push(await startRelayFor(w, net.coordinator.address, options.port, options.relay));
          via = `ws://127.0.0.1:${RELAY_PORT}`;
        }
        children.push(
          startInNamespace(w.ns, `worker ${w.rank} ${w.address}`, [
            'worker',
            '--connect',
            via,
            '--rank',
            String(w.rank),
            '--token-file',
            tokenFile,
          ]),
        );
      }
    }
    await coordinator.exited;
    exitCode = coordinator.code ?? (coordinator.signal === 'SIGINT' ? 130 : EXIT.failed);
    const workerExits = await Promise.all(children.slice(1).map((c) => c.exited));
    // The relays run until told: SIGTERM makes each print the bytes it forwarded and exit 0.
    for (const r of relays) r.child.kill('SIGTERM');
    const relayExits = await Promise.all(relays.map((r) => r.exited));
    for (const [i, r] of relays.entries()) {
      const bytes = /forwarded.*/.exec(r.stdout)?.[0] ?? '(no count)';
      say(`relay ${i}: exit ${relayExits[i]?.code ?? r.code}, ${bytes}`);
    }
    const joins = joinAddresses(coordinator.stderr);
    const expected = net.workers.map((w) => w.address);
    say(`the coordinator saw workers join from: ${joins.length === 0 ? '(none)' : joins.join(', ')}`);
    if (joins.length > 0 && !joins.every((a) => expected.includes(a))) {
      say(`warning: a join came from outside the workers' addresses ${expected.join(', ')}`);
    }
    const runDir = /run directory: (.+)/.exec(coordinator.stdout)?.[1]?.trim() ?? null;
    const summary = runDir === null ? null : await readSummary(runDir);
    if (summary !== null) {
      process.stdout.write(
        `multihost: outcome ${summary.outcome}, consistent ${summary.consistency?.consistent}, ` +
          `paramsDigest ${summary.paramsDigest}, evalAccuracy ${summary.evalAccuracy}\n`,
      );
    }
    process.stdout.write(`multihost: run directory ${runDir ?? '(none)'}\n`);
    process.stdout.write(
      `multihost: exit ${exitCode} (coordinator); workers ${workerExits.map((w) => w.code ?? w.signal).join(', ')}\n`,
    );
    report = {
      subnet: net.cidr,
      coordinator: { namespace: net.coordinator.ns, address: net.coordinator.address, port: options.port },
      workers: net.workers.map((w, i) => ({
        rank: w.rank,
        namespace: w.ns,
        address: w.address,
        exitCode: workerExits[i]?.code ?? null,
      })),
      joinAddresses: joins,
      runDir,
      summary:
        summary === null
          ? null
          : {
              outcome: summary.outcome,
              consistent: summary.consistency?.consistent ?? null,
              paramsDigest: summary.paramsDigest ?? null,
              evalAccuracy: summary.evalAccuracy ?? null,
              steps: summary.steps,
            },
      exitCode,
    };
  } finally {
    const left = await teardown();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (left.length > 0 && exitCode === 0) exitCode = EXIT.failed;
    if (report !== null) report.leftNamespaces = left;
  }
  if (options.json && report !== null) process.stdout.write(`${JSON.stringify({ ...report, exitCode })}\n`);
  return exitCode;
}

async function readSummary(runDir) {
  try {
    return JSON.parse(await readFile(join(runDir, 'summary.json'), 'utf8'));
  } catch (error) {
    say(`warning: cannot read ${join(runDir, 'summary.json')}: ${error.message}`);
    return null;
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    say(`error: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = EXIT.failed;
  },
);
