// Word-vector experiments on the dev split (never on anything else):
//   npx tsx models/train/pii/_glove.ts words=100000 gscale=0.2 [noglove=1] [epochs=4]
// Same data, augmentation and hyperparameters as `npm run train -- pii`, plus a GloVe input
// (token lowercased, looked up in the `words` most frequent GloVe words).
import { createPiiDetector } from '../../../src/classify/pii/detector.ts';
import type { PackManifest } from '../../../src/classify/types.ts';
import { tokenize, tokenWordVectorIds } from '../../../src/classify/featurizers/token-features.ts';
import { buildWordVecLookup, reducedTable, tokenVectorRows, type WordVecLookup } from './wordvec.ts';
import { loadPiiRows, splitPii, type PiiRow } from './data.ts';
import { defaultFeatureParams, encodeRows, LABELS, MAX_LENGTH } from './encode.ts';
import { jsTokenClassifier, type WordVecInput } from './js-classifier.ts';
import { formatReport, scoreSpans } from './metrics.ts';
import { train } from './model.ts';
import { augmentRows, normaliseRow } from './augment.ts';
import { PII_HYPERPARAMS } from './index.ts';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.split('=') as [string, string]));
const num = (k: string, d: number) => (args[k] !== undefined ? Number(args[k]) : d);
const hp = { ...PII_HYPERPARAMS, buckets: num('buckets', PII_HYPERPARAMS.buckets), dim: num('dim', PII_HYPERPARAMS.dim), epochs: num('epochs', PII_HYPERPARAMS.epochs), dropout: num('drop', PII_HYPERPARAMS.dropout) };
const t0 = Date.now();
const { train: tr, dev } = splitPii(loadPiiRows());
const base = tr.map(normaliseRow);
const trainRows = [...base, ...augmentRows(base, { copies: hp.copies, seed: 1, swap: hp.swap, lower: hp.lower, upper: hp.upper })];
const params = defaultFeatureParams(hp.buckets);
const set = encodeRows(trainRows, params);
const useGlove = !num('noglove', 0);
let words: WordVecInput | undefined;
let wvOpts: { vectors: Float32Array; dim: number; rank: number; win: number; dropout: number } | undefined;
let lookup: WordVecLookup | undefined;
if (useGlove) {
  lookup = buildWordVecLookup({ words: num('words', 400000), buckets: num('wb', 2 ** 20), seed: 7, scale: num('gscale', 0.2), exact: !!num('exact', 0) });
  const lk = lookup;
  if (args['clusters']) kmeansInPlace(lk.vectors, Math.min(num('words', 400000), lk.vectors.length / lk.dim), lk.dim, num('clusters', 256), num('kiters', 6));
  const wv: number[] = [];
  for (const row of trainRows) wv.push(...tokenVectorRows(lk, row.text, MAX_LENGTH));
  set.wv = Int32Array.from(wv);
  const known = set.wv.filter((x) => x >= 0).length;
  console.log(`glove ${lk.owned} owned buckets, ${known}/${set.wv.length} training tokens covered`);
  wvOpts = { vectors: lk.vectors, dim: lk.dim, rank: num('rank', 16), win: num('win', 1), dropout: num('gdrop', 0.3) };
}
console.log('encoded', set.labels.length, 'tokens in', Date.now() - t0, 'ms');
const net = train(set, { ...hp, labels: LABELS.length, seed: num('seed', 1), wordDropout: num('wdrop', 0), wordTemplates: Uint8Array.from(params.templates, (t) => (['w', 'lw', 'p1', 'p2', 'p3', 's2', 's3', 's4', 'lw-1|lw', 'lw|lw+1'].includes(t) ? 1 : 0)), ...(wvOpts ? { wordVecs: wvOpts } : {}),
  onEpoch: (e, l) => console.log('epoch', e, l.toFixed(4), ((Date.now() - t0) / 1000).toFixed(1) + 's') });
const manifest = { name: 'pii', version: 'x', task: 'token-classification', featurizer: { type: 'token-features', ...params }, inputs: ['feature_ids'], output: 'probabilities', max_length: MAX_LENGTH } as PackManifest;
if (lookup && net.wv) {
  const table = reducedTable(lookup, net.wv);
  const R = net.wv.rank;
  const lk = lookup;
  words = (text) => {
    const ids = tokenVectorRows(lk, text, MAX_LENGTH).map((w, t) => (w < 0 ? -1 : tokenWordVectorIds(tokenize(text, MAX_LENGTH).tokens, lk.params)[t]!));
    const u = new Float32Array(ids.length * R);
    ids.forEach((id, t) => id >= 0 && u.set(table.subarray(id * R, id * R + R), t * R));
    return u;
  };
}
const det = createPiiDetector(jsTokenClassifier(net, manifest, LABELS, net.E, {}, words), { name: 'pii', threshold: hp.threshold });
async function run(rows: PiiRow[]) { return Promise.all(rows.map(async (r) => ({ gold: r.spans, pred: await det.detect(r.text) }))); }
const p = scoreSpans(await run(dev.filter((r) => r.source === 'presidio')));
const w = scoreSpans(await run(dev.filter((r) => r.source === 'wnut17')), ['PERSON', 'ORGANIZATION', 'GPE']);
if (args['full']) console.log(formatReport('presidio dev', p) + '\n' + formatReport('wnut17 dev', w));
const f = (t: string) => (p.perType[t]?.f1 ?? 0).toFixed(3);
console.log(`RESULT ${process.argv.slice(2).join(' ')} presidio ${p.micro.f1.toFixed(4)} wnut ${w.micro.f1.toFixed(4)} PER ${f('PERSON')} ORG ${f('ORGANIZATION')} GPE ${f('GPE')} ADDR ${f('STREET_ADDRESS')} (${((Date.now() - t0) / 1000).toFixed(0)}s)`);
if (args['show']) {
  const pres = dev.filter((r) => r.source === 'presidio');
  const res = await run(pres);
  const key = (s: { type: string; start: number; end: number }) => `${s.type}|${s.start}|${s.end}`;
  res.forEach((it, i) => {
    const txt = pres[i]!.text;
    const g = new Set(it.gold.map(key));
    const pk = new Set(it.pred.map(key));
    const ft = (s: { type: string }) => s.type === args['show'];
    const bad = it.pred.filter((s) => !g.has(key(s)) && ft(s));
    const miss = it.gold.filter((s) => !pk.has(key(s)) && ft(s));
    if (bad.length || miss.length) console.log(JSON.stringify(txt.slice(0, 140)), '\n   FP', bad.map((s) => `${s.type}:${JSON.stringify(txt.slice(s.start, s.end))}`).join(' '), '\n   FN', miss.map((s) => `${s.type}:${JSON.stringify(txt.slice(s.start, s.end))}`).join(' '));
  });
}

/** Replaces each of the first n vectors by its k-means centroid (cosine, seeded), so words share a cluster vector. */
function kmeansInPlace(vecs: Float32Array, n: number, d: number, k: number, iters: number): void {
  const t = Date.now();
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    let nn = 0;
    for (let j = 0; j < d; j++) nn += vecs[i * d + j]! ** 2;
    const f = 1 / Math.sqrt(nn || 1);
    for (let j = 0; j < d; j++) x[i * d + j] = vecs[i * d + j]! * f;
  }
  const c = new Float32Array(k * d);
  for (let q = 0; q < k; q++) c.set(x.subarray(((q * 7919) % n) * d, ((q * 7919) % n) * d + d), q * d);
  const asg = new Int32Array(n);
  for (let it = 0; it < iters; it++) {
    for (let i = 0; i < n; i++) {
      let best = 0, bv = -Infinity;
      for (let q = 0; q < k; q++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += x[i * d + j]! * c[q * d + j]!;
        if (s > bv) { bv = s; best = q; }
      }
      asg[i] = best;
    }
    c.fill(0);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) c[asg[i]! * d + j]! += x[i * d + j]!;
    for (let q = 0; q < k; q++) {
      let nn = 0;
      for (let j = 0; j < d; j++) nn += c[q * d + j]! ** 2;
      const f = 1 / Math.sqrt(nn || 1);
      for (let j = 0; j < d; j++) c[q * d + j]! *= f;
    }
  }
  // centroid at the mean norm of the original vectors, so the scale stays comparable
  let norm = 0;
  for (let i = 0; i < n; i++) { let nn = 0; for (let j = 0; j < d; j++) nn += vecs[i * d + j]! ** 2; norm += Math.sqrt(nn) / n; }
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) vecs[i * d + j] = c[asg[i]! * d + j]! * norm;
  console.log(`k-means ${n} words x ${k} clusters in ${((Date.now() - t) / 1000).toFixed(0)}s`);
}
