// The optional separate metrics port (observability.metrics.port; the reference uses 9190), so
// Prometheus can scrape without going through the gateway's listener. Serves GET /metrics only.
import { createServer, type Server } from 'node:http';
import { listen } from './listen.ts';
import { PROMETHEUS_CONTENT_TYPE } from '../../src/observability/metrics.ts';
import type { Metrics } from '../../src/observability/types.ts';

export interface MetricsServer {
  port: number;
  server: Server;
  close(): Promise<void>;
}

export interface MetricsServerOptions {
  port: number;
  host?: string;
}

export async function startMetricsServer(metrics: Metrics, opts: MetricsServerOptions): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('method not allowed\n');
      return;
    }
    let body: string;
    try {
      body = metrics.render();
    } catch {
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('metrics unavailable\n');
      return;
    }
    res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE, 'content-length': Buffer.byteLength(body) });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  server.keepAliveTimeout = 65_000;

  const { port, close } = await listen(server, opts.port, opts.host ?? '0.0.0.0');
  return { port, server, close };
}
