import { createHash, randomBytes } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';

/** A listening test server and how to stop it. */
export interface Peer {
  readonly port: number;
  readonly server: Server;
  close(): Promise<void>;
}

async function listen(server: Server): Promise<Peer> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  return {
    port: address.port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Echoes every byte back; passes a half-close on after the echo. */
export function echoServer(): Promise<Peer> {
  return listen(
    createServer({ allowHalfOpen: true }, (socket) => {
      socket.on('error', () => {});
      socket.pipe(socket);
    }),
  );
}

/** What one side of a connection received, and when the last byte came. */
export interface Received {
  readonly bytes: Buffer;
  readonly lastAtMs: number;
}

/** Collects everything `socket` sends until it ends. */
export function collect(socket: Socket): Promise<Received> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let lastAtMs = Number.NaN;
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      lastAtMs = performance.now();
    });
    socket.once('end', () => resolve({ bytes: Buffer.concat(chunks), lastAtMs }));
    socket.once('error', reject);
  });
}

/** Writes `payload` in pieces of the given sizes (cycled), respecting backpressure, then ends the socket. */
export async function writeInPieces(
  socket: Socket,
  payload: Buffer,
  sizes: readonly number[],
): Promise<void> {
  let offset = 0;
  let i = 0;
  while (offset < payload.length) {
    const size = sizes[i % sizes.length]!;
    i += 1;
    const piece = payload.subarray(offset, offset + size);
    offset += piece.length;
    if (!socket.write(piece)) await new Promise((resolve) => socket.once('drain', resolve));
  }
  await new Promise<void>((resolve) => socket.end(resolve));
}

/** Piece sizes from 1 byte to 1 MiB. */
export const PIECE_SIZES = [1, 2, 3, 7, 64, 511, 1500, 4096, 16_384, 65_536, 100_003, 262_144, 1_048_576, 13];

export function connectTo(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, allowHalfOpen: true }, () => resolve(socket));
    socket.once('error', reject);
  });
}

export const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

export const randomPayload = (bytes: number): Buffer => randomBytes(bytes);

/** Resolves once `condition()` holds, polling; rejects after `timeoutMs` (a generous deadline, not a bound). */
export async function until(
  condition: () => boolean,
  timeoutMs = 20_000,
  what = 'the condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
