// The one seeded PRNG (mulberry32) behind every shuffle, dropout mask and weight initialisation in
// training, and behind the test fixtures' weights. Changing it changes every trained pack, so
// test/unit/train-rng.test.ts pins its output.

/** mulberry32: small, fast, deterministic; uniform in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
