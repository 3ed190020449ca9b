// The in-flight gauge, set from the HTTP server's own events: shared by `npm start` (main.ts) and
// `npm run dev` (dev.ts) so both expose it the same way.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Metrics } from '../../src/observability/types.ts';

/**
 * llm_inflight_requests: chat requests from arrival until the answer is fully written or the client
 * went away ('close' fires in both cases), so a long stream counts for as long as it runs.
 */
export function countInflight(server: Server, metrics: Metrics): void {
  let n = 0;
  metrics.set('llm_inflight_requests', {}, 0);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST' || !req.url?.startsWith('/v1/chat/completions')) return;
    metrics.set('llm_inflight_requests', {}, ++n);
    res.once('close', () => metrics.set('llm_inflight_requests', {}, --n));
  });
}
