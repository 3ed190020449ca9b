// A MemoryCache kept in sync with other pods through a CacheBackend. Lookups never leave the
// process; stores go to the local index at once and to the backend in the background. A backend
// failure is logged and counted, never surfaced: entries stored meanwhile are published when the
// backend comes back, and the local index is reconciled with the backend's contents. Under lru /
// lfu the hits are shared too, batched off the lookup path (a second's worth at a time), so that
// every pod evicts by all pods' hits: evicting by its own, a pod dropped the entry the others
// served most, and told them to drop it too.
import type { Logger, Metrics } from '../observability/types.ts';
import type { CacheBackend, CacheEntry, EntryUse } from './backend.ts';
import type { MemoryCache } from './memory-cache.ts';
import type { CachedAnswer, CacheHit, CacheKeyScope, SemanticCache } from './types.ts';
import { UseBatch } from './use-batch.ts';

/** The error for a log line, and what it wraps (a backend's own words for it) as `cause`. */
function errFields(err: unknown): { err: string; cause?: string } {
  if (!(err instanceof Error)) return { err: String(err) };
  return { err: err.message, ...(err.cause instanceof Error ? { cause: err.cause.message } : {}) };
}

export class SyncedCache implements SemanticCache {
  /** Local entries the backend has not acknowledged yet. */
  private pending = new Map<string, CacheEntry>();
  private resyncing: Promise<void> | undefined;
  /** A resync was asked for while one ran: its snapshot may predate the request, so run again. */
  private again = false;
  /**
   * Ids added or removed while a resync's snapshot is in flight. The snapshot is older than they are
   * (another pod's event can be read before the reply to an earlier load), so they win over it.
   */
  private window: { added: Set<string>; removed: Set<string> } | undefined;
  /** The backend outage being reported: when it was said, and the operations failed since it began. */
  private outage: { startedMs: number; saidMs: number; failed: number } | undefined;
  private readonly now: () => number;
  /**
   * A failed resync is retried while the backend is up: otherwise the entries stored during the
   * outage stay unpublished (other pods never see them) until the next reconnect, maybe hours.
   */
  private readonly retryMs: { first: number; max: number };
  /** Failed resyncs in a row (0: none), and the retry waiting to run. */
  private resyncFailures = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  /** This pod's hits not sent yet (lru / lfu with a backend that shares them). */
  private readonly uses: UseBatch | undefined;
  /** The backend came back empty (restarted): this pod's counts go to it as totals with its entries. */
  private restoreUses = false;

  constructor(
    readonly local: MemoryCache,
    private readonly backend: CacheBackend,
    private readonly logger: Logger,
    private readonly metrics?: Metrics,
    opts: { now?: () => number; resyncRetryMs?: { first: number; max: number }; usesFlushMs?: number; maxPendingUses?: number } = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.retryMs = opts.resyncRetryMs ?? { first: 1000, max: 60_000 };
    // fifo evicts by insertion whatever was hit: nothing to share.
    if (backend.publishUses && local.eviction !== 'fifo') {
      const uses = new UseBatch({
        flushMs: opts.usesFlushMs ?? 1000, maxEntries: opts.maxPendingUses ?? 10_000, up: () => backend.healthy(),
        send: (list) => this.guard('publish_uses', backend.publishUses!(list, false)),
      });
      local.onHit = (id, now) => uses.note(id, now);
      this.uses = uses;
    }
    local.onEvict = (ids) => {
      for (const id of ids) this.forgetEntry(id);
      this.noteRemoved(ids);
      this.guard('publish_remove', this.backend.publishRemove(ids));
    };
  }

  /** Loads what the backend holds and subscribes to other pods' changes; never throws. */
  async start(): Promise<void> {
    try {
      await this.backend.subscribe({
        onAdd: (e) => {
          this.local.put(e);
          this.noteAdded(e.id);
        },
        onRemove: (ids) => {
          for (const id of ids) this.uses?.forget(id);
          this.local.remove(ids);
          this.noteRemoved(ids);
        },
        onReconnect: (fresh) => {
          // Another store (restarted empty): this pod's entries are given to it, not dropped as removed.
          if (fresh) for (const e of this.local.entries()) if (e.expiresAtMs === 0 || e.expiresAtMs > Date.now()) this.pending.set(e.id, e);
          if (fresh && this.uses) this.restoreUses = true;
          void this.resync();
        },
        onUse: (uses, total) => {
          for (const u of uses) this.local.use(u.id, u.hits, u.usedMs, total);
        },
      });
      for (const e of await this.backend.load()) this.local.put(e);
    } catch (err) {
      this.fail('load', err);
      // Connected but the load failed: nothing else would load the shared entries until a reconnect.
      if (this.backend.healthy()) this.scheduleResync();
    }
  }

  lookup(key: CacheKeyScope, vector: Float32Array, threshold: number, accept?: (answer: CachedAnswer) => boolean): Promise<CacheHit | undefined> {
    return this.local.lookup(key, vector, threshold, accept);
  }

  async store(key: CacheKeyScope, vector: Float32Array, answer: CachedAnswer): Promise<void> {
    const entry = this.local.newEntry(key, vector, answer);
    this.local.put(entry);
    if (!this.local.has(entry.id)) return;
    this.noteAdded(entry.id);
    this.dropExpiredPending(Date.now());
    this.pending.set(entry.id, entry);
    const ok = await this.guard('publish_add', this.backend.publishAdd(entry));
    if (ok) this.pending.delete(entry.id);
    // Refused while connected (a full Redis answers OOM, a read-only replica READONLY): no reconnect
    // will come to publish what waits, so the resync is retried until Redis takes it.
    else if (this.backend.healthy()) this.scheduleResync();
  }

  size(): number {
    return this.local.size();
  }

  /** Entries stored here that the backend has not acknowledged yet (diagnostics, tests). */
  unpublished(): number {
    return this.pending.size;
  }

  showSize(): void {
    this.local.showSize();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.uses?.close();
    await this.backend.close().catch(() => {});
  }

  /** After an outage: publish what was stored locally meanwhile, then take the backend's view. */
  resync(): Promise<void> {
    // A reconnect's resync replaces a waiting retry (one resync at a time).
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    if (this.closed) return Promise.resolve();
    if (this.resyncing) {
      this.again = true;
      return this.resyncing;
    }
    this.resyncing = (async () => {
      try {
        do {
          this.again = false;
          await this.resyncOnce();
        } while (this.again);
      } finally {
        this.resyncing = undefined;
      }
    })();
    return this.resyncing;
  }

  private async resyncOnce(): Promise<void> {
    clearTimeout(this.retryTimer); // a rerun (again) makes the waiting retry moot
    this.retryTimer = undefined;
    const window = { added: new Set<string>(), removed: new Set<string>() };
    this.window = window;
    try {
      for (const [id, e] of [...this.pending]) {
        // Gone here, or expired meanwhile (Redis refuses nothing for it, but it would serve nobody).
        if (!this.local.has(id) || (e.expiresAtMs > 0 && e.expiresAtMs <= Date.now())) { this.pending.delete(id); continue; }
        await this.backend.publishAdd(e);
        this.pending.delete(id);
      }
      if (this.restoreUses) {
        const totals: EntryUse[] = [];
        for (const e of this.local.entries()) if (e.uses?.hits) totals.push({ id: e.id, hits: e.uses.hits, usedMs: e.uses.usedMs });
        // The totals hold the hits waiting here: sent as well, they would count twice.
        this.uses?.clear();
        await this.backend.publishUses!(totals, true);
        this.restoreUses = false;
      }
      const remote = await this.backend.load();
      const ids = new Set(remote.map((e) => e.id));
      // Local entries the backend lacks were removed elsewhere during the outage, unless they are
      // newer than the snapshot.
      const gone = this.local.entries().filter((e) => !ids.has(e.id) && !this.pending.has(e.id) && !window.added.has(e.id)).map((e) => e.id);
      this.local.remove(gone);
      for (const id of gone) this.uses?.forget(id);
      for (const e of remote) {
        if (!this.local.has(e.id)) { if (!window.removed.has(e.id)) this.local.put(e); }
        // Hits other pods sent while this one was away (their events are lost with the connection).
        else if (e.uses) this.local.use(e.id, e.uses.hits, e.uses.usedMs, true);
      }
      // Hits kept while the backend was away.
      this.uses?.ready();
      this.outage = undefined;
      const retried = this.resyncFailures;
      this.resyncFailures = 0;
      this.logger.info({ backend: this.backend.name, entries: this.local.size(), ...(retried ? { failed_attempts: retried } : {}) }, 'semantic cache resynced with shared backend');
    } catch (err) {
      this.resyncFailed(err);
    } finally {
      if (this.window === window) this.window = undefined;
    }
  }

  /**
   * Counted like any failure; said once per run of failures (the success after it says how many),
   * not with each retry. Retried with a doubling delay while the backend is up; while it is down
   * the reconnect resyncs.
   */
  private resyncFailed(err: unknown): void {
    this.metrics?.inc('llm_cache_operations_total', { backend: this.backend.name, operation: 'resync', status: 'error' });
    this.metrics?.inc('llm_cache_backend_errors_total', { backend: this.backend.name, operation: 'resync' });
    if (this.outage) this.outage.failed++;
    this.resyncFailures++;
    const delayMs = this.scheduleResync();
    if (this.resyncFailures > 1) return;
    this.logger.warn({
      backend: this.backend.name, ...errFields(err), unpublished: this.pending.size,
      ...(delayMs === undefined ? {} : { retry_in_ms: delayMs }),
    }, 'semantic cache resync with shared backend failed; retrying until it succeeds');
  }

  /** Runs a resync after a delay doubling with each failure (first .. max); undefined if none set. */
  private scheduleResync(): number | undefined {
    if (this.closed || this.retryTimer) return undefined;
    const delayMs = Math.min(this.retryMs.first * 2 ** Math.max(0, this.resyncFailures - 1), this.retryMs.max);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      // Down again: the reconnect resyncs (and waiting here would resync against nothing).
      if (!this.closed && this.backend.healthy()) void this.resync();
    }, delayMs);
    // Node: a retry waiting must not keep the process alive (Workers' timers have no unref).
    (this.retryTimer as { unref?: () => void }).unref?.();
    return delayMs;
  }

  /**
   * The local index expires entries without telling (only capacity evictions call onEvict), so
   * while the backend is away the entries that expired here would wait for it, answers and all,
   * for the whole outage. Oldest first (one TTL: insertion order is expiry order); stops at the
   * first live or never-expiring one.
   */
  private dropExpiredPending(now: number): void {
    for (const [id, e] of this.pending) {
      if (e.expiresAtMs === 0 || e.expiresAtMs > now) return;
      this.pending.delete(id);
    }
  }

  /** Evicted here: nothing of it is left to publish. */
  private forgetEntry(id: string): void {
    this.pending.delete(id);
    this.uses?.forget(id);
  }

  private noteAdded(id: string): void {
    if (!this.window) return;
    this.window.added.add(id);
    this.window.removed.delete(id);
  }

  private noteRemoved(ids: string[]): void {
    if (!this.window) return;
    for (const id of ids) {
      this.window.removed.add(id);
      this.window.added.delete(id);
    }
  }

  private async guard(operation: string, p: Promise<void>): Promise<boolean> {
    try {
      const t0 = performance.now();
      await p;
      this.metrics?.observe('llm_cache_operation_duration_seconds', { backend: this.backend.name, operation }, (performance.now() - t0) / 1000);
      this.metrics?.inc('llm_cache_operations_total', { backend: this.backend.name, operation, status: 'success' });
      this.outage = undefined;
      return true;
    } catch (err) {
      this.fail(operation, err);
      return false;
    }
  }

  private fail(operation: string, err: unknown): void {
    this.metrics?.inc('llm_cache_operations_total', { backend: this.backend.name, operation, status: 'error' });
    this.metrics?.inc('llm_cache_backend_errors_total', { backend: this.backend.name, operation });
    // Said when an outage starts, then every 5 minutes while it lasts (with how many operations
    // failed), not with each failing store; the next success ends it.
    const now = this.now();
    const o = (this.outage ??= { startedMs: now, saidMs: -Infinity, failed: 0 });
    o.failed++;
    if (now - o.saidMs < 300_000) return;
    const first = o.saidMs === -Infinity;
    o.saidMs = now;
    // The backend said it when its connection went, never came or stopped answering: the outage's one
    // line (the reminders still come). A failure while it is connected (full, WRONGTYPE) is said here.
    if (first && this.backend.saysOutages && !this.backend.healthy()) return;
    this.logger.warn({
      backend: this.backend.name, operation, ...errFields(err),
      ...(first ? {} : { failed: o.failed, since_s: Math.round((now - o.startedMs) / 1000) }),
    }, first ? 'semantic cache backend unavailable; serving from the local cache' : 'semantic cache backend still unavailable; serving from the local cache');
  }
}
