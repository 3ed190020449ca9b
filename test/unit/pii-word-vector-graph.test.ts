// The PII graph's optional word-vector path (models/train/pii/graph.ts): onnxruntime-node on the
// exported graph must give the trainer's own forward pass (model.ts) with the same int8 tables,
// for window 0 and window 1, so a pack trained with word vectors serves what was measured.
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { createTokenFeaturizer, TOKEN_FEATURE_TEMPLATES } from '../../src/classify/featurizers/token-features.ts';
import type { PackManifest } from '../../src/classify/types.ts';
import { buildPiiGraph, quantizeColumns, shippedTable } from '../../models/train/pii/graph.ts';
import { forward, initNet } from '../../models/train/pii/model.ts';
import { rng } from '../../models/train/rng.ts';

const templates = [...TOKEN_FEATURE_TEMPLATES];
const K = templates.length;
const WV = { buckets: 256, seed: 7 };
const manifest = { name: 'pii', version: 't', task: 'token-classification', featurizer: { type: 'token-features', buckets: 1024, templates, word_vectors: WV }, inputs: ['feature_ids', 'word_ids'], output: 'probabilities', max_length: 64 } as PackManifest;

describe('pii graph with word vectors', () => {
  for (const win of [0, 1]) {
    it(`matches the trainer's forward pass (window ${win})`, async () => {
      const R = 4;
      const net = initNet({ buckets: 1024, dim: 8, ctx: 16, labels: 7, seed: 3, wordVecs: { vectors: new Float32Array(0), dim: 10, rank: R, win, dropout: 0 } });
      const r = rng(11);
      // weights big enough that the outputs are far from uniform
      for (const a of [net.E, net.wv!.B]) for (let i = 0; i < a.length; i++) a[i] = (r() * 2 - 1) * 0.5;
      const table = Float32Array.from({ length: WV.buckets * R }, () => r() * 2 - 1);
      const model = buildPiiGraph(net, K, {}, table);
      const session = await ort.InferenceSession.create(model, { executionProviders: ['cpu'] });
      const fz = createTokenFeaturizer(manifest.featurizer, manifest);
      const { q, scale } = quantizeColumns(table, WV.buckets, R);
      const E = shippedTable(net);
      for (const text of ['Maria Keller moved to Lisbon.', 'x', 'Call Bob at Acme Corp in Paris on Monday, 3 May 2021']) {
        const f = fz.encode(text);
        const feeds: Record<string, ort.Tensor> = {};
        for (const [k, t] of Object.entries(f.feeds)) feeds[k] = new ort.Tensor(t.type, t.data as never, t.dims as number[]);
        const got = (await session.run(feeds))['probabilities']!.data as Float32Array;
        const ids = f.feeds['word_ids']!.data as Int32Array;
        const u = new Float32Array(f.length * R);
        for (let t = 0; t < f.length; t++) for (let j = 0; j < R; j++) u[t * R + j] = q[ids[t]! * R + j]! * scale[j]!;
        const set = { K, ids: f.feeds['feature_ids']!.data as Int32Array, labels: new Int32Array(0), rowStart: new Int32Array(0), offsets: [], misaligned: 0 };
        const want = forward(net, set, 0, f.length, E, u);
        const noWv = forward(net, set, 0, f.length, E);
        expect(got.length).toBe(want.length);
        for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i]!, 4);
        // and the word vectors do change the output
        expect(want.some((v, i) => Math.abs(v - noWv[i]!) > 1e-3)).toBe(true);
      }
    });
  }
});
