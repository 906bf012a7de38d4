import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The longest socket path the kernel takes (sun_path: 108 bytes on Linux, 104 on macOS, NUL included); the
 * transport's `listen` refuses longer ones with the same bound (the launcher does not import the transport).
 */
const SOCKET_PATH_BYTES = 103;

/** How a launch's workers reach its coordinator, and why: what summary.json records. */
export interface TransportChoice {
  readonly kind: 'unix' | 'tcp';
  readonly reason: string;
  /** the coordinator's Unix socket when `kind` is `unix` */
  readonly socketPath: string | null;
}

/** What the choice depends on: the `transport` key, the coordinator's `host`, and whether links are simulated. */
export interface TransportInputs {
  readonly requested: 'auto' | 'tcp' | 'unix';
  readonly host: string;
  readonly simulatedLinks: boolean;
}

/**
 * The transport of a launch whose workers all run on this host: with `transport: auto`, a Unix domain socket unless
 * simulated links (their relays forward TCP) or a host that is not loopback (the run expects workers from
 * elsewhere) say TCP; `tcp` (the default: measured, a Unix socket gave the sync round nothing here) or `unix` as
 * given. `transport: unix` with links is refused earlier,
 * by the run config. `socketPath` makes the path when one is needed.
 *
 * @example
 * chooseTransport({ requested: 'auto', host: '127.0.0.1', simulatedLinks: true }, () => '/tmp/a.sock').kind; // 'tcp'
 */
export function chooseTransport(inputs: TransportInputs, socketPath: () => string): TransportChoice {
  const tcp = (reason: string): TransportChoice => Object.freeze({ kind: 'tcp', reason, socketPath: null });
  if (inputs.requested === 'tcp') return tcp('transport: tcp');
  if (inputs.requested === 'auto') {
    if (inputs.simulatedLinks) return tcp('simulated links: their relays forward TCP');
    if (!isLoopback(inputs.host)) return tcp(`host ${inputs.host} is not loopback`);
  }
  const reason =
    inputs.requested === 'unix' ? 'transport: unix' : 'every worker runs on this host, no simulated links';
  return Object.freeze({ kind: 'unix', reason, socketPath: socketPath() });
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
