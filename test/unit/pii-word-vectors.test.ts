// The token featurizer's optional word-vector feed (manifest featurizer.word_vectors): one hashed
// GloVe-word id per token, shared with training (models/train/pii/wordvec.ts).
import { describe, expect, it } from 'vitest';
import { createTokenFeaturizer, TOKEN_FEATURE_TEMPLATES, tokenize, tokenWordVectorIds } from '../../src/classify/featurizers/token-features.ts';
import { wordVectorId } from '../../src/classify/featurizers/word-vectors.ts';
import type { PackManifest } from '../../src/classify/types.ts';

const templates = [...TOKEN_FEATURE_TEMPLATES];
const manifest = (featurizer: Record<string, unknown>, inputs: string[]): PackManifest =>
  ({ name: 't', version: '1', task: 'token-classification', featurizer: { type: 'token-features', ...featurizer }, inputs, output: 'probabilities', max_length: 8 }) as PackManifest;
const wv = { buckets: 1024, seed: 7 };

describe('token-features word_vectors', () => {
  it('packs without the param get only the feature-id feed, identical with or without the param', () => {
    const plain = createTokenFeaturizer({ buckets: 4096, templates }, manifest({ buckets: 4096, templates }, ['feature_ids']));
    const withWv = createTokenFeaturizer({ buckets: 4096, templates, word_vectors: wv }, manifest({}, ['feature_ids', 'word_ids']));
    const text = 'Maria Keller moved to Lisbon in 2019.';
    const a = plain.encode(text);
    const b = withWv.encode(text);
    expect(Object.keys(a.feeds)).toEqual(['feature_ids']);
    expect(Object.keys(b.feeds)).toEqual(['feature_ids', 'word_ids']);
    expect(b.feeds['feature_ids']).toEqual(a.feeds['feature_ids']);
  });

  it('feeds one id per token: lowercased, digits folded, as wordVectorId', () => {
    const fz = createTokenFeaturizer({ buckets: 4096, templates, word_vectors: wv }, manifest({}, ['feature_ids', 'word_ids']));
    const f = fz.encode('Paris paris 2019 1987 Lisbon');
    const ids = f.feeds['word_ids']!;
    expect(ids.type).toBe('int32');
    expect(ids.dims).toEqual([1, 5]);
    const d = Array.from(ids.data as Int32Array);
    expect(d[0]).toBe(d[1]);
    expect(d[2]).toBe(d[3]);
    expect(d[0]).not.toBe(d[4]);
    expect(d[0]).toBe(wordVectorId('paris', wv));
    expect(d[2]).toBe(wordVectorId('0000', wv));
    expect(Array.from(tokenWordVectorIds(tokenize('Paris', 8).tokens, wv))).toEqual([d[0]]);
    expect(d.every((x) => x >= 0 && x < wv.buckets)).toBe(true);
  });

  it('empty text still feeds one position; a missing second input is a manifest error', () => {
    const fz = createTokenFeaturizer({ buckets: 4096, templates, word_vectors: wv }, manifest({}, ['feature_ids', 'word_ids']));
    const f = fz.encode('');
    expect(f.length).toBe(0);
    expect(f.feeds['word_ids']!.dims).toEqual([1, 1]);
    expect(() => createTokenFeaturizer({ buckets: 4096, templates, word_vectors: wv }, manifest({}, ['feature_ids']))).toThrow(/inputs\[1\]/);
    expect(() => createTokenFeaturizer({ buckets: 4096, templates, word_vectors: { buckets: 1000, seed: 1 } }, manifest({}, ['feature_ids', 'word_ids']))).toThrow(/power of two/);
  });
});
