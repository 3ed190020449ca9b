// The kept-alive tests' rig inside workerd: the core's forwarder (sendWithFailover) over the Worker's
// fetch client against one raw upstream of keepalive-setup.ts, with the metrics it counts and the
// endpoints it marks down recorded (passive health is the pool's business: here, only which).
import { createFetchUpstreamClient } from '../../runtimes/worker/upstream-fetch.ts';
import type { AppDeps } from '../../src/deps.ts';
import type { EndpointPool, PoolEndpoint } from '../../src/upstream/pool.ts';
import { idleWatch } from '../../src/upstream/idle.ts';
import { sendWithFailover } from '../../src/upstream/send-failover.ts';

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

/**
 * Has the Worker's client (this module instance's tally, workerd's pool) see a crossing at `base`, an
 * upstream that resets a request arriving on a connection it has answered on: a small POST, then at
 * once an 8 MiB one on its connection, reset while workerd writes it (not whole: learned, sent again).
 * Reuses after it are then held (kept-alive.ts): back to back they idle under REUSE_FLOOR_MS, where a
 * first crossing whose body went out whole is a 502. Leaves the re-send's connection idle in the pool.
 */
export async function teachCrossing(base: string): Promise<void> {
  const { counts, deps, pool, ep } = forwarderRig(base, 'teach');
  // Built first: the time between the two sends is the idle time learned.
  const bodies = ['say ok', 'x'.repeat(8 * 1024 * 1024)].map((content, i) => JSON.stringify({ model: 'm', messages: [{ role: 'user', content: `kid-teach-${i} ${content}` }] }));
  for (const [i, body] of bodies.entries()) {
    const request = { method: 'POST', path: '/v1/chat/completions', headers: { 'content-type': 'application/json' }, body };
    const sent = await sendWithFailover(deps, pool, { requestId: `teach-${i}`, label: 'm', candidates: [ep], request, idle: idleWatch(0) });
    if (!('res' in sent)) throw new Error(`teachCrossing: ${sent.error.status} ${sent.error.code}`);
    await new Response(sent.res.body).text();
  }
  if (counts['llm_upstream_retries_total'] !== 1) throw new Error('teachCrossing: the 8 MiB request met no crossing');
}
