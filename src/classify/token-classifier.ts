// Token classification: argmax label per token, with the token's character span in the caller's
// text. Positions without text (special tokens, padding) are skipped; blank text gives no tokens.
import type { TokenClassifier, TokenPrediction } from './types.ts';
import type { LoadedPack } from './pack-loader.ts';
import { argmax, softmaxAt } from './softmax.ts';
import { outputIsLogits, runPack } from './sequence-classifier.ts';
import { cleanInput, isBlank } from './text.ts';

export function createTokenClassifier(pack: LoadedPack, threshold?: number): TokenClassifier {
  const labels = pack.labels;
  const logits = outputIsLogits(pack);
  const C = labels.length;
  return {
    name: pack.info.name,
    labels,
    threshold: threshold ?? pack.manifest.threshold ?? 0.5,
    async predict(text: string): Promise<TokenPrediction[]> {
      const clean = cleanInput(text);
      if (isBlank(clean)) return [];
      const { out, length, offsets } = await runPack(pack, clean);
      if (!offsets) throw new Error(`pack ${pack.info.name}: featurizer gave no token offsets`);
      const data = out.data as Float32Array;
      const S = out.dims[1] ?? 0;
      const preds: TokenPrediction[] = [];
      for (let i = 0; i < Math.min(length, S, offsets.length); i++) {
        const [start, end] = offsets[i]!;
        if (end <= start) continue;
        // argmax on the raw row; only the winner's probability is needed (no per-token arrays:
        // a 200-token request with 35 BIO labels would otherwise allocate 400 of them).
        const o = i * C;
        const k = argmax(data, o, C);
        preds.push({ start, end, label: labels[k]!, confidence: logits ? softmaxAt(data, o, C, k) : data[o + k]! });
      }
      return preds;
    },
  };
}
