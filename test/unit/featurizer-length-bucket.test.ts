// The hashed-ngrams option `length_weight` (length-bucket.ts): one feature per text, the bucket
// floor(log2(1 + word tokens)) capped at 15, hashed under tag 'n'. The intent pack was trained on it
// (models/train/packs.ts), so serving must emit exactly this id and weight; every pack without the
// option must get today's features, byte for byte.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createHashedNgramsFeaturizer, parseHashedNgramsParams } from '../../src/classify/featurizers/hashed-ngrams.ts';
import type { Featurizer, PackManifest } from '../../src/classify/types.ts';

const manifest = (max_length = 4096): PackManifest => ({
  name: 't', version: '1', task: 'sequence-classification', featurizer: { type: 'hashed-ngrams' }, inputs: ['ids', 'weights'], output: 'probs', max_length,
});

/** Independent re-implementation of the documented hash: FNV-1a 32 over 'n' + the bucket's digits, fmix32, mask. */
function lengthId(bucket: number, seed: number, buckets: number): number {
  let h = (2166136261 ^ seed) >>> 0;
  for (const u of [0x6e, ...Array.from(String(bucket), (c) => c.charCodeAt(0))]) h = Math.imul(h ^ u, 16777619);
  h ^= h >>> 16; h = Math.imul(h, 0x85ebca6b); h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35); h ^= h >>> 16;
  return (h >>> 0) & (buckets - 1);
}

const enc = (f: Featurizer, t: string) => {
  const o = f.encode(t);
  return { ids: Array.from(o.feeds.ids!.data as BigInt64Array, Number), weights: Array.from(o.feeds.weights!.data as Float32Array), length: o.length, truncated: o.truncated };
};
const words = (n: number) => Array.from({ length: n }, (_, i) => `w${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + ((i / 26) | 0) % 26)}`).join(' ');

describe('hashed-ngrams length bucket (length_weight)', () => {
  const V = 1 << 18;
  const base = { seed: 1, buckets: V, char_ngrams: [3, 5], char_weight: 0.5 };

  // [text, word tokens]: symbols do not count, each Han character is a word token of its own.
  const cases: Array<[string, number]> = [
    ['Hello', 1],
    ['Write a poem, please!', 4],
    ['写一首诗', 4],
    [words(200), 200],
  ];
  for (const [text, nw] of cases) {
    it(`on: one extra id, first, bucket floor(log2(1 + ${nw})) at the option's weight; the rest unchanged`, () => {
      const off = enc(createHashedNgramsFeaturizer(base, manifest()), text);
      const on = enc(createHashedNgramsFeaturizer({ ...base, length_weight: 1 }, manifest()), text);
      const b = Math.floor(Math.log2(1 + nw));
      expect(off.ids).not.toContain(lengthId(b, 1, V));
      expect(on.ids).toEqual([lengthId(b, 1, V), ...off.ids]);
      expect(on.weights).toEqual([1, ...off.weights]);
      expect(on.length).toBe(off.length + 1);
      const half = enc(createHashedNgramsFeaturizer({ ...base, length_weight: 0.5 }, manifest()), text);
      expect(half.weights[0]).toBe(0.5);
    });
  }

  it('counts the words of the cut text, caps the bucket at 15, and keeps the feature when max_length is reached', () => {
    const f = createHashedNgramsFeaturizer({ ...base, seed: 3, max_chars: 1 << 20, length_weight: 2 }, manifest(64));
    const long = enc(f, words(70_000)); // log2(70001) = 16.1 -> 15
    expect(long.truncated).toBe(true);
    expect(long.ids.length).toBe(64);
    expect(long.ids[0]).toBe(lengthId(15, 3, V));
    expect(long.weights[0]).toBe(2);
    const cut = createHashedNgramsFeaturizer({ ...base, max_chars: 20, length_weight: 1 }, manifest());
    expect(enc(cut, words(100)).ids[0]).toBe(lengthId(2, 1, V)); // 20 units: 'waa wba wca wda wea ' -> 5 words
  });

  it('empty text and symbols only: bucket 0', () => {
    const f = createHashedNgramsFeaturizer({ ...base, length_weight: 1 }, manifest());
    expect(enc(f, '').ids).toEqual([lengthId(0, 1, V)]);
    expect(enc(f, '?!').ids[0]).toBe(lengthId(0, 1, V));
  });

  it('off (absent, 0, null) and unknown options give the same bytes as today for every shipped pack', () => {
    const texts = ['', 'Hello', 'Write a short story about a lighthouse keeper.', '写一首诗 about 2 cats', words(300)];
    for (const pack of ['domain', 'jailbreak', 'embedding', 'intent']) {
      const m = JSON.parse(readFileSync(new URL(`../../models/${pack}/manifest.json`, import.meta.url), 'utf8')) as PackManifest;
      const { type: _t, length_weight: _lw, ...fp } = m.featurizer as Record<string, unknown>;
      const plain = createHashedNgramsFeaturizer(fp, m);
      for (const variant of [{ length_weight: 0 }, { length_weight: null }, { some_future_option: 1 }]) {
        const g = createHashedNgramsFeaturizer({ ...fp, ...variant }, m);
        for (const t of texts) expect(enc(g, t), `${pack} ${JSON.stringify(variant)}`).toEqual(enc(plain, t));
      }
    }
  });

  it('rejects a length_weight that is not a non-negative number', () => {
    for (const bad of [-1, '1', Infinity, NaN, [1]]) expect(() => parseHashedNgramsParams({ length_weight: bad })).toThrow(/length_weight/);
    expect(parseHashedNgramsParams({ length_weight: 1 }).length_weight).toBe(1);
  });
});
