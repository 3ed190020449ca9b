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
}

export interface StoreChanges {
  /** Entries added or replaced after `since`, oldest first. */
  adds: StoreEntry[];
  /** Ids removed (evicted) after `since`. */
  removes: string[];
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
    this.sql.exec('CREATE TABLE IF NOT EXISTS tombstones (seq INTEGER PRIMARY KEY, id TEXT NOT NULL, at INTEGER NOT NULL)');
    this.sql.exec('CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v INTEGER NOT NULL)');
  }

  /** Stores (or replaces) entries; beyond maxEntries the oldest go, logged as removals. */
  add(entries: StoreEntry[], maxEntries: number): number {
    const now = Date.now();
    this.expire(now);
    for (const e of entries) {
      if (e.expiresAtMs > 0 && e.expiresAtMs <= now) continue;
      this.sql.exec('INSERT OR REPLACE INTO entries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
        e.id, this.nextSeq(), e.origin, e.model, e.scope, e.context ?? null, e.expiresAtMs, e.vector, e.answer);
    }
    const over = this.count() - Math.max(1, maxEntries);
    if (over > 0) {
      const ids = this.sql.exec<{ id: string }>('SELECT id FROM entries ORDER BY seq LIMIT ?', over).toArray().map((r) => r.id);
      this.remove(ids);
    }
    return this.count();
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
    type Row = { seq: number; id: string; origin: string | null; model: string | null; scope: string | null; context: string | null; expires: number | null; vector: ArrayBuffer | null; answer: string | null };
    // Adds and removals in one seq order, so a page boundary never reorders a removal and a re-add.
    const rows = this.sql.exec<Row>(
      `SELECT seq, id, origin, model, scope, context, expires, vector, answer FROM entries WHERE seq > ?
       UNION ALL SELECT seq, id, NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM tombstones WHERE seq > ? AND ? > 0
       ORDER BY seq LIMIT ?`, from, from, from, PAGE + 1).toArray();
    const page = rows.slice(0, PAGE);
    const out: StoreChanges = { adds: [], removes: [], cursor: from, more: rows.length > PAGE, reset };
    for (const r of page) {
      out.cursor = r.seq;
      if (r.answer === null) out.removes.push(r.id);
      else out.adds.push({ id: r.id, origin: r.origin ?? '', model: r.model ?? '', scope: r.scope ?? '', ...(r.context ? { context: r.context } : {}), expiresAtMs: r.expires ?? 0, vector: r.vector!, answer: r.answer });
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
