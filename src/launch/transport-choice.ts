import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The longest socket path the kernel takes (sun_path: 108 bytes on Linux, 104 on macOS, NUL included); the
 * transport's `listen` refuses longer ones with the same bound (the launcher does not import the transport).
 */
const SOCKET_PATH_BYTES = 103;

/**
 * How a launch's workers reach its coordinator, and why: what summary.json records. `shm`: the control messages
 * go over TCP loopback and a sync run's gradients and updates through tensor lanes, files on this host's tmpfs.
 */
export interface TransportChoice {
  readonly kind: 'unix' | 'tcp' | 'shm';
  readonly reason: string;
  /** the coordinator's Unix socket when `kind` is `unix` */
  readonly socketPath: string | null;
  /** the tensor-lane directory when `kind` is `shm` */
  readonly laneDirectory: string | null;
}

/** The tmpfs the lanes live in; a host without it gets TCP from `auto`. */
export const SHARED_MEMORY_DIRECTORY = '/dev/shm';

/**
 * What the choice depends on: the `transport` key, the coordinator's `host`, whether links are simulated, and
 * whether this host has a tmpfs for lanes (`SHARED_MEMORY_DIRECTORY`).
 */
export interface TransportInputs {
  readonly requested: 'auto' | 'tcp' | 'unix' | 'shm';
  readonly host: string;
  readonly simulatedLinks: boolean;
  readonly sharedMemory: boolean;
}

/**
 * The transport of a launch whose workers all run on this host: with `transport: auto`, tensor lanes (`shm`) unless
 * simulated links (their relays must carry every byte), a host that is not loopback (the run expects workers from
 * elsewhere) or a host without /dev/shm say TCP; `tcp`, `unix` or `shm` as given. `unix` or `shm` with links is
 * refused earlier, by the run config. `paths` makes the socket path or the lane directory when one is needed.
 *
 * @example
 * chooseTransport({ requested: 'auto', host: '127.0.0.1', simulatedLinks: true, sharedMemory: true }, paths).kind; // 'tcp'
 */
export function chooseTransport(
  inputs: TransportInputs,
  paths: { readonly socket: () => string; readonly lanes: () => string },
): TransportChoice {
  const tcp = (reason: string): TransportChoice =>
    Object.freeze({ kind: 'tcp', reason, socketPath: null, laneDirectory: null });
  if (inputs.requested === 'tcp') return tcp('transport: tcp');
  if (inputs.requested === 'unix') {
    return Object.freeze({
      kind: 'unix',
      reason: 'transport: unix',
      socketPath: paths.socket(),
      laneDirectory: null,
    });
  }
  if (inputs.requested === 'auto') {
    if (inputs.simulatedLinks) return tcp('simulated links: their relays must carry every byte');
    if (!isLoopback(inputs.host)) return tcp(`host ${inputs.host} is not loopback`);
    if (!inputs.sharedMemory) return tcp(`this host has no ${SHARED_MEMORY_DIRECTORY}`);
  }
  const reason =
    inputs.requested === 'shm' ? 'transport: shm' : 'every worker runs on this host, no simulated links';
  return Object.freeze({ kind: 'shm', reason, socketPath: null, laneDirectory: paths.lanes() });
}

/** Whether this host has the tmpfs lanes live in. @example hasSharedMemory(); // true on Linux */
export function hasSharedMemory(): boolean {
  return existsSync(SHARED_MEMORY_DIRECTORY);
}

/**
 * The tensor-lane directory of one launch's run, in /dev/shm, named as `runSocketPath` names the socket (a restarted
 * coordinator uses the same one).
 *
 * @example
 * runLaneDirectory(4242, 'runs/20261203-180000-sync'); // '/dev/shm/dptrain-4242-1c0ffee5'
 */
export function runLaneDirectory(launcherPid: number, runDir: string): string {
  const tag = createHash('sha256').update(runDir).digest('hex').slice(0, 8);
  return join(SHARED_MEMORY_DIRECTORY, `dptrain-${launcherPid}-${tag}`);
}

/** Whether `host` names this machine's loopback interface. @example isLoopback('127.0.0.1'); // true */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * The socket path of one launch's run, short enough for sun_path: in os.tmpdir(), or /tmp when that directory's
 * path is too long (a deep $TMPDIR on macOS, say). Named by the launcher's pid and the run directory, so a
 * restarted coordinator listens where the workers already look.
 *
 * @example
 * runSocketPath(4242, 'runs/20261203-180000-sync'); // '/tmp/dptrain-4242-1c0ffee5.sock'
 */
export function runSocketPath(launcherPid: number, runDir: string): string {
  const tag = createHash('sha256').update(runDir).digest('hex').slice(0, 8);
  const name = `dptrain-${launcherPid}-${tag}.sock`;
  const inTmp = join(tmpdir(), name);
  return Buffer.byteLength(inTmp) <= SOCKET_PATH_BYTES ? inTmp : join('/tmp', name);
}

/** The `ws+unix:` address `ws` connects to for a socket path. @example unixUrl('/tmp/a.sock'); // 'ws+unix:///tmp/a.sock:/' */
export function unixUrl(socketPath: string): string {
  return `ws+unix://${socketPath}:/`;
}

/** Makes a run's lane directory: only this user may read the lanes (0700). @example makeLaneDirectory(dir); */
export function makeLaneDirectory(directory: string): void {
  mkdirSync(directory, { recursive: true, mode: 0o700 });
}

/**
 * Removes a run's tensor lanes (the coordinator at its end, the launcher after it, in case it crashed): up to twice
 * the model per worker of tmpfs, which is memory.
 *
 * @example
 * removeLaneDirectory('/dev/shm/dptrain-4242-1c0ffee5');
 */
export function removeLaneDirectory(directory: string): void {
  rmSync(directory, { recursive: true, force: true });
}
