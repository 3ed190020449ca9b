// Puts a node:http server on a port and gives back its close. The gateway, the mock and the metrics
// port all listen this way.
//   close(): at once; does not wait for idle keep-alive sockets (or a client holding an SSE stream)
//     to time out. Tests, the mock and the dev server rely on this.
//   drain(ms): graceful (SIGTERM in a rollout): the listening socket closes at once (new
//     connections are refused, so a client or proxy retries elsewhere), idle keep-alive sockets are
//     closed, requests in flight run to their end, each answering with `Connection: close`, and
//     whatever still runs at the deadline is cut.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DrainResult {
  /** Requests running (or arriving on a kept-alive socket) when the close began. */
  inFlight: number;
  /** Requests still running at the deadline, whose sockets were cut. */
  cut: number;
}

export interface Listening {
  /** The bound port (the one the OS picked when asked for 0). */
  port: number;
  /** Requests whose answer has not finished yet. */
  active(): number;
  close(): Promise<void>;
  /** Lets requests in flight run up to drainMs (0: none), then cuts what is left. */
  drain(drainMs: number): Promise<DrainResult>;
}

/** How often idle sockets are swept while draining: a socket becomes idle when its answer ends. */
const SWEEP_MS = 50;

export function listen(server: Server, port: number, host: string): Promise<Listening> {
  const open = new Set<ServerResponse>();
  let draining = false;
  // Ahead of the app's listener, which may write a whole answer before a later listener runs.
  server.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => {
    open.add(res);
    res.once('close', () => open.delete(res));
    // A request on a socket kept alive from before the drain: served, then the socket closes.
    if (draining) res.shouldKeepAlive = false;
  });

  const drain = (drainMs: number) =>
    new Promise<DrainResult>((done) => {
      const inFlight = open.size;
      if (drainMs <= 0) {
        server.closeAllConnections?.();
        server.close(() => done({ inFlight, cut: inFlight }));
        return;
      }
      draining = true;
      for (const res of open) if (!res.headersSent) res.shouldKeepAlive = false;
      let cut = 0;
      const sweep = setInterval(() => server.closeIdleConnections?.(), SWEEP_MS);
      const deadline = setTimeout(() => {
        cut = open.size;
        server.closeAllConnections?.();
      }, drainMs);
      // Closes the listener and the idle sockets (Node >= 19); a socket whose request is still
      // arriving counts as busy and is kept. The callback runs once the last socket is gone.
      server.close(() => {
        clearInterval(sweep);
        clearTimeout(deadline);
        done({ inFlight, cut });
      });
    });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve({ port: (server.address() as AddressInfo).port, active: () => open.size, close: () => drain(0).then(() => {}), drain });
    });
  });
}
