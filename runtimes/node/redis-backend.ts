// Redis as the shared store of the semantic cache. Each entry is a hash (vector bytes, partition,
// answer JSON) with the entry's TTL, listed in a sorted set by expiry so a starting pod can load
// them all; changes are published on a channel so every pod's in-process index follows within
// milliseconds. Commands fail fast while Redis is down (no offline queue): the cache degrades to
// local-only, ioredis keeps reconnecting, and the synced cache reconciles when it is back.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { CacheBackend, CacheBackendListener, CacheEntry } from '../../src/cache/backend.ts';
import type { Logger, Metrics } from '../../src/observability/types.ts';

export interface RedisBackendOptions {
  url: string;
  keyPrefix: string;
  connectTimeoutMs: number;
  logger: Logger;
  metrics?: Metrics;
}

const NO_EXPIRY = 8.64e15;

interface Wire { id: string; m: string; s: string; c?: string; x: number; v: string; a: string }

const toWire = (e: CacheEntry): Wire => ({
  id: e.id, m: e.key.requestedModel, s: e.key.scope, c: e.key.context, x: e.expiresAtMs,
  v: Buffer.from(e.vector.buffer, e.vector.byteOffset, e.vector.byteLength).toString('base64'), a: JSON.stringify(e.answer),
});

const fromWire = (w: Wire): CacheEntry => {
  const b = Buffer.from(w.v, 'base64');
  const vector = new Float32Array(b.byteLength / 4);
  new Uint8Array(vector.buffer).set(b);
  return {
    id: w.id,
    key: { requestedModel: w.m, scope: w.s, ...(w.c ? { context: w.c } : {}) },
    vector, answer: JSON.parse(w.a), expiresAtMs: Number(w.x) || 0,
  };
};

export class RedisBackend implements CacheBackend {
  readonly name = 'redis';
  private readonly cmd: Redis;
  private readonly sub: Redis;
  private readonly origin = randomUUID();
  private readonly channel: string;
  private readonly idx: string;
  private up = false;
  private wasDown = false;
  private listener?: CacheBackendListener;

  constructor(private readonly opts: RedisBackendOptions) {
    const common = {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: opts.connectTimeoutMs,
      retryStrategy: (n: number) => Math.min(100 * n, 1000),
    };
    this.cmd = new Redis(opts.url, common);
    // The subscriber queues its SUBSCRIBE until connected, and ioredis re-subscribes after reconnects.
    this.sub = new Redis(opts.url, { ...common, enableOfflineQueue: true, maxRetriesPerRequest: null });
    this.channel = `${opts.keyPrefix}events`;
    this.idx = `${opts.keyPrefix}ids`;
    for (const [name, c] of [['command', this.cmd], ['subscriber', this.sub]] as const) {
      c.on('error', (err: Error) => opts.logger.debug({ backend: 'redis', connection: name, err: err.message }, 'redis connection error'));
      c.on('ready', () => this.onReady());
      c.on('close', () => this.onDown());
    }
    this.sub.on('message', (_ch: string, msg: string) => this.onMessage(msg));
  }

  /** Connects both connections, waiting at most connectTimeoutMs; never throws. */
  async connect(): Promise<boolean> {
    const attempt = Promise.all([this.cmd.connect(), this.sub.connect()]).then(() => true, () => false);
    const timeout = new Promise<boolean>((r) => setTimeout(() => r(false), this.opts.connectTimeoutMs).unref());
    const ok = await Promise.race([attempt, timeout]);
    if (!ok) {
      this.wasDown = true;
      this.opts.logger.warn({ backend: 'redis' }, 'semantic cache: Redis unreachable at start; serving local-only and retrying');
      this.opts.metrics?.inc('llm_cache_backend_errors_total', { backend: 'redis', operation: 'connection' });
    }
    return ok;
  }

  healthy(): boolean {
    return this.up;
  }

  async subscribe(listener: CacheBackendListener): Promise<void> {
    this.listener = listener;
    await this.sub.subscribe(this.channel);
  }

  async load(): Promise<CacheEntry[]> {
    await this.cmd.zremrangebyscore(this.idx, '-inf', Date.now());
    const ids = await this.cmd.zrange(this.idx, 0, -1);
    const out: CacheEntry[] = [];
    for (let i = 0; i < ids.length; i += 500) {
      const p = this.cmd.pipeline();
      for (const id of ids.slice(i, i + 500)) p.get(this.key(id));
      for (const [err, raw] of (await p.exec()) ?? []) {
        if (err || typeof raw !== 'string') continue;
        try {
          out.push(fromWire(JSON.parse(raw)));
        } catch {
          // A malformed entry is skipped, not fatal.
        }
      }
    }
    return out;
  }

  async publishAdd(e: CacheEntry): Promise<void> {
    const w = JSON.stringify(toWire(e));
    const m = this.cmd.multi();
    if (e.expiresAtMs > 0) m.set(this.key(e.id), w, 'PXAT', e.expiresAtMs);
    else m.set(this.key(e.id), w);
    m.zadd(this.idx, e.expiresAtMs > 0 ? e.expiresAtMs : NO_EXPIRY, e.id);
    m.publish(this.channel, JSON.stringify({ o: this.origin, op: 'add', e: w }));
    await m.exec();
  }

  async publishRemove(ids: string[]): Promise<void> {
    if (!ids.length) return;
    await this.cmd.multi()
      .del(...ids.map((id) => this.key(id)))
      .zrem(this.idx, ...ids)
      .publish(this.channel, JSON.stringify({ o: this.origin, op: 'del', ids }))
      .exec();
  }

  async close(): Promise<void> {
    this.listener = undefined;
    this.cmd.disconnect();
    this.sub.disconnect();
  }

  private key(id: string): string {
    return `${this.opts.keyPrefix}e:${id}`;
  }

  private onMessage(msg: string): void {
    try {
      const m = JSON.parse(msg) as { o: string; op: string; e?: string; ids?: string[] };
      if (m.o === this.origin || !this.listener) return;
      if (m.op === 'add' && m.e) this.listener.onAdd(fromWire(JSON.parse(m.e)));
      else if (m.op === 'del' && Array.isArray(m.ids)) this.listener.onRemove(m.ids);
    } catch (err) {
      this.opts.logger.debug({ backend: 'redis', err: err instanceof Error ? err.message : 'error' }, 'ignored malformed cache event');
    }
  }

  private onReady(): void {
    if (this.cmd.status !== 'ready' || this.sub.status !== 'ready') return;
    this.up = true;
    if (this.wasDown) {
      this.wasDown = false;
      this.opts.logger.info({ backend: 'redis' }, 'semantic cache: Redis is back; resyncing');
      this.listener?.onReconnect();
    }
  }

  private onDown(): void {
    if (this.up) {
      this.opts.logger.warn({ backend: 'redis' }, 'semantic cache: lost Redis; serving local-only until it returns');
      this.opts.metrics?.inc('llm_cache_backend_errors_total', { backend: 'redis', operation: 'connection' });
    }
    if (this.listener) this.wasDown = true;
    this.up = false;
  }
}
