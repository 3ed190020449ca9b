// A MemoryCache kept in sync with other pods through a CacheBackend. Lookups never leave the
// process; stores go to the local index at once and to the backend in the background. A backend
// failure is logged and counted, never surfaced: entries stored meanwhile are published when the
// backend comes back, and the local index is reconciled with the backend's contents.
import type { Logger, Metrics } from '../observability/types.ts';
import type { CacheBackend, CacheEntry } from './backend.ts';
import type { MemoryCache } from './memory-cache.ts';
import type { CachedAnswer, CacheHit, CacheKeyScope, SemanticCache } from './types.ts';

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

  constructor(
    readonly local: MemoryCache,
    private readonly backend: CacheBackend,
    private readonly logger: Logger,
    private readonly metrics?: Metrics,
    opts: { now?: () => number } = {},
  ) {
    this.now = opts.now ?? Date.now;
    local.onEvict = (ids) => {
      for (const id of ids) this.pending.delete(id);
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
          this.local.remove(ids);
          this.noteRemoved(ids);
        },
        onReconnect: () => { void this.resync(); },
      });
      for (const e of await this.backend.load()) this.local.put(e);
    } catch (err) {
      this.fail('load', err);
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
    await this.backend.close().catch(() => {});
  }

  /** After an outage: publish what was stored locally meanwhile, then take the backend's view. */
  resync(): Promise<void> {
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
    const window = { added: new Set<string>(), removed: new Set<string>() };
    this.window = window;
    try {
      for (const [id, e] of [...this.pending]) {
        if (!this.local.has(id)) { this.pending.delete(id); continue; }
        await this.backend.publishAdd(e);
        this.pending.delete(id);
      }
      const remote = await this.backend.load();
      const ids = new Set(remote.map((e) => e.id));
      // Local entries the backend lacks were removed elsewhere during the outage, unless they are
      // newer than the snapshot.
      const gone = this.local.entries().filter((e) => !ids.has(e.id) && !this.pending.has(e.id) && !window.added.has(e.id)).map((e) => e.id);
      this.local.remove(gone);
      for (const e of remote) if (!this.local.has(e.id) && !window.removed.has(e.id)) this.local.put(e);
      this.outage = undefined;
      this.logger.info({ backend: this.backend.name, entries: this.local.size() }, 'semantic cache resynced with shared backend');
    } catch (err) {
      this.fail('resync', err);
    } finally {
      if (this.window === window) this.window = undefined;
    }
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
    this.logger.warn({
      backend: this.backend.name, operation, err: err instanceof Error ? err.message : String(err),
      ...(first ? {} : { failed: o.failed, since_s: Math.round((now - o.startedMs) / 1000) }),
    }, first ? 'semantic cache backend unavailable; serving from the local cache' : 'semantic cache backend still unavailable; serving from the local cache');
  }
}
