// Exact cosine top-1 over contiguous storage, shared by every partition (requested model + scope +
// conversation context). Vectors are kept as float32 (the truth, used for the final score) and as
// int8 rows with per-row scale and quantisation error; the SIMD kernel skips other partitions and
// keeps only rows whose provable upper bound reaches the threshold, which are then scored exactly.
// Capacity, TTL and fifo | lru | lfu eviction are global, like the reference's max_entries.
import { jsScan, simdModule, wasmScan, type ScanFn } from './simd-kernel.ts';

export type EvictionPolicy = 'fifo' | 'lru' | 'lfu';

export interface IndexOptions {
  dimensions: number;
  maxEntries: number;
  eviction: EvictionPolicy;
  /** Force the plain-JS filter (tests compare both). */
  noSimd?: boolean;
}

export interface IndexRow<T> { id: string; partition: string; value: T; expiresAtMs: number }
/** An entry's uses so far (pods share them, so lru / lfu evict alike): hits, and the last one's time (wall-clock ms). */
export interface RowUses { hits: number; usedMs: number }
export interface IndexMatch<T> extends IndexRow<T> { similarity: number }

const align = (n: number) => (n + 15) & ~15;
// float32 rounding in the kernel's bound is covered by lowering the filter threshold a little.
const BOUND_SLACK = 1e-4;

export class VectorIndex<T> {
  readonly dim: number;
  readonly stride: number;
  /** int8 bytes per row in the first-pass slab (dims [0, h1)); the rest of the row sits in the second slab */
  readonly h1: number;
  private cap = 0;
  private n = 0;
  private seq = 0;
  /** lru clock: wall-clock µs, kept increasing, so that other pods' uses (their ms) sort among ours. */
  private clock = 0;
  private cands = 0;
  private mem!: { buffer: ArrayBufferLike };
  private scan!: ScanFn;
  private off = { q16: 0, scr: 0, out: 0, part: 0, sx: 0, en: 0, rn: 0, data: 0, datb: 0 };
  private vectors = new Float32Array(0);
  private ids: string[] = [];
  private values: T[] = [];
  private parts: string[] = [];
  private expires = new Float64Array(0);
  private inserted = new Float64Array(0);
  private used = new Float64Array(0);
  private hits = new Float64Array(0);
  private rowOf = new Map<string, number>();
  /** Partition -> the small id the kernel filters on and its live rows: an entry goes with its
   *  partition's last row (every user or conversation is a partition; kept, they leaked). */
  private partOf = new Map<string, { pid: number; rows: number }>();
  private nextPid = 0;
  private readonly wasm: WebAssembly.Module | null;
  private readonly qbuf: Float32Array;
  private view: { buffer: ArrayBufferLike; q16: Int16Array; out: Int32Array } | undefined;

  constructor(private readonly opts: IndexOptions) {
    if (!(opts.dimensions > 0) || !(opts.maxEntries > 0)) throw new Error('vector index: dimensions and maxEntries must be > 0');
    this.dim = opts.dimensions;
    // Rows are split in two non-empty slabs of whole 32-byte kernel steps.
    this.stride = Math.max(64, Math.ceil(this.dim / 32) * 32);
    this.h1 = firstPassBytes(this.dim, this.stride);
    this.wasm = opts.noSimd ? null : simdModule();
    this.qbuf = new Float32Array(this.dim);
    this.grow(Math.min(opts.maxEntries, 1024));
  }

  get size(): number { return this.n; }
  /** Rows the last search's filter passed to the exact re-check (tests check that it prunes). */
  get lastCandidates(): number { return this.cands; }
  get simd(): boolean { return this.wasm !== null; }

  has(id: string): boolean { return this.rowOf.has(id); }

  /** Inserts or replaces; returns the ids evicted to make room. `uses`: its uses elsewhere (a load), else used now. */
  insert(id: string, partition: string, vector: Float32Array, value: T, expiresAtMs: number, nowMs: number, uses?: RowUses): string[] {
    if (vector.length !== this.dim) throw new Error(`vector index: expected ${this.dim} dimensions, got ${vector.length}`);
    const evicted: string[] = [];
    let row = this.rowOf.get(id);
    if (row === undefined) {
      if (this.n >= this.opts.maxEntries) evicted.push(...this.removeExpired(nowMs));
      if (this.n >= this.opts.maxEntries) {
        const victim = this.victim();
        evicted.push(this.ids[victim]!);
        this.removeRow(victim);
      }
      if (this.n >= this.cap) this.grow(Math.min(this.opts.maxEntries, this.cap * 2));
      row = this.n++;
      this.rowOf.set(id, row);
      this.inserted[row] = ++this.seq;
      this.hits[row] = uses?.hits ?? 0;
    } else this.release(this.parts[row]!);
    this.used[row] = uses ? uses.usedMs * 1000 : this.tick(nowMs);
    this.ids[row] = id;
    this.values[row] = value;
    this.parts[row] = partition;
    this.expires[row] = expiresAtMs > 0 ? expiresAtMs : Infinity;
    this.writeVector(row, vector, this.take(partition));
    return evicted;
  }

  remove(id: string): boolean {
    const row = this.rowOf.get(id);
    if (row === undefined) return false;
    this.removeRow(row);
    return true;
  }

  /** Drops the row the eviction policy picks (a bound other than max_entries: bytes); its id. */
  evictOne(): string | undefined {
    if (this.n === 0) return undefined;
    const victim = this.victim();
    const id = this.ids[victim]!;
    this.removeRow(victim);
    return id;
  }

  /** Drops expired rows; returns their ids. */
  removeExpired(nowMs: number): string[] {
    const gone: string[] = [];
    for (let r = this.n - 1; r >= 0; r--) {
      if (this.expires[r]! <= nowMs) { gone.push(this.ids[r]!); this.removeRow(r); }
    }
    return gone;
  }

  /** Best row of `partition` with cosine >= threshold that `accept` takes (when given), or undefined.
   *  Counts as a use (lru/lfu). */
  search(partition: string, query: Float32Array, threshold: number, nowMs: number, accept?: (value: T) => boolean): IndexMatch<T> | undefined {
    const pid = this.partOf.get(partition)?.pid;
    if (pid === undefined || this.n === 0 || query.length !== this.dim) return undefined;
    // per-lookup buffers are reused (views rebuilt only when grow() moves the memory): fewer young-GC pauses
    const q = normalized(query, this.qbuf);
    if (!q) return undefined;
    const { q16, out } = this.views();
    const { scale: sq, error: eq } = quantize(q, q16);
    const qr = tailNorm(q, this.h1) * (1 + 1e-6);
    const cnt = this.scan({
      data: this.off.data, datb: this.off.datb, q16: this.off.q16, n: this.n, stride: this.stride, part: this.off.part, pid,
      sx: this.off.sx, en: this.off.en, rn: this.off.rn, sq, eq, qr, t: threshold - BOUND_SLACK, out: this.off.out, h1: this.h1, scr: this.off.scr,
    });
    this.cands = cnt;
    let best = -1, bestScore = -Infinity;
    const d = this.dim, v = this.vectors;
    for (let i = 0; i < cnt; i++) {
      const r = out[i]!;
      if (this.expires[r]! <= nowMs) continue;
      let s = 0;
      for (let j = 0, o = r * d; j < d; j++) s += v[o + j]! * q[j]!;
      if (s >= threshold && s > bestScore && (!accept || accept(this.values[r]!))) { bestScore = s; best = r; }
    }
    if (best < 0) return undefined;
    this.used[best] = this.tick(nowMs);
    this.hits[best]! += 1;
    return { id: this.ids[best]!, partition, value: this.values[best]!, expiresAtMs: this.expires[best]!, similarity: Math.min(1, bestScore) };
  }

  /** Reference implementation for tests: plain float32 scan of the same rows. */
  bruteForce(partition: string, query: Float32Array, threshold: number, nowMs: number): { id: string; similarity: number } | undefined {
    const q = normalized(query);
    if (!q) return undefined;
    let best: { id: string; similarity: number } | undefined;
    for (let r = 0; r < this.n; r++) {
      if (this.parts[r] !== partition || this.expires[r]! <= nowMs) continue;
      let s = 0;
      for (let j = 0, o = r * this.dim; j < this.dim; j++) s += this.vectors[o + j]! * q[j]!;
      if (s >= threshold && (!best || s > best.similarity)) best = { id: this.ids[r]!, similarity: s };
    }
    return best;
  }

  /** Uses of a row seen on another pod: lru keeps the later time; lfu adds `hits` (`total`: raises its count to it). */
  use(id: string, hits: number, usedMs: number, total = false): void {
    const row = this.rowOf.get(id);
    if (row === undefined) return;
    this.used[row] = Math.max(this.used[row]!, usedMs * 1000);
    this.hits[row] = total ? Math.max(this.hits[row]!, hits) : this.hits[row]! + hits;
  }

  /** Every live row (for resync and debugging). */
  *rows(): IterableIterator<IndexRow<T> & RowUses & { vector: Float32Array }> {
    for (let r = 0; r < this.n; r++) {
      yield { id: this.ids[r]!, partition: this.parts[r]!, value: this.values[r]!, expiresAtMs: this.expires[r]!,
        vector: this.vectors.slice(r * this.dim, (r + 1) * this.dim), hits: this.hits[r]!, usedMs: Math.floor(this.used[r]! / 1000) };
    }
  }

  private views(): { q16: Int16Array; out: Int32Array } {
    const buf = this.mem.buffer;
    if (this.view?.buffer !== buf) {
      this.view = { buffer: buf, q16: new Int16Array(buf, this.off.q16, this.stride), out: new Int32Array(buf, this.off.out, this.cap) };
    }
    return this.view;
  }

  /** One row more in `partition`; its kernel id (ids are never reused while the index lives). */
  private take(partition: string): number {
    let p = this.partOf.get(partition);
    if (!p) this.partOf.set(partition, (p = { pid: ++this.nextPid, rows: 0 }));
    p.rows++;
    return p.pid;
  }

  /** One row fewer in `partition`; it is forgotten with its last row. */
  private release(partition: string): void {
    const p = this.partOf.get(partition);
    if (p && --p.rows <= 0) this.partOf.delete(partition);
  }

  /** Partitions with live rows (for tests: the map must not outgrow the rows). */
  get partitions(): number {
    return this.partOf.size;
  }

  private tick(nowMs: number): number { return (this.clock = Math.max(nowMs * 1000, this.clock + 1)); }

  private victim(): number {
    const p = this.opts.eviction;
    let best = 0;
    for (let r = 1; r < this.n; r++) {
      if (p === 'fifo') { if (this.inserted[r]! < this.inserted[best]!) best = r; }
      else if (p === 'lru') { if (this.used[r]! < this.used[best]!) best = r; }
      else if (this.hits[r]! < this.hits[best]! || (this.hits[r] === this.hits[best] && this.used[r]! < this.used[best]!)) best = r;
    }
    return best;
  }

  private writeVector(row: number, vector: Float32Array, pid: number): void {
    const x = normalized(vector) ?? new Float32Array(this.dim);
    this.vectors.set(x, row * this.dim);
    const buf = this.mem.buffer;
    const h1 = this.h1, h2 = this.stride - h1;
    const q8 = new Int8Array(this.stride);
    const { scale, error } = quantize(x, q8);
    new Int8Array(buf, this.off.data + row * h1, h1).set(q8.subarray(0, h1));
    new Int8Array(buf, this.off.datb + row * h2, h2).set(q8.subarray(h1));
    new Int32Array(buf, this.off.part, this.cap)[row] = pid;
    new Float32Array(buf, this.off.sx, this.cap)[row] = scale;
    // Round the error bound up so float32 storage never makes it optimistic.
    new Float32Array(buf, this.off.en, this.cap)[row] = error * (1 + 1e-6) + 1e-7;
    new Float32Array(buf, this.off.rn, this.cap)[row] = tailNorm(x, h1) * (1 + 1e-6) + 1e-7;
  }

  private removeRow(row: number): void {
    const last = this.n - 1;
    const id = this.ids[row]!;
    this.release(this.parts[row]!);
    if (row !== last) {
      const buf = this.mem.buffer;
      const u8 = new Uint8Array(buf);
      for (const [o, h] of [[this.off.data, this.h1], [this.off.datb, this.stride - this.h1]] as const) u8.copyWithin(o + row * h, o + last * h, o + (last + 1) * h);
      for (const o of [this.off.part, this.off.sx, this.off.en, this.off.rn]) u8.copyWithin(o + row * 4, o + last * 4, o + last * 4 + 4);
      this.vectors.copyWithin(row * this.dim, last * this.dim, (last + 1) * this.dim);
      this.ids[row] = this.ids[last]!;
      this.values[row] = this.values[last]!;
      this.parts[row] = this.parts[last]!;
      for (const a of [this.expires, this.inserted, this.used, this.hits]) a[row] = a[last]!;
      this.rowOf.set(this.ids[row]!, row);
    }
    new Int32Array(this.mem.buffer, this.off.part, this.cap)[last] = 0;
    this.ids.length = last;
    this.values.length = last;
    this.parts.length = last;
    this.rowOf.delete(id);
    this.n = last;
  }

  private grow(cap: number): void {
    const s = this.stride;
    // the kernel reads whole blocks of 4 rows; the padding rows keep partition 0
    const c4 = (cap + 3) & ~3;
    const off = { q16: 0, scr: 0, out: 0, part: 0, sx: 0, en: 0, rn: 0, data: 0, datb: 0 };
    let o = 0;
    off.q16 = o; o = align(o + s * 2);
    off.scr = o; o = align(o + 48);
    off.out = o; o = align(o + c4 * 4);
    off.part = o; o = align(o + c4 * 4);
    off.sx = o; o = align(o + c4 * 4);
    off.en = o; o = align(o + c4 * 4);
    off.rn = o; o = align(o + c4 * 4);
    off.data = o; o = align(o + c4 * this.h1);
    off.datb = o; o = align(o + c4 * (s - this.h1));
    let mem: { buffer: ArrayBufferLike };
    let scan: ScanFn;
    if (this.wasm) {
      const m = new WebAssembly.Memory({ initial: Math.ceil(o / 65536) });
      mem = m; scan = wasmScan(this.wasm, m);
    } else {
      mem = { buffer: new ArrayBuffer(o) }; scan = jsScan(mem);
    }
    if (this.cap > 0) {
      const from = new Uint8Array(this.mem.buffer), to = new Uint8Array(mem.buffer);
      to.set(from.subarray(this.off.data, this.off.data + this.n * this.h1), off.data);
      to.set(from.subarray(this.off.datb, this.off.datb + this.n * (s - this.h1)), off.datb);
      for (const k of ['part', 'sx', 'en', 'rn'] as const) to.set(from.subarray(this.off[k], this.off[k] + this.n * 4), off[k]);
    }
    const vectors = new Float32Array(cap * this.dim);
    vectors.set(this.vectors.subarray(0, this.n * this.dim));
    this.vectors = vectors;
    for (const k of ['expires', 'inserted', 'used', 'hits'] as const) {
      const a = new Float64Array(cap);
      a.set(this[k].subarray(0, this.n));
      this[k] = a;
    }
    this.mem = mem; this.scan = scan; this.off = off; this.cap = cap;
  }
}

/** First-pass width: enough leading dimensions that, for unrelated unit vectors, the int8 dot of
 * the head plus the Cauchy-Schwarz bound of the tail stays under usual cache thresholds (~0.8). */
function firstPassBytes(dim: number, stride: number): number {
  const o = (globalThis as { __VI_H1?: number }).__VI_H1;
  if (o) return Math.min(stride - 32, o);
  return Math.max(32, Math.min(stride - 32, Math.ceil((dim * 0.4) / 32) * 32));
}

/** Unit-length copy (into `into` when given), or undefined for a zero / non-finite vector. */
export function normalized(v: Float32Array, into?: Float32Array): Float32Array | undefined {
  let ss = 0;
  for (let i = 0; i < v.length; i++) ss += v[i]! * v[i]!;
  if (!(ss > 0) || !Number.isFinite(ss)) return undefined;
  const inv = 1 / Math.sqrt(ss);
  const out = into ?? new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i]! * inv;
  return out;
}

function tailNorm(x: Float32Array, from: number): number {
  let s = 0;
  for (let i = from; i < x.length; i++) s += x[i]! * x[i]!;
  return Math.sqrt(s);
}

/** Symmetric int8 quantisation into `out` (extra lanes zeroed); returns scale and the L2 error. */
function quantize(x: Float32Array, out: Int8Array | Int16Array): { scale: number; error: number } {
  let max = 0;
  for (let i = 0; i < x.length; i++) max = Math.max(max, Math.abs(x[i]!));
  const scale = max > 0 ? max / 127 : 0;
  let err = 0;
  for (let i = 0; i < out.length; i++) {
    if (i >= x.length || scale === 0) { out[i] = 0; continue; }
    const qv = Math.max(-127, Math.min(127, Math.round(x[i]! / scale)));
    out[i] = qv;
    const e = x[i]! - qv * Math.fround(scale);
    err += e * e;
  }
  return { scale: Math.fround(scale), error: Math.sqrt(err) };
}
