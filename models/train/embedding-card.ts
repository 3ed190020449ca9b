// MODEL_CARD.md for the embedding pack.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HashedNgramsParams } from '../../src/classify/featurizers/hashed-ngrams.ts';

export interface EmbeddingResult {
  dim: number;
  idfPower: number;
  selection: Array<{ power: number; charWeight: number; auc: number; sameMean: number; diffMean: number; nSame: number; nDiff: number }>;
  unrelated: { n: number; mean: number; p99: number; p999: number; max: number };
  cache: null | {
    texts: string[];
    setOf: number[];
    matrix: number[][];
    paraMin: number;
    paraAbove: number;
    paraTotal: number;
    crossMax: number;
    crossBelow: number;
    crossTotal: number;
  };
  threshold: number;
  sizeBytes: number;
  parityMaxDiff: number;
  latency: { p50_ms: number; p99_ms: number };
  seconds: number;
  featurizer: HashedNgramsParams;
  tableRows: number;
}

const f = (x: number, d = 3) => x.toFixed(d);

export function writeEmbeddingCard(dir: string, r: EmbeddingResult): void {
  const fz = r.featurizer;
  const parts: string[] = [];
  parts.push(`# embedding pack\n\nL2-normalised ${r.dim}-dimensional sentence vectors for the semantic cache (cosine similarity = dot product). Empty or whitespace-only text gives the zero vector (similarity 0 to everything).\n`);
  parts.push(`## Model\n
Featurizer \`hashed-ngrams\`: word unigrams (weight ${fz.word_weights[0]}) and char ${JSON.stringify(fz.char_ngrams)}-grams of \`<token>\` (weight ${fz.char_weight}, for morphology: regular / regularly, exercise / exercising), lowercase, digits kept (numbers matter for a cache), ${fz.buckets} buckets, ${fz.tf} tf.
Graph: IDF^${r.idfPower} (fp16 precision stored as float32, ${fz.buckets} entries, learned from the train side of all of ../shared/data) x tf, L2-normalised; times a fixed Gaussian random projection (${r.tableRows} rows indexed by id mod ${r.tableRows}, ${r.dim} columns, int8 with per-row scale); L2-normalised. The only thing learned is the IDF: it makes content words dominate the question template. There is no synonym knowledge: paraphrases that share no content word (brew / make coffee) score lower.\n`);
  parts.push(`## IDF power and char-n-gram weight selection (own data, not the test set)\n
Chosen by AUC of same-intent vs different-intent pairs of the CLINC-150 small-talk rows in the intent dev split (paraphrase proxy):\n
| idf power | char weight | AUC | mean cos same intent | mean cos different intent | pairs same / different |
| ---: | ---: | ---: | ---: | ---: | ---: |
${r.selection.map((s) => `| ${s.power} | ${s.charWeight} | ${f(s.auc, 4)} | ${f(s.sameMean)} | ${f(s.diffMean)} | ${s.nSame} / ${s.nDiff} |`).join('\n')}
`);
  parts.push(`## Threshold\n
Unrelated question pairs (${r.unrelated.n} random pairs of short dev-split questions from all tasks): mean cosine ${f(r.unrelated.mean)}, 99th percentile ${f(r.unrelated.p99)}, 99.9th ${f(r.unrelated.p999)}, max ${f(r.unrelated.max)}. The manifest keeps the default cache threshold ${r.threshold}; on this paraphrase-free data it is ${r.unrelated.max < r.threshold ? 'above every unrelated pair' : 'NOT above every unrelated pair'}.\n`);
  if (r.cache) {
    const c = r.cache;
    const n = c.texts.length;
    const head = `| # | set | text | ${Array.from({ length: n }, (_, i) => i).join(' | ')} |\n| --- | --- | --- | ${Array.from({ length: n }, () => '---:').join(' | ')} |`;
    const rows = c.texts.map((t, i) => `| ${i} | ${c.setOf[i]} | ${t} | ${c.matrix[i].map((v) => f(v, 2)).join(' | ')} |`);
    parts.push(`## vSR cache cases (test set, report only)\n
\`../shared/vsr-testdata/cache_cases.json\`: paraphrase vs its original question: ${c.paraAbove}/${c.paraTotal} at or above ${r.threshold} (min ${f(c.paraMin)}). Questions of different sets: ${c.crossBelow}/${c.crossTotal} below ${r.threshold} (max ${f(c.crossMax)}).
Recompute with \`npm run train -- embedding\` (prints the summary; this table is rewritten).

${head}\n${rows.join('\n')}\n`);
  }
  if (r.cache) {
    const c = r.cache;
    const ok = c.paraAbove === c.paraTotal && c.crossBelow === c.crossTotal;
    parts.push(`## Target\n
Requirement: every paraphrase >= ${r.threshold} against its original question and every cross-set pair < ${r.threshold}. ${ok ? 'Met.' : `**Not met**: ${c.paraTotal - c.paraAbove} of ${c.paraTotal} paraphrases fall below ${r.threshold} (lowest ${f(c.paraMin)}, short by ${f(r.threshold - c.paraMin)}); cross-set pairs are all far below (max ${f(c.crossMax)}).`}
A lexical model scores template changes ("Define X" / "What is X?") high, but paraphrases that swap content words (exercise / working out / physical activity, make / brew) stay low: it has no synonym knowledge, and ../shared/data (exam and benchmark questions) is too small and too far from everyday questions to learn one (LSA-style co-occurrence was not attempted for lack of time). The cache can instead load a sentence-transformer export (e.g. MiniLM) as an \`hf-tokenizer\` embedding pack. Tried, selected on own data only: IDF power 1 / 1.5 / 2, char weight 0.35 / 0.7 / 1.2 (table above), word unigrams only (bigrams make paraphrases less similar), digits kept.
`);
  }
  parts.push(`## Size and latency\n
model.onnx: ${r.sizeBytes} bytes (${(r.sizeBytes / 2 ** 20).toFixed(2)} MiB). Featurizer + onnxruntime-node CPU, one thread, ~200-token request: p50 ${r.latency.p50_ms.toFixed(3)} ms, p99 ${r.latency.p99_ms.toFixed(3)} ms (shared 2-core machine). ONNX vs JS reference max |dv| = ${r.parityMaxDiff.toExponential(2)}. Build time ${r.seconds.toFixed(0)} s.
`);
  writeFileSync(join(dir, 'MODEL_CARD.md'), parts.join('\n'));
}
