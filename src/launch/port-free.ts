import { createServer } from 'node:net';

/** How often a port still in use is tried again. */
const RETRY_MS = 100;

/**
 * Waits until `host:port` can be bound (binds it and lets it go), for up to `timeoutMs`: a restarted coordinator
 * listens where the workers knew the dead one, and the port may still be held for a moment (its sockets closing, a
 * process that has not quite gone). Resolves false when it never came free; any other error than EADDRINUSE
 * resolves at once (the coordinator's own listen then reports it).
 *
 * @example
 * if (!(await waitForPort('127.0.0.1', 29500, 5_000))) log.warn('port still in use');
 */
export async function waitForPort(host: string, port: number, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const error = await tryBind(host, port);
    if (error === null || error.code !== 'EADDRINUSE') return true;
    if (performance.now() + RETRY_MS > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
  }
}

function tryBind(host: string, port: number): Promise<NodeJS.ErrnoException | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(null)));
  });
}
