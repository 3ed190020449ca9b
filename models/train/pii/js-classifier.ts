// A TokenClassifier over the in-memory net (training-side twin of the ONNX graph), so the dev
// split is scored through the same detector code the gateway runs.
import { createTokenFeaturizer } from '../../../src/classify/featurizers/token-features.ts';
import type { PackManifest, TokenClassifier, TokenPrediction } from '../../../src/classify/types.ts';
import type { EncodedSet } from './encode.ts';
import { forward, type PiiNet } from './model.ts';

/** Reduced word vectors u [T, R] of a text's tokens, for a net with a word-vector path. */
export type WordVecInput = (text: string, offsets: Array<[number, number]>) => Float32Array;

/** `typeSum`: decide on P(B-X)+P(I-X) per type (what the shipped graph outputs), `oBias`: log-odds added to O. */
export function jsTokenClassifier(net: PiiNet, manifest: PackManifest, labels: string[], E = net.E, dec: { typeSum?: boolean; oBias?: number } = {}, words?: WordVecInput): TokenClassifier {
  const fz = createTokenFeaturizer(manifest.featurizer, manifest);
  return {
    name: manifest.name,
    labels,
    threshold: manifest.threshold ?? 0.5,
    async predict(text: string): Promise<TokenPrediction[]> {
      const f = fz.encode(text);
      const feed = Object.values(f.feeds)[0]!;
      const K = feed.dims[2]!;
      const set: EncodedSet = { K, ids: feed.data as Int32Array, labels: new Int32Array(0), rowStart: new Int32Array(0), offsets: [], misaligned: 0 };
      const offs = f.offsets ?? [];
      const probs = forward(net, set, 0, f.length, E, words && net.wv ? words(text, offs) : undefined);
      const L = labels.length;
      for (let t = 0; t < f.length; t++) decode(probs, t * L, L, dec);
      return (f.offsets ?? []).map(([start, end], t) => {
        let best = 0;
        for (let l = 1; l < L; l++) if (probs[t * L + l]! > probs[t * L + best]!) best = l;
        return { start, end, label: labels[best]!, confidence: probs[t * L + best]! };
      });
    },
  };
}

/** In place on one token's probabilities (decoding experiments; dev F1 moved by < 0.01, so the graph ships plain argmax). */
export function decode(p: Float32Array, o: number, L: number, dec: { typeSum?: boolean; oBias?: number }): void {
  if (dec.oBias) {
    const w = Math.exp(dec.oBias);
    const z = 1 - p[o]! + p[o]! * w;
    p[o] = (p[o]! * w) / z;
    for (let l = 1; l < L; l++) p[o + l]! /= z;
  }
  if (dec.typeSum) {
    for (let l = 1; l + 1 < L; l += 2) {
      const b = p[o + l]!;
      const i = p[o + l + 1]!;
      p[o + l] = b >= i ? b + i : 0;
      p[o + l + 1] = b >= i ? 0 : b + i;
    }
  }
}
