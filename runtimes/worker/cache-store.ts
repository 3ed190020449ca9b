// The Durable Object behind `semantic_cache.backend_type: durable_object`: one object (by name) holds
// every shared cache entry in its SQLite storage, with a change log that isolates pull from. It is
// strongly consistent (one object, single-threaded), so an isolate sees another's store on its next
// pull, not after KV's up-to-60 s propagation. Lookups never come here: each isolate keeps its own
// in-memory index (src/cache/synced-cache.ts) and only stores, evictions and pulls cross over RPC.
import { DurableObject } from 'cloudflare:workers';

/** One entry on the wire (RPC structured clone: the vector travels as raw float32 bytes). */
export interface StoreEntry {
  id: string;
  /** Isolate that stored it, so it can skip its own entries when pulling. */
  origin: string;
  model: string;
  scope: string;
  context?: string;
  /** Wall-clock ms; 0 = never. */
  expiresAtMs: number;
  vector: ArrayBuffer;
  /** CachedAnswer as JSON. */
  answer: string;
  /** Its hits in every isolate and the last one's time (wall-clock ms; its store time when never hit), as the object holds them. */
  hits?: number;
  usedMs?: number;
}

/** Hits on one entry: an isolate's since its last send, or (in StoreChanges) the object's totals. */
export interface StoreUse {
  id: string;
  hits: number;
  usedMs: number;
}

export type StorePolicy = 'fifo' | 'lru' | 'lfu';

export interface StoreChanges {
  /** Entries added or replaced after `since`, oldest first. */
  adds: StoreEntry[];
  /** Ids removed (evicted) after `since`. */
  removes: string[];
  /** Entries used after `since` (not among `adds`): their totals, to raise the isolate's counts to. */
  uses?: StoreUse[];
  /** Pass back as `since` for the next page / pull. */
  cursor: number;
  /** More changes wait after `cursor`. */
  more: boolean;
  /** `since` is older than the kept removal log: the caller must reload everything. */
  reset: boolean;
}

// Removals are kept this long for pullers; an isolate that has not pulled for longer reloads.
const TOMBSTONE_MS = 3_600_000;
const PAGE = 200;

export class SemanticCacheStore extends DurableObject {
  private readonly sql: SqlLike;

  constructor(ctx: DurableObjectStateLike, env: unknown) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS entries (id TEXT PRIMARY KEY, seq INTEGER NOT NULL, origin TEXT, model TEXT, scope TEXT,
      context TEXT, expires INTEGER NOT NULL, vector BLOB NOT NULL, answer TEXT NOT NULL)`);
    this.sql.exec('CREATE INDEX IF NOT EXISTS entries_seq ON entries(seq)');
    // Uses (lru / lfu): hits, last use (ms) and the seq of the last use, so pulls carry them. An
    // object created before they existed gains the columns.
    const cols = new Set(this.sql.exec<{ name: string }>('PRAGMA table_info(entries)').toArray().map((c) => c.name));
    for (const [name, type] of [['hits', 'INTEGER NOT NULL DEFAULT 0'], ['used', 'INTEGER NOT NULL DEFAULT 0'], ['useq', 'INTEGER NOT NULL DEFAULT 0']]) {
      if (!cols.has(name!)) this.sql.exec(`ALTER TABLE entries ADD COLUMN ${name} ${type}`);
    }
    this.sql.exec('CREATE INDEX IF NOT EXISTS entries_useq ON entries(useq)');
    this.sql.exec('CREATE TABLE IF NOT EXISTS tombstones (seq INTEGER PRIMARY KEY, id TEXT NOT NULL, at INTEGER NOT NULL)');
    this.sql.exec('CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v INTEGER NOT NULL)');
    // Seqs start above 0, so a load of an empty object gives a cursor above 0 too: a cursor of 0
    // means "everything live", which lists no removals, and the isolate kept its own entries that
    // other isolates' evictions removed.
    if (this.meta('seq') === 0) this.setMeta('seq', 1);
  }

  /**
   * Stores (or replaces) entries; beyond maxEntries the policy's victims go, logged as removals: fifo
   * the oldest stored, lru the least recently used, lfu the least used (then the least recent). The
   * entries just stored go last (under lfu a newcomer, with no hits yet, would always be the victim).
   * Trimming oldest-stored whatever the policy dropped, under lru, the entry every isolate used.
   */
  add(entries: StoreEntry[], maxEntries: number, eviction: StorePolicy = 'fifo'): number {
    const now = Date.now();
    this.expire(now);
    const before = this.meta('seq');
    for (const e of entries) {
      if (e.expiresAtMs > 0 && e.expiresAtMs <= now) continue;
      // A republished entry (after an outage) keeps the uses counted meanwhile.
      this.sql.exec(`INSERT INTO entries (id, seq, origin, model, scope, context, expires, vector, answer, hits, used, useq)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, 0) ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, origin = excluded.origin,
        model = excluded.model, scope = excluded.scope, context = excluded.context, expires = excluded.expires,
        vector = excluded.vector, answer = excluded.answer`,
        e.id, this.nextSeq(), e.origin, e.model, e.scope, e.context ?? null, e.expiresAtMs, e.vector, e.answer, now);
    }
    const over = this.count() - Math.max(1, maxEntries);
    if (over > 0) {
      // Same-millisecond uses (workerd's clock moves only across I/O) order by when they reached the object.
      const order = eviction === 'lru' ? 'used, max(seq, useq)' : eviction === 'lfu' ? 'hits, used, max(seq, useq)' : 'seq';
      const ids = this.sql.exec<{ id: string }>(`SELECT id FROM entries ORDER BY seq > ?, ${order} LIMIT ?`, before, over).toArray().map((r) => r.id);
      this.remove(ids);
    }
    return this.count();
  }

  /**
   * Hits isolates saw (each sends its own at most once a second): lfu counts add up, the last use
   * keeps the later time. Uses of entries no longer here are dropped (nothing is left behind).
   */
  addUses(uses: StoreUse[]): void {
    for (const u of uses) {
      const hits = Math.max(0, Math.round(Number(u.hits) || 0));
      const usedMs = Math.round(Number(u.usedMs) || 0);
      if (typeof u.id !== 'string' || !this.sql.exec<{ n: number }>('SELECT count(*) AS n FROM entries WHERE id = ?', u.id).one().n) continue;
      this.sql.exec('UPDATE entries SET hits = hits + ?, used = max(used, ?), useq = ? WHERE id = ?', hits, usedMs, this.nextSeq(), u.id);
    }
  }

  remove(ids: string[]): void {
    const now = Date.now();
    for (const id of ids) {
      if (this.sql.exec('DELETE FROM entries WHERE id = ?', id).rowsWritten > 0) {
        this.sql.exec('INSERT INTO tombstones VALUES (?, ?, ?)', this.nextSeq(), id, now);
      }
    }
  }

  /** Changes after `since` (0 = everything live), one page at a time. */
  changes(since: number): StoreChanges {
    const now = Date.now();
    this.expire(now);
    const reset = since > 0 && since < this.meta('horizon');
    const from = reset ? 0 : since;
    type Row = {
      seq: number; id: string; kind: 'a' | 'r' | 'u'; origin: string | null; model: string | null; scope: string | null; context: string | null;
      expires: number | null; vector: ArrayBuffer | null; answer: string | null; hits: number | null; used: number | null;
    };
    // Adds, removals and uses in one seq order, so a page boundary never reorders a removal and a
    // re-add. A use listed after its entry's add (its seq later) gives the totals as of this call.
    const rows = this.sql.exec<Row>(
      `SELECT seq, id, 'a' AS kind, origin, model, scope, context, expires, vector, answer, hits, used FROM entries WHERE seq > ?
       UNION ALL SELECT seq, id, 'r', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM tombstones WHERE seq > ? AND ? > 0
       UNION ALL SELECT useq, id, 'u', NULL, NULL, NULL, NULL, NULL, NULL, NULL, hits, used FROM entries WHERE useq > ? AND useq > seq AND ? > 0
       ORDER BY seq LIMIT ?`, from, from, from, from, from, PAGE + 1).toArray();
    const page = rows.slice(0, PAGE);
    const out: StoreChanges = { adds: [], removes: [], uses: [], cursor: from, more: rows.length > PAGE, reset };
    for (const r of page) {
      out.cursor = r.seq;
      if (r.kind === 'r') out.removes.push(r.id);
      else if (r.kind === 'u') out.uses!.push({ id: r.id, hits: r.hits ?? 0, usedMs: r.used ?? 0 });
      else {
        out.adds.push({
          id: r.id, origin: r.origin ?? '', model: r.model ?? '', scope: r.scope ?? '', ...(r.context ? { context: r.context } : {}),
          expiresAtMs: r.expires ?? 0, vector: r.vector!, answer: r.answer!, hits: r.hits ?? 0, usedMs: r.used ?? 0,
        });
      }
    }
    // A full load ends at the newest seq, so the next pull starts after every removal made so far.
    if (from === 0 && !out.more) out.cursor = Math.max(out.cursor, this.meta('seq'));
    return out;
  }

  private expire(now: number): void {
    // Expiry is not logged as a removal: every isolate expires the same entries by the same clock.
    this.sql.exec('DELETE FROM entries WHERE expires > 0 AND expires <= ?', now);
    const old = this.sql.exec<{ m: number | null }>('SELECT max(seq) AS m FROM tombstones WHERE at < ?', now - TOMBSTONE_MS).one().m;
    if (old !== null) {
      this.sql.exec('DELETE FROM tombstones WHERE seq <= ?', old);
      this.setMeta('horizon', old);
    }
  }

  private count(): number {
    return this.sql.exec<{ n: number }>('SELECT count(*) AS n FROM entries').one().n;
  }

  private nextSeq(): number {
    const seq = this.meta('seq') + 1;
    this.setMeta('seq', seq);
    return seq;
  }

  private meta(k: string): number {
    return this.sql.exec<{ v: number }>('SELECT v FROM meta WHERE k = ?', k).toArray()[0]?.v ?? 0;
  }

  private setMeta(k: string, v: number): void {
    this.sql.exec('INSERT OR REPLACE INTO meta VALUES (?, ?)', k, v);
  }
}

/** The parts of SqlStorage used here (the Worker's tsconfig does not load @cloudflare/workers-types). */
interface SqlLike {
  exec<T = Record<string, unknown>>(query: string, ...bindings: unknown[]): { toArray(): T[]; one(): T; rowsWritten: number };
}
interface DurableObjectStateLike {
  storage: { sql: SqlLike };
}
