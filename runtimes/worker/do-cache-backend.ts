// CacheBackend over the SemanticCacheStore Durable Object (cache-store.ts), the Worker's counterpart
// of runtimes/node/redis-backend.ts. Workers have no pub/sub socket that outlives a request, so
// "subscribe" is a pull: on the back of a request, at most every poll_interval_ms, the isolate asks
// the object for the changes after its cursor. Every RPC is kept alive past the response with
// waitUntil. A failing object marks the backend down (the synced cache serves local-only); the
// first call that succeeds again triggers onReconnect, which republishes and reloads.
import type { CacheBackend, CacheBackendListener, CacheEntry } from '../../src/cache/backend.ts';
import type { Logger, Metrics } from '../../src/observability/types.ts';
import type { StoreChanges, StoreEntry, StorePolicy, StoreUse } from './cache-store.ts';
import { HitBatch } from './cache-hits.ts';

/** The RPC surface of a SemanticCacheStore stub. */
export interface CacheStoreStub {
  add(entries: StoreEntry[], maxEntries: number, eviction?: StorePolicy): Promise<number>;
  addUses(uses: StoreUse[]): Promise<void>;
  remove(ids: string[]): Promise<void>;
  changes(since: number): Promise<StoreChanges>;
}

/** The parts of a DurableObjectNamespace binding used here. */
export interface CacheStoreNamespace {
  idFromName(name: string): unknown;
  get(id: never): unknown;
}

export interface DurableObjectBackendOptions {
  namespace: CacheStoreNamespace;
  objectName: string;
  maxEntries: number;
  /** semantic_cache.eviction_policy: the object trims by it. */
  eviction?: StorePolicy;
  pollIntervalMs: number;
  logger: Logger;
  metrics?: Metrics;
  /** Keeps an RPC running after the response went out (cloudflare:workers waitUntil). */
  waitUntil?: (p: Promise<unknown>) => void;
}

// Hits are sent at most this often per isolate; entries whose hits wait at once (as Node's pods).
const HITS_INTERVAL_MS = 1000;
const MAX_PENDING_HITS = 10_000;

// A pull that has not settled in this long is presumed lost with its request; the next one may start.
const STALE_PULL_MS = 10_000;

const toStore = (e: CacheEntry, origin: string): StoreEntry => ({
  id: e.id, origin, model: e.key.requestedModel, scope: e.key.scope, ...(e.key.context ? { context: e.key.context } : {}),
  expiresAtMs: e.expiresAtMs,
  vector: e.vector.buffer.slice(e.vector.byteOffset, e.vector.byteOffset + e.vector.byteLength) as ArrayBuffer,
  answer: JSON.stringify(e.answer),
});

/**
 * An entry read back, or undefined for one not in this shape (another version's, a cut write), as the
 * Redis backend skips them: one bad entry failed every load (the isolate's cache never synced), and
 * the parser's message, which quotes the cached text, went to the warning.
 */
const fromStore = (w: StoreEntry): CacheEntry | undefined => {
  let answer: unknown;
  try {
    answer = JSON.parse(w.answer);
  } catch {
    return undefined;
  }
  const completion = (answer as { completion?: unknown } | null)?.completion;
  if (!completion || typeof completion !== 'object' || Array.isArray(completion) || typeof w.vector?.byteLength !== 'number') return undefined;
  // Every isolate's hits so far (lru / lfu): an isolate loading later evicts by them too.
  const uses = Number.isFinite(w.hits) && Number.isFinite(w.usedMs) ? { uses: { hits: w.hits!, usedMs: w.usedMs! } } : {};
  return {
    ...uses,
    id: w.id,
    key: { requestedModel: w.model, scope: w.scope, ...(w.context ? { context: w.context } : {}) },
    vector: new Float32Array(w.vector.slice(0)),
    answer: answer as CacheEntry['answer'],
    expiresAtMs: w.expiresAtMs,
  };
};

export class DurableObjectCacheBackend implements CacheBackend {
  readonly name = 'durable_object';
  private readonly origin = globalThis.crypto.randomUUID();
  private cursor = 0;
  private up = true;
  private listener?: CacheBackendListener;
  private pulling?: { p: Promise<void>; at: number };
  private lastPull = 0;
  private lastWarn = 0;
  /** This isolate's hits not sent yet (lru / lfu only). */
  private readonly hits: HitBatch | undefined;

  constructor(private readonly opts: DurableObjectBackendOptions) {
    // fifo trims by insertion whatever was hit: nothing to send.
    if (opts.eviction === 'lru' || opts.eviction === 'lfu') {
      this.hits = new HitBatch({
        intervalMs: HITS_INTERVAL_MS, maxEntries: MAX_PENDING_HITS, up: () => this.up, waitUntil: opts.waitUntil,
        send: (uses) => this.call((s) => s.addUses(uses)).catch((err) => { this.warn('publish_uses', err); throw err; }),
      });
    }
  }

  /** A hit in this isolate (the lookup path: counted only; sent on the request's back, batched). */
  noteHit(id: string, nowMs: number): void {
    this.hits?.note(id, nowMs);
  }

  healthy(): boolean {
    return this.up;
  }

  async subscribe(listener: CacheBackendListener): Promise<void> {
    this.listener = listener;
  }

  async load(): Promise<CacheEntry[]> {
    const live = new Map<string, CacheEntry>();
    let since = 0;
    for (;;) {
      const c = await this.call((s) => s.changes(since));
      for (const id of c.removes) live.delete(id);
      for (const w of c.adds) {
        const e = fromStore(w);
        if (e) live.set(w.id, e);
      }
      since = c.cursor;
      if (!c.more) break;
    }
    this.cursor = Math.max(this.cursor, since);
    this.lastPull = Date.now();
    return [...live.values()];
  }

  async publishAdd(e: CacheEntry): Promise<void> {
    await this.call((s) => s.add([toStore(e, this.origin)], this.opts.maxEntries, this.opts.eviction ?? 'fifo'));
  }

  async publishRemove(ids: string[]): Promise<void> {
    if (ids.length) await this.call((s) => s.remove(ids));
  }

  /**
   * Pulls other isolates' changes when due (or now with force); never rejects. Returns the pull in
   * flight, or undefined when none was due.
   */
  pull(force = false): Promise<void> | undefined {
    const now = Date.now();
    if (this.pulling && now - this.pulling.at < STALE_PULL_MS) return this.pulling.p;
    if (!this.listener || (!force && now - this.lastPull < this.opts.pollIntervalMs)) return undefined;
    this.lastPull = now;
    const p: Promise<void> = this.pullOnce()
      .catch((err) => this.warn('pull', err))
      .finally(() => {
        if (this.pulling?.p === p) this.pulling = undefined;
      });
    this.pulling = { p, at: now };
    return p;
  }

  async close(): Promise<void> {
    this.listener = undefined;
  }

  private async pullOnce(): Promise<void> {
    for (;;) {
      const since = this.cursor;
      const c = await this.call((s) => s.changes(since));
      const l = this.listener;
      if (!l) return;
      // The object dropped removals older than our cursor: only a full reload is exact.
      if (c.reset) return l.onReconnect();
      if (c.removes.length) l.onRemove(c.removes);
      // Every isolate's hits as the object counts them (this one's included): totals to raise to,
      // applied before the adds, whose room is made by them. This isolate's own entries come back
      // too (from a cursor of 0 only so), with their counts.
      const uses = [...(c.uses ?? [])];
      for (const w of c.adds) if (w.origin === this.origin && w.hits) uses.push({ id: w.id, hits: w.hits, usedMs: w.usedMs ?? 0 });
      if (uses.length) l.onUse?.(uses, true);
      for (const w of c.adds) {
        const e = w.origin !== this.origin ? fromStore(w) : undefined;
        if (e) l.onAdd(e);
      }
      this.cursor = Math.max(this.cursor, c.cursor);
      if (!c.more) return;
    }
  }

  private async call<T>(fn: (stub: CacheStoreStub) => Promise<T>): Promise<T> {
    const ns = this.opts.namespace;
    const run = (async () => fn(ns.get(ns.idFromName(this.opts.objectName) as never) as CacheStoreStub))();
    try {
      this.opts.waitUntil?.(run.catch(() => {}));
    } catch {
      // Outside a request (no context to extend): the call simply runs.
    }
    try {
      const r = await run;
      if (!this.up) {
        this.up = true;
        this.opts.logger.info({ backend: this.name }, 'semantic cache: Durable Object reachable again; resyncing');
        this.listener?.onReconnect();
      }
      return r;
    } catch (err) {
      if (this.up) this.opts.metrics?.inc('llm_cache_backend_errors_total', { backend: this.name, operation: 'connection' });
      this.up = false;
      throw err;
    }
  }

  private warn(operation: string, err: unknown): void {
    this.opts.metrics?.inc('llm_cache_backend_errors_total', { backend: this.name, operation });
    const now = Date.now();
    if (now - this.lastWarn < 10_000) return;
    this.lastWarn = now;
    // A parser's message quotes what it read (cached text): its name only.
    const text = err instanceof SyntaxError ? err.name : err instanceof Error ? err.message : String(err);
    this.opts.logger.warn({ backend: this.name, operation, err: text },
      'semantic cache backend unavailable; serving from the local cache');
  }
}
