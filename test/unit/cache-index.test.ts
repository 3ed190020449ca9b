import { describe, expect, it } from 'vitest';
import { VectorIndex } from '../../src/cache/vector-index.ts';
import { simdModule } from '../../src/cache/simd-kernel.ts';

let seed = 7;
const rand = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32);
const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
const vec = (d: number) => Float32Array.from({ length: d }, gauss);
const near = (v: Float32Array, noise: number) => Float32Array.from(v, (x) => x + noise * gauss());
const cos = (a: Float32Array, b: Float32Array) => {
  let d = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) { d += a[i]! * b[i]!; na += a[i]! ** 2; nb += b[i]! ** 2; }
  return d / Math.sqrt(na * nb);
};

describe('vector index: exact top-1', () => {
  it('compiles the SIMD kernel on Node', () => {
    expect(simdModule()).not.toBeNull();
  });

  for (const noSimd of [false, true]) {
    for (const dim of [256, 100, 384]) {
      it(`matches brute force (dim ${dim}, ${noSimd ? 'js' : 'simd'} filter) across thresholds`, () => {
        const idx = new VectorIndex<number>({ dimensions: dim, maxEntries: 3000, eviction: 'fifo', noSimd });
        const centers = Array.from({ length: 30 }, () => vec(dim));
        const stored: Float32Array[] = [];
        for (let i = 0; i < 2000; i++) {
          // clustered rows: many close competitors make the top-1 choice non-trivial
          const v = near(centers[i % 30]!, 0.3 + rand() * 0.5);
          stored.push(v);
          idx.insert(`e${i}`, i % 3 === 0 ? 'b' : 'a', v, i, 0, 0);
        }
        let hits = 0;
        for (let k = 0; k < 150; k++) {
          const q = k % 2 ? near(stored[Math.floor(rand() * stored.length)]!, 0.05 + rand() * 0.3) : near(centers[k % 30]!, 0.4);
          for (const t of [0.5, 0.8, 0.95]) {
            const got = idx.search('a', q, t, 1);
            const want = idx.bruteForce('a', q, t, 1);
            expect(got?.id).toBe(want?.id);
            if (got) {
              hits++;
              expect(got.similarity).toBeCloseTo(want!.similarity, 5);
              expect(got.similarity).toBeCloseTo(cos(q, stored[Number(got.id.slice(1))]!), 5);
              expect(got.value % 3).not.toBe(0);
            }
          }
        }
        expect(hits).toBeGreaterThan(100);
      });
    }
  }

  it('never crosses partitions, even for the identical vector', () => {
    const idx = new VectorIndex<string>({ dimensions: 64, maxEntries: 10, eviction: 'fifo' });
    const v = vec(64);
    idx.insert('x', 'MoM\0user:alice', v, 'alice', 0, 0);
    expect(idx.search('MoM\0user:bob', v, 0.5, 1)).toBeUndefined();
    expect(idx.search('gpt\0user:alice', v, 0.5, 1)).toBeUndefined();
    expect(idx.search('MoM\0user:alice', v, 0.5, 1)?.value).toBe('alice');
  });

  it('misses below the threshold and for wrong dimensions or zero vectors', () => {
    const idx = new VectorIndex<number>({ dimensions: 32, maxEntries: 10, eviction: 'fifo' });
    const v = vec(32);
    idx.insert('a', 'p', v, 1, 0, 0);
    const q = near(v, 0.8);
    const s = cos(q, v);
    expect(idx.search('p', q, s + 0.001, 1)).toBeUndefined();
    expect(idx.search('p', q, s - 0.001, 1)?.id).toBe('a');
    expect(idx.search('p', vec(16), 0, 1)).toBeUndefined();
    expect(idx.search('p', new Float32Array(32), -1, 1)).toBeUndefined();
  });

  it('expires entries by TTL', () => {
    const idx = new VectorIndex<number>({ dimensions: 16, maxEntries: 10, eviction: 'fifo' });
    const v = vec(16);
    idx.insert('a', 'p', v, 1, 1000, 0);
    expect(idx.search('p', v, 0.9, 999)?.id).toBe('a');
    expect(idx.search('p', v, 0.9, 1000)).toBeUndefined();
    expect(idx.removeExpired(1000)).toEqual(['a']);
    expect(idx.size).toBe(0);
  });

  it('prunes with the two-stage filter at 304 dims, and both filters agree, for row counts off the 4-row blocks', () => {
    const unit = (v: Float32Array) => { const k = 1 / Math.sqrt(v.reduce((s, x) => s + x * x, 0)); return v.map((x) => x * k); };
    const simd = new VectorIndex<number>({ dimensions: 304, maxEntries: 5000, eviction: 'fifo' });
    const js = new VectorIndex<number>({ dimensions: 304, maxEntries: 5000, eviction: 'fifo', noSimd: true });
    const stored = Array.from({ length: 4003 }, () => unit(vec(304)));
    stored.forEach((v, i) => { for (const idx of [simd, js]) idx.insert(`e${i}`, i % 5 === 0 ? 'b' : 'a', v, i, 0, 0); });
    for (let i = 0; i < 4003; i += 7) { simd.remove(`e${i}`); js.remove(`e${i}`); }
    expect(simd.size % 4).not.toBe(0);
    let misses = 0;
    for (let k = 0; k < 60; k++) {
      const q = k % 2 ? near(stored[(k * 37) % 4003]!, 0.03) : unit(vec(304));
      const want = simd.bruteForce('a', q, 0.8, 1)?.id;
      expect(simd.search('a', q, 0.8, 1)?.id).toBe(want);
      const simdCands = simd.lastCandidates;
      expect(js.search('a', q, 0.8, 1)?.id).toBe(want);
      if (!want) {
        misses++;
        // unrelated unit vectors at 304 dims have cosine ~ +-0.06: the bound must leave (almost) nothing
        expect(simdCands).toBeLessThan(10);
        expect(js.lastCandidates).toBeLessThan(10);
      }
    }
    expect(misses).toBeGreaterThan(20);
  });

  for (const dim of [1, 16, 33, 64, 65, 97]) {
    it(`matches brute force at dim ${dim} (slab edges)`, () => {
      for (const noSimd of [false, true]) {
        const idx = new VectorIndex<number>({ dimensions: dim, maxEntries: 400, eviction: 'fifo', noSimd });
        const stored = Array.from({ length: 301 }, () => vec(dim));
        stored.forEach((v, i) => idx.insert(`e${i}`, 'p', v, i, 0, 0));
        for (let k = 0; k < 40; k++) {
          const q = k % 2 ? near(stored[k]!, 0.1) : vec(dim);
          for (const t of [0.3, 0.9]) expect(idx.search('p', q, t, 1)?.id).toBe(idx.bruteForce('p', q, t, 1)?.id);
        }
      }
    });
  }

  it('grows past its first allocation and keeps rows intact after removals', () => {
    const idx = new VectorIndex<number>({ dimensions: 48, maxEntries: 5000, eviction: 'fifo' });
    const vs = Array.from({ length: 3000 }, () => vec(48));
    vs.forEach((v, i) => idx.insert(`e${i}`, 'p', v, i, 0, 0));
    for (let i = 0; i < 3000; i += 2) idx.remove(`e${i}`);
    expect(idx.size).toBe(1500);
    for (let i = 0; i < 3000; i += 97) {
      const m = idx.search('p', vs[i]!, 0.999, 1);
      if (i % 2) expect(m?.id).toBe(`e${i}`);
      else expect(m).toBeUndefined();
    }
  });
});

describe('vector index: partitions', () => {
  it('a partition is forgotten with its last row (every user or conversation is one; they leaked)', () => {
    const idx = new VectorIndex<number>({ dimensions: 16, maxEntries: 10, eviction: 'fifo' });
    const vs = Array.from({ length: 5 }, () => vec(16));
    for (let i = 0; i < 20_000; i++) idx.insert(`e${i}`, `user:${i}`, vs[i % 5]!, i, i % 3 === 0 ? 5 : 0, i);
    expect(idx.size).toBe(10);
    expect(idx.partitions).toBeLessThanOrEqual(10);
    // The live ones still find their rows, in their own partition only; expired and evicted ones are gone.
    expect(idx.search('user:19999', vs[19999 % 5]!, 0.99, 20_000)?.value).toBe(19999);
    expect(idx.search('user:19998', vs[19999 % 5]!, 0.99, 20_000)).toBeUndefined();
    expect(idx.search('user:0', vs[0]!, 0.5, 20_000)).toBeUndefined();
    idx.removeExpired(Infinity);
    for (const r of [...idx.rows()]) idx.remove(r.id);
    expect(idx.partitions).toBe(0);
  });

  it('a row moved to another partition (same id stored again) leaves the old one when it was its last', () => {
    const idx = new VectorIndex<number>({ dimensions: 16, maxEntries: 10, eviction: 'fifo' });
    const v = vec(16);
    idx.insert('a', 'p1', v, 1, 0, 0);
    idx.insert('b', 'p1', v, 2, 0, 0);
    idx.insert('a', 'p2', v, 3, 0, 0);
    expect(idx.partitions).toBe(2);
    expect(idx.search('p1', v, 0.99, 1)?.value).toBe(2);
    expect(idx.search('p2', v, 0.99, 1)?.value).toBe(3);
    idx.insert('b', 'p2', v, 4, 0, 0);
    expect(idx.partitions).toBe(1);
    expect(idx.search('p1', v, 0.5, 1)).toBeUndefined();
  });
});

describe('vector index: eviction at max_entries', () => {
  const fill = (policy: 'fifo' | 'lru' | 'lfu') => {
    const idx = new VectorIndex<number>({ dimensions: 16, maxEntries: 3, eviction: policy });
    const vs = Array.from({ length: 4 }, () => vec(16));
    for (let i = 0; i < 3; i++) idx.insert(`e${i}`, 'p', vs[i]!, i, 0, 0);
    return { idx, vs };
  };

  it('fifo drops the oldest insert, whatever was used', () => {
    const { idx, vs } = fill('fifo');
    idx.search('p', vs[0]!, 0.99, 1);
    expect(idx.insert('e3', 'p', vs[3]!, 3, 0, 0)).toEqual(['e0']);
  });

  it('lru drops the least recently used', () => {
    const { idx, vs } = fill('lru');
    idx.search('p', vs[0]!, 0.99, 1);
    idx.search('p', vs[2]!, 0.99, 1);
    expect(idx.insert('e3', 'p', vs[3]!, 3, 0, 0)).toEqual(['e1']);
  });

  it('lfu drops the least frequently used (ties: least recent)', () => {
    const { idx, vs } = fill('lfu');
    for (let k = 0; k < 3; k++) idx.search('p', vs[0]!, 0.99, 1);
    idx.search('p', vs[1]!, 0.99, 1);
    idx.search('p', vs[2]!, 0.99, 1);
    idx.search('p', vs[2]!, 0.99, 1);
    expect(idx.insert('e3', 'p', vs[3]!, 3, 0, 0)).toEqual(['e1']);
    expect(idx.has('e0') && idx.has('e2') && idx.has('e3')).toBe(true);
  });

  it('drops expired rows before evicting live ones', () => {
    const idx = new VectorIndex<number>({ dimensions: 16, maxEntries: 2, eviction: 'fifo' });
    idx.insert('old', 'p', vec(16), 0, 0, 0);
    idx.insert('short', 'p', vec(16), 1, 50, 0);
    expect(idx.insert('new', 'p', vec(16), 2, 0, 100)).toEqual(['short']);
  });
});
