// Word-vector tokens and ids are a contract between training (GloVe lookups folded into a hashed
// table) and serving: these tests pin the tokenization, the documented hash and hostile input.
import { describe, expect, it } from 'vitest';
import { wordVectorTokens, wordVectorId, WordVectorEncoder, parseWordVectorParams } from '../../src/classify/featurizers/word-vectors.ts';
import { createHashedNgramsFeaturizer } from '../../src/classify/featurizers/hashed-ngrams.ts';
import type { PackManifest } from '../../src/classify/types.ts';

const P = { buckets: 1 << 17, seed: 3 };

/** Independent re-implementation of the documented id: FNV-1a 32 over 'v' + units, fmix32, mask. */
function idOf(token: string, seed: number, buckets: number): number {
  let h = (2166136261 ^ seed) >>> 0;
  for (const u of [0x76, ...Array.from({ length: token.length }, (_, i) => token.charCodeAt(i))]) h = Math.imul(h ^ u, 16777619);
  h ^= h >>> 16; h = Math.imul(h, 0x85ebca6b); h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35); h ^= h >>> 16;
  return (h >>> 0) & (buckets - 1);
}

const manifest = (inputs = ['ids', 'weights', 'wv_ids', 'wv_weights']): PackManifest => ({
  name: 't', version: '1', task: 'sequence-classification', featurizer: { type: 'hashed-ngrams' }, inputs, output: 'probs', max_length: 4096,
});

describe('word-vector tokens', () => {
  it('splits like GloVe 6B: punctuation apart, hyphenated words and numbers kept, n\'t and \'s split', () => {
    expect(wordVectorTokens("Don't panic: it's a well-known e-mail (3.14, 1,000 and 42)!")).toEqual(
      ['do', "n't", 'panic', ':', 'it', "'s", 'a', 'well-known', 'e-mail', '(', '0.00', ',', '0,000', 'and', '00', ')', '!'],
    );
    expect(wordVectorTokens('Can\u2019t STOP -- now... x-')).toEqual(['ca', "n't", 'stop', '-', '-', 'now', '.', '.', '.', 'x', '-']);
    expect(wordVectorTokens('café naïve Москва')).toEqual(['café', 'naïve', 'москва']);
    expect(wordVectorTokens('中国人')).toEqual(['中', '国', '人']);
    expect(wordVectorTokens('a_b')).toEqual(['a', '_', 'b']);
  });

  it('maps a token to the documented hash, the same id the encoder emits', () => {
    expect(wordVectorId('coffee', P)).toBe(idOf('coffee', 3, 1 << 17));
    const text = 'The coffee, the tea; the well-known café.';
    const r = new WordVectorEncoder(P, 4096, 8192).run(text);
    const toks = wordVectorTokens(text);
    const distinct = [...new Set(toks.map((t) => wordVectorId(t, P)))];
    expect(Array.from(r.ids)).toEqual(distinct);
    expect(r.counts[0]).toBe(3); // "the"
    expect(Array.from(r.counts).reduce((a, b) => a + b, 0)).toBe(toks.length);
    // another seed or bucket count gives other ids
    expect(wordVectorId('coffee', { buckets: 1 << 17, seed: 4 })).not.toBe(wordVectorId('coffee', P));
  });

  it('is deterministic across encoder instances and repeated calls', () => {
    const a = new WordVectorEncoder(P, 4096, 8192);
    const b = new WordVectorEncoder(P, 4096, 8192);
    const t = 'Write a short poem about the sea, then explain it.';
    const x = Array.from(a.run(t).ids);
    a.run('something else entirely');
    expect(Array.from(a.run(t).ids)).toEqual(x);
    expect(Array.from(b.run(t).ids)).toEqual(x);
  });

  it('handles empty, 1 MB, lone surrogates and emoji without throwing', () => {
    const enc = new WordVectorEncoder(P, 64, 8190); // 8190 = 1638 x "word "
    expect(enc.run('').length).toBe(0);
    expect(enc.run('   \u200b\n').length).toBe(0);
    const big = enc.run('word '.repeat(200_000) + 'tail');
    expect(big.truncated).toBe(true); // cut to max_chars
    expect(big.length).toBe(1);
    const many = enc.run(Array.from({ length: 500 }, (_, i) => `w${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26))}`).join(' '));
    expect(many.length).toBe(64);
    expect(many.truncated).toBe(true); // more distinct words than max_length
    expect(wordVectorTokens('a\ud800b\udc00c')).toEqual(['a', '\ud800', 'b', '\udc00', 'c']);
    expect(wordVectorTokens('hi 👋🏽 there')).toEqual(['hi', '👋', '🏽', 'there']);
    expect(wordVectorTokens('x'.repeat(1 << 20)).length).toBe(1);
    for (const id of enc.run('a\ud800b 👋 \udfff').ids) expect(id >= 0 && id < P.buckets).toBe(true);
  });

  it('rejects bad params', () => {
    expect(() => parseWordVectorParams({ buckets: 1000, seed: 1 })).toThrow(/power of two/);
    expect(() => parseWordVectorParams({ buckets: 1024, seed: 1.5 })).toThrow(/seed/);
    expect(() => parseWordVectorParams(null)).toThrow(/object/);
  });
});

describe('hashed-ngrams with word_vectors', () => {
  it('emits wv_ids / wv_weights only when configured, leaving ids / weights unchanged', () => {
    const text = 'Explain the photosynthesis of plants, please.';
    const plain = createHashedNgramsFeaturizer({}, manifest(['ids', 'weights'])).encode(text);
    expect(Object.keys(plain.feeds)).toEqual(['ids', 'weights']);
    const withWv = createHashedNgramsFeaturizer({ word_vectors: P }, manifest()).encode(text);
    expect(Object.keys(withWv.feeds).sort()).toEqual(['ids', 'weights', 'wv_ids', 'wv_weights']);
    expect(Array.from(withWv.feeds.ids!.data as BigInt64Array)).toEqual(Array.from(plain.feeds.ids!.data as BigInt64Array));
    expect(Array.from(withWv.feeds.weights!.data as Float32Array)).toEqual(Array.from(plain.feeds.weights!.data as Float32Array));
    expect(Array.from(withWv.feeds.wv_ids!.data as BigInt64Array, Number)).toEqual([...new Set(wordVectorTokens(text).map((t) => wordVectorId(t, P)))]);
    expect(withWv.feeds.wv_ids!.dims).toEqual(withWv.feeds.wv_weights!.dims);
  });

  it('gives empty text one zero-count word position', () => {
    const f = createHashedNgramsFeaturizer({ word_vectors: P }, manifest()).encode('');
    expect(Array.from(f.feeds.wv_ids!.data as BigInt64Array, Number)).toEqual([0]);
    expect(Array.from(f.feeds.wv_weights!.data as Float32Array)).toEqual([0]);
  });

  it('rejects a bad word_vectors block at load', () => {
    expect(() => createHashedNgramsFeaturizer({ word_vectors: { buckets: 3, seed: 1 } }, manifest())).toThrow(/word_vectors/);
  });
});
