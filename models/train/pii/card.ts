// MODEL_CARD.md of the PII pack, written by the trainer from measured numbers only.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LABELS, MAX_LENGTH, MODEL_TYPES } from './encode.ts';
import type { PiiEvalReport } from './pack-eval.ts';
import type { SpanReport } from './metrics.ts';

export interface CardInput {
  seed: number;
  hp: Record<string, number>;
  report: PiiEvalReport;
  latency: { p50: number; p95: number };
  sizeBytes: number;
  trainSeconds: number;
  counts: { trainRows: number; devRows: number; dropped: number; trainTokens: number; misaligned: number };
}

const TARGET = 0.9;

function table(r: SpanReport): string {
  const rows = Object.entries(r.perType).map(([t, s]) => `| ${t} | ${s.precision.toFixed(3)} | ${s.recall.toFixed(3)} | ${s.f1.toFixed(3)} | ${s.tp + s.fn} |`);
  const m = r.micro;
  return ['| type | precision | recall | F1 | gold spans |', '| --- | ---: | ---: | ---: | ---: |', ...rows, `| **micro** | ${m.precision.toFixed(3)} | ${m.recall.toFixed(3)} | **${m.f1.toFixed(3)}** | ${m.tp + m.fn} |`].join('\n');
}

export function writeModelCard(dir: string, c: CardInput): void {
  const f1 = c.report.presidio.micro.f1;
  const verdict = f1 >= TARGET ? `meets the target (>= ${TARGET})` : `**misses the target of ${TARGET} by ${(TARGET - f1).toFixed(3)}**`;
  const text = `# pii: token model + deterministic recognizers

Detects PII spans with character offsets (UTF-16 code units, i.e. JavaScript string indices), type and
confidence, using the vLLM Semantic Router's type names (PERSON, ORGANIZATION, GPE, STREET_ADDRESS,
DATE_TIME, EMAIL_ADDRESS, PHONE_NUMBER, CREDIT_CARD, IBAN_CODE, US_SSN, IP_ADDRESS, DOMAIN_NAME, AGE,
NRP, TITLE, ZIP_CODE, US_DRIVER_LICENSE).

- **Token model** (this pack): hashed per-token features (\`token-features\` featurizer: word, lowercase,
  shape, prefixes/suffixes, neighbouring words and shapes, whitespace class; ${c.hp.buckets} buckets),
  an embedding bag (int8 rows with an fp16 per-row scale, ${c.hp.dim} dims) + ReLU, a context layer over the
  hidden states of tokens t-1, t, t+1 (${c.hp.ctx} units, ReLU), softmax over ${LABELS.length} BIO labels
  (${MODEL_TYPES.length} types). Max ${MAX_LENGTH} tokens per request; longer text is cut and the featurizer
  reports \`truncated\` (the recognizers still scan all of it).
- **Recognizers** (\`src/classify/pii/recognizers/\`): EMAIL_ADDRESS, CREDIT_CARD (Luhn), IBAN_CODE
  (mod-97), US_SSN, IP_ADDRESS (v4, v6), DOMAIN_NAME (URLs and hosts), DATE_TIME (ISO, numeric, month
  names, clock times), PHONE_NUMBER. They win overlaps with model spans.
- Type mapping: data labels -> \`../shared/data/pii/label_map.json\` -> vSR names
  (\`src/classify/pii/type-names.ts\`): ADDRESS/STREET_ADDRESS -> STREET_ADDRESS, LOCATION/GPE and
  WNUT location -> GPE, WNUT person -> PERSON, corporation/group -> ORGANIZATION, product/creative-work dropped.

## Data
\`../shared/data/pii\`: Presidio research set (synth_v2 + generated_large, MIT) and WNUT-17 train+dev
(CC-BY-4.0). Dev split (held out, never trained on): Presidio by sentence template (20% of normalised
templates; dev keeps the synth_v2 rows of those templates, the ${c.counts.dropped} generated_large rows
sharing them are dropped), WNUT-17 by row id (20%). Train: ${c.counts.trainRows} rows
(${c.counts.trainTokens} tokens, ${c.counts.misaligned} spans not on token boundaries), dev: ${c.counts.devRows} rows.

## Held-out scores (dev split, exact span: same type, start and end), threshold ${c.hp.threshold}
Presidio types, full detector (model + recognizers): micro-F1 ${f1.toFixed(3)}, ${verdict}.

${table(c.report.presidio)}

Informal social-media text (WNUT-17 dev rows, PERSON / ORGANIZATION / GPE only):

${table(c.report.informal)}

## Size and latency
- model.onnx: ${(c.sizeBytes / 2 ** 20).toFixed(2)} MiB
- full detector (featurizer + onnxruntime-node CPU + BIO merge + recognizers) on a ~200-token request:
  p50 ${c.latency.p50.toFixed(3)} ms, p95 ${c.latency.p95.toFixed(3)} ms (measured at training time on the shared
  2-core build machine, so indicative only; \`npm run bench\` is the reference).
- training: ${c.trainSeconds.toFixed(0)} s, seed ${c.seed}.

## Reproduce
\`\`\`
npm run train -- pii             # trains, writes this folder, scores dev
npm run eval -- pii dev          # dev split again, through the pack loader
npm run eval -- pii rows.jsonl   # any file in ../shared/data/pii format; --json for machines
\`\`\`
Hyperparameters: ${JSON.stringify(c.hp)}.

## Limits
Dev templates are unseen sentence patterns, so this measures generalisation to new phrasing; the
Presidio data labels multi-line addresses inconsistently (whole block in some templates, per line in
others), which caps exact-span STREET_ADDRESS scores. Names in lowercase or in non-Latin scripts are
found less often than capitalised Latin names.
`;
  writeFileSync(join(dir, 'MODEL_CARD.md'), text);
}
