// Sentence embeddings: the pack's pooled output, or a mask-aware mean over token vectors when the
// graph returns one vector per token; always L2-normalised so a dot product is the cosine.
import type { Embedder } from './types.ts';
import type { LoadedPack } from './pack-loader.ts';
import { l2normalize } from './softmax.ts';
import { runPack } from './sequence-classifier.ts';

export function createEmbedder(pack: LoadedPack): Embedder {
  const D = pack.outputWidth;
  return {
    name: pack.info.name,
    dimensions: D,
    async embed(text: string): Promise<Float32Array> {
      const { out, length } = await runPack(pack, text);
      const data = out.data as Float32Array;
      if (out.dims.length === 2) return l2normalize(data.subarray(0, D));
      const S = Math.max(1, Math.min(length, out.dims[1] ?? 1));
      const mean = new Float64Array(D);
      for (let i = 0; i < S; i++) for (let d = 0; d < D; d++) mean[d] += data[i * D + d]!;
      return l2normalize(mean);
    },
  };
}
