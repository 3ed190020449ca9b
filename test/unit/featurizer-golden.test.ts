// The shipped packs were trained on the exact ids and weights their featurizers produce, so the
// featurizers' output is frozen: every pack's features (ids, weights bit for bit, dims, lengths,
// truncation flags, token offsets) and the helpers training calls are digested over a fixed corpus
// and compared with test/fixtures/featurizer-golden.json (recorded before the featurizers were made
// faster). Any change to a single id or weight bit changes a digest.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createHashedNgramsFeaturizer } from '../../src/classify/featurizers/hashed-ngrams.ts';
import type { Featurizer, PackManifest } from '../../src/classify/types.ts';
import {
  dataCorpus, dataDir, featureDigest, GOLDEN_FILE, type Golden, interleavedDigests, packFeaturizer, PACKS, syntheticCorpus, trainingApiDigest,
} from './helpers/featurizer-digest.ts';

const golden = JSON.parse(readFileSync(GOLDEN_FILE, 'utf8')) as Golden;

describe('featurizer output is unchanged (golden digests)', () => {
  const synth = syntheticCorpus();
  for (const pack of PACKS) {
    it(`${pack}: synthetic corpus (${synth.length} texts, 1 MB text included)`, () => {
      expect(featureDigest(packFeaturizer(pack), synth)).toBe(golden.synthetic[pack]);
    });
  }
  it('training helpers (wordVectorTokens, tokenize, tokenWordVectorIds): synthetic corpus', () => {
    expect(trainingApiDigest(synth)).toBe(golden.synthetic['training-api']);
  });

  it('a featurizer that already encoded other texts (reused buffers) still gives the recorded features', () => {
    for (const pack of PACKS) {
      const f = packFeaturizer(pack);
      featureDigest(f, [...synth].reverse());
      expect(featureDigest(f, synth)).toBe(golden.synthetic[pack]);
    }
  });

  it('every text encoded by all five packs in turn (as a request is) gives the recorded features', () => {
    expect(interleavedDigests(PACKS, synth)).toEqual(Object.fromEntries(PACKS.map((p) => [p, golden.synthetic[p]])));
  });

  it('hashed-ngrams encoders with another cut or case on the same text do not reuse its scan', () => {
    const m = { name: 't', version: '1', task: 'sequence-classification', featurizer: { type: 'hashed-ngrams' }, inputs: ['ids', 'weights'], output: 'probs', max_length: 4096 } as PackManifest;
    const configs = [{ lowercase: false }, { lowercase: true }, { max_chars: 7 }, { lowercase: false, max_chars: 7 }];
    const texts = ['Hello World FOO bar', 'Hello World FOO bar', 'İSTANBUL Straße 12', 'ab'];
    const bytesOf = (f: Featurizer, t: string) => Array.from(f.encode(t).feeds.ids!.data as BigInt64Array, Number).join(',') + '|' + Array.from(f.encode(t).feeds.weights!.data as Float32Array).join(',');
    // Expected: each config alone, a different text encoded in between so nothing is shared.
    const want = configs.map((c) => texts.map((t) => { const f = createHashedNgramsFeaturizer(c, m); f.encode('unrelated'); return bytesOf(f, t); }));
    const fs = configs.map((c) => createHashedNgramsFeaturizer(c, m));
    for (const [j, t] of texts.entries()) fs.forEach((f, k) => expect(bytesOf(f, t)).toBe(want[k]![j]));
  });

  const dir = dataDir();
  describe.skipIf(!dir)('rows sampled from ../shared/data', () => {
    const rows = dir ? dataCorpus(dir) : [];
    it('samples the recorded rows (else the data changed, not the featurizers)', () => {
      expect(rows.length).toBe(golden.data!.rows);
      expect(createHash('sha256').update(rows.join('\u0000')).digest('hex')).toBe(golden.data!.corpus);
    });
    for (const pack of PACKS) {
      it(`${pack}: data rows`, () => {
        expect(featureDigest(packFeaturizer(pack), rows)).toBe(golden.data![pack]);
      });
    }
    it('training helpers: data rows', () => {
      expect(trainingApiDigest(rows)).toBe(golden.data!['training-api']);
    });
  });
});
