// Sequence classification over a loaded pack: featurize, run, softmax (unless the graph already
// ends in one), argmax. Defined for any input: empty text is classified like any other text.
import type { ClassifyOptions, ClassResult, SequenceClassifier } from './types.ts';
import type { LoadedPack, PackOutput } from './pack-loader.ts';
import { argmax, slice32, softmax } from './softmax.ts';
import { boundText, cleanInput, readablePrefix } from './text.ts';

/** Whether the pack's output must go through softmax: explicit in the manifest, else by output name. */
export function outputIsLogits(pack: LoadedPack): boolean {
  const kind = pack.manifest.output_kind;
  return kind ? kind === 'logits' : /logit/i.test(pack.manifest.output);
}

export async function runPack(pack: LoadedPack, text: unknown, opts?: ClassifyOptions): Promise<PackOutput> {
  const clean = cleanInput(typeof text === 'string' ? readablePrefix(text, pack.manifest.max_length) : text);
  return pack.coRun && !opts?.part ? pack.coRun.run(pack, clean) : runPackAlone(pack, clean);
}

/** One session.run of the pack's own session on already cleaned text. */
export async function runPackAlone(pack: LoadedPack, clean: string): Promise<PackOutput> {
  const bounded = boundText(clean, pack.manifest.max_length);
  const f = pack.featurizer.encode(bounded.text);
  const out = (await pack.session.run(f.feeds))[pack.manifest.output];
  if (!out) throw new Error(`pack ${pack.info.name}: output ${pack.manifest.output} missing`);
  return { out, truncated: f.truncated || bounded.cut, length: f.length, ...(f.offsets ? { offsets: f.offsets } : {}) };
}

export function createSequenceClassifier(pack: LoadedPack, threshold?: number): SequenceClassifier {
  const labels = pack.labels;
  const logits = outputIsLogits(pack);
  const n = labels.length;
  return {
    name: pack.info.name,
    labels,
    threshold: threshold ?? pack.manifest.threshold ?? 0.5,
    async classify(text: string, opts?: ClassifyOptions): Promise<ClassResult> {
      const { out, truncated } = await runPack(pack, text, opts);
      const data = out.data as Float32Array;
      const probabilities = logits ? softmax(data, 0, n) : slice32(data, 0, n);
      const index = argmax(probabilities);
      return { label: labels[index]!, index, confidence: probabilities[index]!, probabilities, truncated };
    },
  };
}
