// Redis as the shared store of the semantic cache. Each entry is a hash (vector bytes, partition,
// answer JSON) with the entry's TTL, listed in a sorted set by expiry so a starting pod can load
// them all; changes are published on a channel so every pod's in-process index follows within
// milliseconds. Commands fail fast while Redis is down (no offline queue): the cache degrades to
// local-only, ioredis keeps reconnecting, and the synced cache reconciles when it is back. A Redis
// that is connected but does not answer (paused, swapping, a long blocking script) is treated as
// down: no byte for commandTimeoutMs while commands wait drops the connection, so neither the
// stores waiting on it nor ioredis's queue of sent commands grow while it hangs. Bytes, not whole
// answers: a starting pod loading large answers for longer than that is not taken for a hang.
// Under lru / lfu the pods' hits are shared too (redis-uses.ts).
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { CacheBackend, CacheBackendListener, CacheEntry, EntryUse } from '../../src/cache/backend.ts';
import type { Logger, Metrics } from '../../src/observability/types.ts';
import { USES_PER_SCRIPT, USES_SCRIPT, fromWireUses, toWireUses, usesOf } from './redis-uses.ts';

export interface RedisBackendOptions {
  url: string;
  keyPrefix: string;
  connectTimeoutMs: number;
  /** Longest silence while commands wait before Redis counts as down (default 1000). */
  commandTimeoutMs?: number;
  logger: Logger;
  metrics?: Metrics;
}

const NO_EXPIRY = 8.64e15;
/** Operations (a publish, a load) in flight at once; past it a store stays local-only and pending. */
const MAX_IN_FLIGHT = 64;

/** A MULTI answers each command's error in its result instead of failing: surface the first one. */
function firstError(results: Array<[Error | null, unknown]> | null): void {
  const failed = results?.find(([err]) => err);
  if (failed) throw failed[0];
}

interface Wire { id: string; m: string; s: string; c?: string; x: number; v: string; a: string }

const toWire = (e: CacheEntry): Wire => ({
  id: e.id, m: e.key.requestedModel, s: e.key.scope, c: e.key.context, x: e.expiresAtMs,
  v: Buffer.from(e.vector.buffer, e.vector.byteOffset, e.vector.byteLength).toString('base64'), a: JSON.stringify(e.answer),
});

/**
 * An entry read back, or undefined for one not in this shape (another version or tool writing under
 * the prefix): a hit on it would answer the client with whatever `a` holds.
 */
const fromWire = (w: Wire): CacheEntry | undefined => {
  const answer = typeof w?.a === 'string' ? (JSON.parse(w.a) as unknown) : undefined;
  const completion = (answer as { completion?: unknown } | null)?.completion;
  if (!completion || typeof completion !== 'object' || Array.isArray(completion) || typeof w.v !== 'string' || typeof w.id !== 'string') return undefined;
  const b = Buffer.from(w.v, 'base64');
  if (!b.byteLength || b.byteLength % 4) return undefined;
  const vector = new Float32Array(b.byteLength / 4);
  new Uint8Array(vector.buffer).set(b);
  return {
    id: w.id,
    key: { requestedModel: w.m, scope: w.s, ...(w.c ? { context: w.c } : {}) },
    vector, answer: answer as CacheEntry['answer'], expiresAtMs: Number(w.x) || 0,
  };
};

export class RedisBackend implements CacheBackend {
  readonly name = 'redis';
  /** Lost, unreachable at start and not answering are each said here, once (onDown, connect, onStall). */
  readonly saysOutages = true;
  private readonly cmd: Redis;
  private readonly sub: Redis;
  private readonly origin = randomUUID();
  private readonly channel: string;
  private readonly idx: string;
  private up = false;
  private wasDown = false;
  private listener?: CacheBackendListener;
  private closed = false;
  private inFlight = 0;
  private lastError = '';
  /** The connection was dropped because Redis stopped answering (reset when it is ready again). */
  private stalled = false;
  /** The run_id of the Redis server last connected to (INFO server). */
  private runId: string | undefined;
  private readonly commandTimeoutMs: number;

  constructor(private readonly opts: RedisBackendOptions) {
    this.commandTimeoutMs = opts.commandTimeoutMs ?? 1000;
    const common = {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: opts.connectTimeoutMs,
      retryStrategy: (n: number) => Math.min(100 * n, 1000),
    };
    // maxRetriesPerRequest 0: a dropped connection fails what was sent at once (stores stay pending
    // and are published by the resync) instead of holding it for a resend after the reconnect.
    this.cmd = new Redis(opts.url, { ...common, maxRetriesPerRequest: 0, socketTimeout: this.commandTimeoutMs });
    // The subscriber queues its SUBSCRIBE until connected, and ioredis re-subscribes after reconnects.
    this.sub = new Redis(opts.url, { ...common, enableOfflineQueue: true, maxRetriesPerRequest: null });
    this.channel = `${opts.keyPrefix}events`;
    this.idx = `${opts.keyPrefix}ids`;
    for (const [name, c] of [['command', this.cmd], ['subscriber', this.sub]] as const) {
      c.on('error', (err: Error) => {
        this.lastError = err.message;
        if (name === 'command' && err.message.startsWith('Socket timeout')) this.onStall();
        opts.logger.debug({ backend: 'redis', connection: name, err: err.message }, 'redis connection error');
      });
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
      this.opts.logger.warn({ backend: 'redis', ...(this.lastError ? { err: this.lastError } : {}) }, 'semantic cache: Redis unreachable at start; serving local-only and retrying');
      this.opts.metrics?.inc('llm_cache_backend_errors_total', { backend: 'redis', operation: 'connection' });
    }
    return ok;
  }

  healthy(): boolean {
    return this.up;
  }

  /** Commands sent or queued and not answered yet (diagnostics, tests). */
  backlog(): number {
    const c = this.cmd as unknown as { commandQueue?: { length: number }; offlineQueue?: { length: number } };
    return (c.commandQueue?.length ?? 0) + (c.offlineQueue?.length ?? 0);
  }

  async subscribe(listener: CacheBackendListener): Promise<void> {
    this.listener = listener;
    await this.sub.subscribe(this.channel);
  }

  load(): Promise<CacheEntry[]> {
    return this.bounded(() => this.loadAll());
  }

  private async loadAll(): Promise<CacheEntry[]> {
    await this.cmd.zremrangebyscore(this.idx, '-inf', Date.now());
    const ids = await this.cmd.zrange(this.idx, 0, -1);
    const out: CacheEntry[] = [];
    for (let i = 0; i < ids.length; i += 500) {
      const p = this.cmd.pipeline();
      for (const id of ids.slice(i, i + 500)) p.get(this.key(id)).hmget(this.usesKey(id), 'h', 't');
      const res = (await p.exec()) ?? [];
      for (let j = 0; j < res.length; j += 2) {
        const [err, raw] = res[j]!;
        if (err || typeof raw !== 'string') continue;
        try {
          const e = fromWire(JSON.parse(raw));
          if (e) out.push({ ...e, uses: usesOf(res[j + 1]?.[1], e.answer.createdMs) });
        } catch {
          // A malformed entry is skipped, not fatal.
        }
      }
    }
    return out;
  }

  publishAdd(e: CacheEntry): Promise<void> {
    return this.bounded(() => this.add(e));
  }

  private async add(e: CacheEntry): Promise<void> {
    const w = JSON.stringify(toWire(e));
    const m = this.cmd.multi();
    if (e.expiresAtMs > 0) m.set(this.key(e.id), w, 'PXAT', e.expiresAtMs);
    else m.set(this.key(e.id), w);
    m.zadd(this.idx, e.expiresAtMs > 0 ? e.expiresAtMs : NO_EXPIRY, e.id);
    // Redis expires the entries' keys but not their ids here: trimmed with each add, the set holds
    // the live entries, not every id stored since Redis started.
    m.zremrangebyscore(this.idx, '-inf', Date.now());
    m.publish(this.channel, JSON.stringify({ o: this.origin, op: 'add', e: w }));
    firstError(await m.exec());
  }

  async publishRemove(ids: string[]): Promise<void> {
    if (!ids.length) return;
    await this.bounded(async () => firstError(await this.cmd.multi()
      .del(...ids.flatMap((id) => [this.key(id), this.usesKey(id)]))
      .zrem(this.idx, ...ids)
      .publish(this.channel, JSON.stringify({ o: this.origin, op: 'del', ids }))
      .exec()));
  }

  async publishUses(uses: EntryUse[], total: boolean): Promise<void> {
    for (let i = 0; i < uses.length; i += USES_PER_SCRIPT) {
      const part = uses.slice(i, i + USES_PER_SCRIPT);
      const keys = part.flatMap((u) => [this.key(u.id), this.usesKey(u.id)]);
      const event = JSON.stringify({ o: this.origin, op: 'use', ...(total ? { t: 1 } : {}), u: toWireUses(part) });
      const args = part.flatMap((u) => [Math.round(u.hits), Math.round(u.usedMs)]);
      await this.bounded(() => this.cmd.eval(USES_SCRIPT, keys.length, ...keys, total ? '1' : '0', this.channel, event, ...args));
    }
  }

  /** Runs one operation unless too many wait already. */
  private async bounded<T>(op: () => Promise<T>): Promise<T> {
    if (this.inFlight >= MAX_IN_FLIGHT) throw new Error(`more than ${MAX_IN_FLIGHT} Redis operations waiting`);
    this.inFlight++;
    try {
      return await op();
    } catch (err) {
      throw this.explain(err);
    } finally {
      this.inFlight--;
    }
  }

  /**
   * With maxRetriesPerRequest 0, a command the dropped connection failed carries ioredis's
   * "Reached the max retries per request limit (which is 0)", which tells an operator nothing: say
   * what happened (ioredis's text stays as the cause).
   */
  private explain(err: unknown): unknown {
    // ioredis's words for a command refused while disconnected (no offline queue).
    if (err instanceof Error && err.message.startsWith("Stream isn't writeable")) return new Error('Redis is not connected', { cause: err });
    if (!(err instanceof Error) || err.name !== 'MaxRetriesPerRequestError') return err;
    const what = this.stalled ? `Redis did not answer within ${this.commandTimeoutMs} ms` : 'the Redis connection closed before it answered';
    return new Error(what, { cause: err });
  }

  /**
   * Redis holds the connection but sends nothing (ioredis's socketTimeout destroyed the socket).
   * Said here, once, before the close (so not again as a lost connection); the close fails what was
   * sent (the stores stay pending here), commands fail fast until a ready check passes, and the
   * return resyncs like any outage.
   */
  private onStall(): void {
    if (!this.up) return;
    this.opts.logger.warn({ backend: 'redis', timeout_ms: this.commandTimeoutMs },
      'semantic cache: Redis did not answer; reconnecting, serving local-only until it answers');
    this.opts.metrics?.inc('llm_cache_backend_errors_total', { backend: 'redis', operation: 'timeout' });
    this.up = false;
    this.stalled = true;
    if (this.listener) this.wasDown = true;
  }

  async close(): Promise<void> {
    this.listener = undefined;
    // Ours to close: not a lost connection to warn about and count.
    this.closed = true;
    this.up = false;
    this.cmd.disconnect();
    this.sub.disconnect();
  }

  private key(id: string): string {
    return `${this.opts.keyPrefix}e:${id}`;
  }

  private usesKey(id: string): string {
    return `${this.opts.keyPrefix}u:${id}`;
  }

  private onMessage(msg: string): void {
    try {
      const m = JSON.parse(msg) as { o: string; op: string; e?: string; ids?: string[]; t?: number; u?: unknown };
      if (m.o === this.origin || !this.listener) return;
      const e = m.op === 'add' && m.e ? fromWire(JSON.parse(m.e)) : undefined;
      const uses = m.op === 'use' ? fromWireUses(m.u) : undefined;
      if (e) this.listener.onAdd(e);
      else if (m.op === 'del' && Array.isArray(m.ids)) this.listener.onRemove(m.ids);
      else if (uses) this.listener.onUse?.(uses, m.t === 1);
    } catch (err) {
      // The name only: a parser's message quotes the event, which holds a cached question and answer.
      this.opts.logger.debug({ backend: 'redis', err: err instanceof Error ? err.name : 'error' }, 'ignored malformed cache event');
    }
  }

  private onReady(): void {
    if (this.closed || this.cmd.status !== 'ready' || this.sub.status !== 'ready') return;
    this.up = true;
    this.stalled = false;
    const back = this.wasDown;
    this.wasDown = false;
    const before = this.runId;
    // Which Redis answered: another run_id is another server (restarted, failed over), and one
    // restarted without its data lacks every entry though no pod removed any.
    void this.cmd.info('server').then((info) => /run_id:(\w+)/.exec(info)?.[1], () => undefined).then((id) => {
      if (id) this.runId = id;
      if (!back || this.closed) return;
      const fresh = !!before && !!id && id !== before;
      this.opts.logger.info({ backend: 'redis', ...(fresh ? { restarted: true } : {}) },
        fresh ? "semantic cache: Redis is back, restarted; giving it this pod's entries and resyncing" : 'semantic cache: Redis is back; resyncing');
      this.listener?.onReconnect(fresh);
    });
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
