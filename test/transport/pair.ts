import type { WebSocketServer } from 'ws';
import type { Message } from '../../src/protocol/index.js';
import {
  Connection,
  type ConnectionOptions,
  type ConnectOptions,
  connect,
  listen,
} from '../../src/transport/index.js';

export interface Served {
  readonly server: WebSocketServer;
  readonly port: number;
  /** resolves with the Connection wrapping the next accepted socket */
  readonly nextConnection: () => Promise<Connection>;
  readonly close: () => Promise<void>;
}

/** A loopback server on port 0 that wraps every accepted socket in a Connection with `options`. */
export async function serve(options: ConnectionOptions = {}): Promise<Served> {
  const { server, port } = await listen(
    options.maxFrameBytes === undefined ? {} : { maxFrameBytes: options.maxFrameBytes },
  );
  const accepted: Connection[] = [];
  const waiting: ((connection: Connection) => void)[] = [];
  server.on('connection', (socket) => {
    const connection = new Connection(socket, options);
    const waiter = waiting.shift();
    if (waiter === undefined) accepted.push(connection);
    else waiter(connection);
  });
  const nextConnection = () => {
    const connection = accepted.shift();
    return connection === undefined
      ? new Promise<Connection>((resolve) => waiting.push(resolve))
      : Promise.resolve(connection);
  };
  const close = async () => {
    for (const client of server.clients) client.terminate();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { server, port, nextConnection, close };
}

export interface Pair extends Served {
  /** the coordinator's side of the connection */
  readonly near: Connection;
  /** the worker's side */
  readonly far: Connection;
}

/** A loopback server and one client, each side wrapped in a Connection. */
export async function openPair(
  serverOptions: ConnectionOptions = {},
  clientOptions: ConnectOptions = {},
): Promise<Pair> {
  const served = await serve(serverOptions);
  const far = await connect(`ws://127.0.0.1:${served.port}`, clientOptions);
  const near = await served.nextConnection();
  const close = async () => {
    far.socket.terminate();
    await served.close();
  };
  return { ...served, near, far, close };
}

/** The next message event of a connection. */
export function nextMessage(connection: Connection): Promise<Message> {
  return new Promise((resolve) => connection.once('message', resolve));
}
