// Puts a node:http server on a port and gives back a close that does not wait for idle keep-alive
// sockets (or a client holding an SSE stream) to time out. The gateway, the mock and the metrics
// port all listen this way.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Listening {
  /** The bound port (the one the OS picked when asked for 0). */
  port: number;
  close(): Promise<void>;
}

export function listen(server: Server, port: number, host: string): Promise<Listening> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections?.();
            server.close(() => done());
          }),
      });
    });
  });
}
