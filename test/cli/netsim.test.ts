import { describe, expect, it } from 'vitest';
import type { CommandIo } from '../../src/cli/io.js';
import { netsimCommand } from '../../src/cli/netsim-command.js';
import { runCli } from '../../src/cli/run-cli.js';
import { collect, connectTo, echoServer, randomPayload, sha256, until } from '../netsim/tcp-peers.js';
import { dptrain } from '../support/processes.js';

function capture(): CommandIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (l) => out.push(l), stderr: (l) => err.push(l) };
}

const LISTENING = /netsim listening (\S+):(\d+) -> /;

describe('dptrain netsim: refused flags', () => {
  it.each([
    [['--target', '127.0.0.1:1'], '--listen'],
    [['--listen', '0'], '--target'],
    [['--listen', '70000', '--target', '127.0.0.1:1'], '--listen'],
    [['--listen', '0', '--target', '127.0.0.1'], '--target'],
    [['--listen', '0', '--target', '127.0.0.1:0'], '--target'],
    [['--listen', '0', '--target', 'h:1', '--latency-ms', 'abc'], '--latency-ms'],
    [['--listen', '0', '--target', 'h:1', '--latency-ms', '-1'], '--latency-ms'],
    [['--listen', '0', '--target', 'h:1', '--latency-ms', '1', '--jitter-ms', '2'], '--jitter-ms'],
    [['--listen', '0', '--target', 'h:1', '--bandwidth-mbps', '0'], '--bandwidth-mbps'],
    [['--listen', '0', '--target', 'h:1', '--seed', '1.5'], '--seed'],
    [['--listen', '0', '--target', 'h:1', '--listen-host', ''], '--listen-host'],
    [['--listen', '0', '--target', 'h:1', '--latency'], '--latency'],
  ])('%j exits 2 naming %s', async (args, flag) => {
    const io = capture();
    expect(await runCli(['netsim', ...args], io)).toBe(2);
    expect(io.out).toEqual([]);
    expect(io.err).toHaveLength(1);
    expect(io.err[0]).toMatch(/^error: /);
    expect(io.err[0]).toContain(flag);
  });

  it('lists netsim in the help', async () => {
    const io = capture();
    await runCli(['--help'], io);
    expect(io.out.join('\n')).toContain('dptrain netsim --listen PORT --target HOST:PORT');
  });
});

describe('dptrain netsim: running', () => {
  it('prints its listening line, forwards an echo and reports the bytes when stopped', async () => {
    const echo = await echoServer();
    const io = capture();
    let stop = () => {};
    const stopped = new Promise<void>((resolve) => {
      stop = resolve;
    });
    const exit = netsimCommand(
      ['--listen', '0', '--target', `127.0.0.1:${echo.port}`, '--latency-ms', '2', '--jitter-ms', '1'],
      io,
      stopped,
    );
    await until(() => io.out.length > 0, 20_000, 'the listening line');
    const match = LISTENING.exec(io.out[0]!);
    expect(match).not.toBeNull();
    expect(io.out[0]).toContain('latency 2 ms ± 1 ms each way, bandwidth unlimited, seed 0');
    const client = await connectTo(Number(match![2]));
    const back = collect(client);
    const payload = randomPayload(300_000);
    client.end(payload);
    expect(sha256((await back).bytes)).toBe(sha256(payload));
    stop();
    expect(await exit).toBe(0);
    expect(io.out[1]).toBe(
      'netsim forwarded 300000 bytes to the target and 300000 bytes back over 1 connection',
    );
    await echo.close();
  });

  it('as a process: forwards an echo with latency, and exits 0 on SIGTERM with the byte counts', async () => {
    const echo = await echoServer();
    const child = dptrain([
      'netsim',
      '--listen',
      '0',
      '--target',
      `127.0.0.1:${echo.port}`,
      '--latency-ms',
      '10',
      '--bandwidth-mbps',
      '1000',
      '--seed',
      '3',
    ]);
    try {
      await until(() => LISTENING.test(child.stdout()), 30_000, 'the listening line');
      const port = Number(LISTENING.exec(child.stdout())![2]);
      expect(child.stdout()).toContain('latency 10 ms each way, bandwidth 1000 Mbit/s, seed 3');
      const client = await connectTo(port);
      const started = performance.now();
      const first = new Promise((resolve) => client.once('data', resolve));
      client.write('ping');
      await first;
      expect(performance.now() - started).toBeGreaterThanOrEqual(2 * 10 - 1);
      client.destroy();
      child.process.kill('SIGTERM');
      const exited = await child.exited;
      expect(exited.code).toBe(0);
      expect(exited.stdout).toContain(
        'netsim forwarded 4 bytes to the target and 4 bytes back over 1 connection',
      );
    } finally {
      child.process.kill('SIGKILL');
      await echo.close();
    }
  });

  it('as a process: a bad flag exits 2 naming it', async () => {
    const exited = await dptrain(['netsim', '--listen', '0', '--target', 'h:1', '--jitter-ms', '5']).exited;
    expect(exited.code).toBe(2);
    expect(exited.stdout).toBe('');
    expect(exited.stderr).toContain('--jitter-ms');
  });
});
