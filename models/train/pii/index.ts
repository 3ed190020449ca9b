// `npm run train -- pii`: trains the PII token model on ../shared/data/pii (minus the dev split),
// writes the pack (model.onnx, manifest.json, labels.json, MODEL_CARD.md) and scores it on dev
// through the real detector.
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { PackManifest } from '../../../src/classify/types.ts';
import { REPO_ROOT } from '../data.ts';
import { Progress } from '../progress.ts';
import { writeModelCard } from './card.ts';
import { loadPiiRows, splitPii, templateKey } from './data.ts';
import { defaultFeatureParams, encodeRows, LABELS, MAX_LENGTH } from './encode.ts';
import { buildPiiGraph } from './graph.ts';
import { train } from './model.ts';
import { augmentRows, normaliseRow } from './augment.ts';
import { detectLatency, LATENCY_TEXT, loadPiiDetector, scoreRows } from './pack-eval.ts';
import { formatReport } from './metrics.ts';
import { buildWordVecLookup, reducedTable, tokenVectorRows } from './wordvec.ts';
import { GLOVE_PACKAGE } from '../glove.ts';

export const PII_HYPERPARAMS = { buckets: 2 ** 17, dim: 32, ctx: 64, epochs: 4, lr: 0.05, dropout: 0.3, wnutWeight: 1, threshold: 0.5, copies: 2, swap: 0.8, lower: 0.1, upper: 0.1 };

export interface PiiWordVectorConfig {
  /** The `words` most frequent GloVe words hashed into `buckets` (power of two, seed `seed`); vectors times `scale`. */
  words: number; buckets: number; seed: number; scale: number;
  /** Reduced to `rank` dims, read over +-`win` tokens, token-level dropout `dropout`, word dropout `wordDropout` (model.ts). */
  rank: number; win: number; dropout: number; wordDropout: number;
}
/**
 * GloVe word-vector input (wordvec.ts, model.ts). Off: every configuration that fits the 4.5 MiB
 * budget scored below the model without it on dev (MODEL_CARD.md, "Tried without gain"); e.g.
 * { words: 50000, buckets: 2 ** 15, seed: 7, scale: 0.2, rank: 14, win: 0, dropout: 0.3, wordDropout: 0.3 }.
 */
export const PII_WORD_VECTORS: PiiWordVectorConfig | null = null;
/** Templates that spell the token itself: dropped together for a `wordDropout` share of tokens. */
export const WORD_TEMPLATES = ['w', 'lw', 'p1', 'p2', 'p3', 's2', 's3', 's4', 'lw-1|lw', 'lw|lw+1'];

export async function trainPii(opts: { seed?: number; outDir?: string } = {}): Promise<{ outDir: string; microF1: number }> {
  const seed = opts.seed ?? 1;
  const outDir = resolve(opts.outDir ?? join(REPO_ROOT, 'models/pii'));
  const hp = PII_HYPERPARAMS;
  const t0 = Date.now();
  const split = splitPii(loadPiiRows());
  const { dev, dropped } = split;
  const base = split.train.map(normaliseRow);
  const trainRows = [...base, ...augmentRows(base, { copies: hp.copies, seed, swap: hp.swap, lower: hp.lower, upper: hp.upper })];
  const params = defaultFeatureParams(hp.buckets);
  const set = encodeRows(trainRows, params);
  const wvp = PII_WORD_VECTORS;
  const lookup = wvp ? buildWordVecLookup(wvp) : undefined;
  if (lookup) set.wv = Int32Array.from(trainRows.flatMap((r) => [...tokenVectorRows(lookup, r.text, MAX_LENGTH)]));
  const rowWeight = Float32Array.from(trainRows, (r) => (r.source === 'wnut17' ? hp.wnutWeight : 1));
  const bar = new Progress('pii', hp.epochs);
  bar.tick(0, `${set.labels.length} tokens`);
  const net = train(set, {
    ...hp, labels: LABELS.length, seed, rowWeight,
    ...(wvp && lookup
      ? {
          wordDropout: wvp.wordDropout,
          wordTemplates: Uint8Array.from(params.templates, (t) => (WORD_TEMPLATES.includes(t) ? 1 : 0)),
          wordVecs: { vectors: lookup.vectors, dim: lookup.dim, rank: wvp.rank, win: wvp.win, dropout: wvp.dropout },
        }
      : {}),
    onEpoch: (e, loss) => bar.tick(e, `loss ${loss.toFixed(4)}`) });
  const trainSeconds = (Date.now() - t0) / 1000;

  mkdirSync(outDir, { recursive: true });
  const manifest: PackManifest = {
    name: 'pii',
    version: `1.0.0+seed${seed}`,
    task: 'token-classification',
    featurizer: { type: 'token-features', buckets: params.buckets, templates: params.templates, ...(lookup ? { word_vectors: lookup.params } : {}) },
    inputs: lookup ? [params.input, 'word_ids'] : [params.input],
    output: 'probabilities',
    output_kind: 'probabilities',
    max_length: MAX_LENGTH,
    threshold: hp.threshold,
    files: { model: 'model.onnx', labels: 'labels.json' },
    offsets: 'utf16',
  };
  const meta = { seed: String(seed), labels: String(LABELS.length), ...(lookup ? { word_vectors: GLOVE_PACKAGE } : {}) };
  const model = buildPiiGraph(net, params.templates.length, meta, lookup && net.wv ? reducedTable(lookup, net.wv) : undefined);
  writeFileSync(join(outDir, 'model.onnx'), model);
  writeFileSync(join(outDir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  const idx = Object.fromEntries(LABELS.map((l, i) => [String(i), l]));
  const l2i = Object.fromEntries(LABELS.map((l, i) => [l, i]));
  writeFileSync(join(outDir, 'labels.json'), JSON.stringify({ label_to_idx: l2i, idx_to_label: idx }, null, 2) + '\n');

  const det = await loadPiiDetector(outDir);
  const report = await scoreRows(det, dev);
  const latency = await detectLatency(det, LATENCY_TEXT);
  const sizeBytes = statSync(join(outDir, 'model.onnx')).size;
  process.stderr.write(`${formatReport('presidio dev', report.presidio)}\n${formatReport('wnut17 dev (PERSON/ORGANIZATION/GPE)', report.informal)}\n`);
  writeModelCard(outDir, {
    seed, hp, templates: params.templates.length, report, latency, sizeBytes, trainSeconds,
    counts: { trainRows: base.length, augmentedRows: trainRows.length - base.length, devRows: dev.length, devTemplates: new Set(dev.filter((r) => r.source === 'presidio').map(templateKey)).size, dropped, trainTokens: set.labels.length, misaligned: set.misaligned },
  });
  return { outDir, microF1: report.presidio.micro.f1 };
}
