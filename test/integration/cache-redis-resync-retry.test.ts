// A resync that fails against a real, connected Redis is retried: the entries a pod stored while its
// publishes failed reach the other pod once Redis accepts them, without waiting for another
// reconnect. The failure here is a key of the wrong type under the prefix (every write and load
// fails with WRONGTYPE while it is there), which an operator then deletes; a Redis flapping during
// the resync fails it the same way. Own redis-server: CLIENT KILL would drop other files' clients.
import { afterAll, describe, expect, inject, it } from 'vitest';
import { Redis } from 'ioredis';
import type { Logger } from '../../src/observability/types.ts';
import { RedisPods, answer, cacheKey as key, until as pollUntil, vec } from './helpers/redis-pods.ts';

const pods = new RedisPods();
// Every 20 ms: some conditions render the whole metrics text.
const until = (cond: () => boolean | Promise<boolean>, ms: number) => pollUntil(cond, ms, 20);
async function pod(url: string, prefix: string, commandTimeoutMs?: number) {
  const logs: Array<{ level: string; msg: string; obj: Record<string, unknown> }> = [];
  const log = (level: string) => (o: object, m?: string) => void logs.push({ level, msg: m ?? '', obj: o as Record<string, unknown> });
  const logger: Logger = { debug() {}, info: log('info'), warn: log('warn'), error: log('error') };
  const p = await pods.pod(url, prefix, { logger, commandTimeoutMs });
  expect(p.connected).toBe(true);
  return { ...p, logs };
}

afterAll(async () => {
  await pods.close();
});

describe('semantic cache: a failed resync against Redis is retried', () => {
  it('entries stored while publishes failed reach the other pod once Redis accepts them, with no second reconnect', async () => {
    const { url } = await pods.server(inject('redisBin'));
    const a = await pod(url, 'rr:');
    const b = await pod(url, 'rr:');
    const r = new Redis(url);

    await r.set('rr:ids', 'not a sorted set');
    for (let i = 0; i < 3; i++) await a.cache.store(key, vec(i), answer(`kept ${i}`));
    expect(a.cache.unpublished()).toBe(3);
    // The command connections drop and come back (a flap): each pod resyncs, and the resync fails.
    await r.client('KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
    await until(async () => /llm_cache_backend_errors_total\{backend="redis",operation="resync"\} [1-9]/.test(await a.metrics.render()), 5000);
    expect(a.cache.unpublished()).toBe(3);

    // Fixed while both stay connected: no reconnect will come to resync.
    await r.del('rr:ids');
    await until(() => a.cache.unpublished() === 0, 5000);
    await until(async () => (await b.cache.lookup(key, vec(2), 0.99)) !== undefined, 2000);
    expect(b.cache.size()).toBe(3);

    const failed = a.logs.filter((l) => /resync .*failed/.test(l.msg));
    expect(failed).toHaveLength(1);
    expect(failed[0].obj).toMatchObject({ backend: 'redis', unpublished: 3, retry_in_ms: 1000 });
    expect(String(failed[0].obj.err)).toMatch(/WRONGTYPE/);
    // Said once it has loaded too (the publishes come first).
    await until(() => a.logs.some((l) => /resynced/.test(l.msg) && typeof l.obj.failed_attempts === 'number'), 2000);
    r.disconnect();
  }, 20_000);

  it('a stalled Redis is said as such, once: "did not answer within N ms", not ioredis\'s max-retries text (kept as the cause)', async () => {
    const { proc: server, url } = await pods.server(inject('redisBin'));
    const a = await pod(url, 'st:', 300);
    server.kill('SIGSTOP');
    try {
      // What a failed operation reports (the outage's reminders and resync failures say it).
      const entry = { id: 'stalled-direct', key, vector: vec(99), answer: answer('stalled'), expiresAtMs: 0 };
      const failed = a.backend.publishAdd(entry).then(() => undefined, (e: Error) => e);
      await Promise.all(Array.from({ length: 5 }, (_, i) => a.cache.store(key, vec(100 + i), answer(`stalled ${i}`))));
      const err = await failed;
      expect(err?.message).toBe('Redis did not answer within 300 ms');
      expect(String((err?.cause as Error | undefined)?.message)).toMatch(/max retries per request/);
      // Said once, by the backend as it dropped the connection; the failed stores add no line.
      expect(a.logs.filter((l) => l.level === 'warn').map((l) => l.msg)).toEqual(['semantic cache: Redis did not answer; reconnecting, serving local-only until it answers']);
      const refused = await a.backend.publishAdd({ ...entry, id: 'stalled-after' }).then(() => undefined, (e: Error) => e);
      expect(refused?.message).toBe('Redis is not connected');
    } finally {
      server.kill('SIGCONT');
    }
    await until(() => a.cache.unpublished() === 0, 5000);
  }, 20_000);
});
