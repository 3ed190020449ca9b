// The kept-alive tests' rig inside workerd: the core's forwarder (sendWithFailover) over the Worker's
// fetch client against one raw upstream of keepalive-setup.ts, with the metrics it counts and the
// endpoints it marks down recorded (passive health is the pool's business: here, only which).
import { createFetchUpstreamClient } from '../../runtimes/worker/upstream-fetch.ts';
import type { AppDeps } from '../../src/deps.ts';
import type { EndpointPool, PoolEndpoint } from '../../src/upstream/pool.ts';

export function forwarderRig(base: string, name: string, timeoutMs = 5000) {
  const counts: Record<string, number> = {};
  const marks: string[] = [];
  const deps = {
    upstream: createFetchUpstreamClient(),
    config: { upstream: { timeout_ms: timeoutMs } },
    metrics: { inc: (metric: string) => void (counts[metric] = (counts[metric] ?? 0) + 1) },
    logger: { debug: () => {}, info: () => {}, warn: () => {} },
  } as unknown as AppDeps;
  const pool = { markUp: () => false, markDown: (e: PoolEndpoint) => (marks.push(e.name), true) } as unknown as EndpointPool;
  const ep: PoolEndpoint = { name, baseUrl: base, hostPort: new URL(base).host, weight: 1 };
  return { counts, marks, deps, pool, ep };
}

/** How many times each request id reached the upstream at `base`. This GET goes through the same
 *  pool and may find a connection the upstream resets: asked up to 5 times (nothing runs twice). */
export async function arrivals(base: string): Promise<Record<string, number>> {
  for (let i = 0; ; i++) {
    try {
      return (await (await fetch(`${base}/arrivals`)).json()) as Record<string, number>;
    } catch (err) {
      if (i === 4) throw err;
    }
  }
}
