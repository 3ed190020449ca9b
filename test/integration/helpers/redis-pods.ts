// Pods of the shared semantic cache on a real redis-server, as the cache-redis* tests start them: a
// MemoryCache synced through a RedisBackend, started also when Redis is not there (it then works
// local-only and reconnects), and their own redis-servers, plus the vectors, answers and polling those
// tests share.
import type { ChildProcess } from 'node:child_process';
import { freePort, startRedis } from '../../setup/redis.ts';
import { MemoryCache } from '../../../src/cache/memory-cache.ts';
import { SyncedCache } from '../../../src/cache/synced-cache.ts';
import { createMetrics } from '../../../src/observability/metrics.ts';
import type { Logger } from '../../../src/observability/types.ts';
import type { EvictionPolicy } from '../../../src/cache/vector-index.ts';
import { RedisBackend } from '../../../runtimes/node/redis-backend.ts';

/** A deterministic embedding per seed: equal seeds hit, different ones miss at 0.99. */
export const vec = (seed: number, d = 64) => Float32Array.from({ length: d }, (_, i) => Math.sin(seed * 997 + i * 13.1));
export const answer = (text: string) => ({
  completion: { id: 'x', object: 'chat.completion', model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }] },
  model: 'm', createdMs: Date.now(),
});
export const cacheKey = { requestedModel: 'MoM', scope: 'global' };

export { until } from './until.ts';

/** llm_cache_operations_total{operation, status="success"} in a registry (a pod's, or a gateway's deps.metrics). */
export const cacheOps = (metrics: { render(): string }, operation: string): number =>
  Number(new RegExp(`llm_cache_operations_total\\{(?=[^}]*operation="${operation}")(?=[^}]*status="success")[^}]*\\} (\\d+)`).exec(metrics.render())?.[1] ?? 0);

export interface PodOptions {
  logger: Logger;
  maxEntries?: number;
  ttlSeconds?: number;
  connectTimeoutMs?: number;
  /** Left out: the backend's default. */
  commandTimeoutMs?: number;
  /** Left out: fifo. */
  eviction?: EvictionPolicy;
  /** The synced cache's hit batching (left out: its defaults). */
  usesFlushMs?: number;
  maxPendingUses?: number;
}

/** The pods and redis-servers a test file started, closed together in its afterAll (servers last). */
export class RedisPods {
  private readonly open: SyncedCache[] = [];
  private readonly servers: ChildProcess[] = [];

  /** An own redis-server (`bin`: inject('redisBin')) on `port`, else on a free one; killed by close(). */
  async server(bin: string, port?: number): Promise<{ proc: ChildProcess; port: number; url: string }> {
    const at = port ?? (await freePort());
    const proc = this.track(await startRedis(bin, at));
    return { proc, port: at, url: `redis://127.0.0.1:${at}` };
  }

  /** A server the test spawned itself, killed by close() as the others. */
  track(proc: ChildProcess): ChildProcess {
    this.servers.push(proc);
    return proc;
  }

  async pod(url: string, prefix: string, o: PodOptions) {
    const { logger, maxEntries = 2000, ttlSeconds = 60, connectTimeoutMs = 1000, commandTimeoutMs, eviction = 'fifo', usesFlushMs, maxPendingUses } = o;
    const metrics = createMetrics();
    const local = new MemoryCache({ maxEntries, eviction, ttlSeconds, metrics, backendLabel: 'redis' });
    const backend = new RedisBackend({ url, keyPrefix: prefix, connectTimeoutMs, commandTimeoutMs, logger, metrics });
    const cache = new SyncedCache(local, backend, logger, metrics, { usesFlushMs, maxPendingUses });
    const connected = await backend.connect();
    // Not connected: start() waits for the reconnect, so it is not awaited.
    if (connected) await cache.start();
    else void cache.start();
    this.open.push(cache);
    return { cache, backend, metrics, connected };
  }

  async close(): Promise<void> {
    for (const c of this.open) await c.close();
    for (const s of this.servers) s.kill('SIGKILL');
  }
}
