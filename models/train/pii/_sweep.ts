// Model-selection sweep on the dev split (never on anything else): npx tsx models/train/pii/_sweep.ts dim=64 buckets=131072 ...
import { createPiiDetector } from '../../../src/classify/pii/detector.ts';
import type { PackManifest } from '../../../src/classify/types.ts';
import { loadPiiRows, splitPii, type PiiRow } from './data.ts';
import { defaultFeatureParams, encodeRows, LABELS, MAX_LENGTH } from './encode.ts';
import { jsTokenClassifier } from './js-classifier.ts';
import { formatReport, scoreSpans } from './metrics.ts';
import { train } from './model.ts';
import { shippedTable } from './graph.ts';
import { augmentRows, normaliseRow } from './augment.ts';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.split('=') as [string, string]));
const num = (k: string, d: number) => (args[k] !== undefined ? Number(args[k]) : d);
const buckets = num('buckets', 2 ** 17);
const dim = num('dim', 48);
const { train: tr, dev } = splitPii(loadPiiRows());
const useWnut = num('wnut', 1);
const base = tr.filter((r) => (useWnut || r.source === 'presidio') && (num('gl', 1) || r.origin !== 'presidio_generated_large')).map(normaliseRow);
const trainRows = [...base, ...augmentRows(base, { copies: num('copies', 0), seed: 1, swap: num('swap', 0.8), lower: num('lower', 0.1), upper: num('upper', 0.1) })];
const params = defaultFeatureParams(buckets);
if (args['tpl']) params.templates = args['tpl'].split(',') as typeof params.templates;
const t0 = Date.now();
const set = encodeRows(trainRows, params);
const rowWeight = Float32Array.from(trainRows, (r) => (r.source === 'wnut17' ? num('wnutw', 1) : r.origin === 'presidio_synth_v2' ? num('synthw', 1) : 1));
console.log('encoded', set.labels.length, 'tokens in', Date.now() - t0, 'ms; misaligned', set.misaligned);
const net = train(set, { buckets, dim, ctx: num('ctx', 64), labels: LABELS.length, epochs: num('epochs', 6), lr: num('lr', 0.05), dropout: num('drop', 0.1), seed: 1, rowWeight, contextDropout: num('cdrop', 0), contextTemplates: Uint8Array.from(params.templates, (t) => (/[-+][12]/.test(t) ? 1 : 0)),
  onEpoch: (e, l) => console.log('epoch', e, l.toFixed(4), ((Date.now() - t0) / 1000).toFixed(1) + 's') });
const manifest = { name: 'pii', version: 'x', task: 'token-classification', featurizer: { type: 'token-features', ...params }, inputs: ['feature_ids'], output: 'probabilities', max_length: MAX_LENGTH } as PackManifest;
const GAPS: Record<string, Record<string, RegExp | null>> = { def: {}, saNone: { STREET_ADDRESS: null }, saNl: { STREET_ADDRESS: /^[ \t]{0,2}[,\n][ \t]{0,2}$/ }, none: { STREET_ADDRESS: null, PERSON: null, GPE: null, ORGANIZATION: null } };
let det = createPiiDetector(jsTokenClassifier(net, manifest, LABELS), { name: 'pii', threshold: num('th', 0.5), joinGaps: GAPS[args['gaps'] ?? 'def'] });
const detModelOnly = createPiiDetector(jsTokenClassifier(net, manifest, LABELS), { name: 'pii', threshold: num('th', 0.5) });
async function run(rows: PiiRow[]) { return Promise.all(rows.map(async (r) => ({ gold: r.spans, pred: await det.detect(r.text) }))); }
if (args['evaltrain']) console.log(formatReport('presidio TRAIN', scoreSpans(await run(tr.filter((r) => r.source === 'presidio').slice(0, 400)))));
for (const [typeSum, oBias] of args['dec'] ? [[false, 0], [true, 0], [true, -0.5], [true, -1], [true, 0.5], [false, -0.5], [false, -1]] as const : []) {
  const d2 = createPiiDetector(jsTokenClassifier(net, manifest, LABELS, net.E, { typeSum, oBias }), { name: 'pii', threshold: 0.5 });
  const s = scoreSpans(await Promise.all(dev.filter((r) => r.source === 'presidio').map(async (r) => ({ gold: r.spans, pred: await d2.detect(r.text) })))).micro;
  const w = scoreSpans(await Promise.all(dev.filter((r) => r.source === 'wnut17').map(async (r) => ({ gold: r.spans, pred: await d2.detect(r.text) }))), ['PERSON', 'ORGANIZATION', 'GPE']).micro;
  console.log('dec', typeSum, oBias, s.precision.toFixed(3), s.recall.toFixed(3), s.f1.toFixed(3), 'wnut', w.f1.toFixed(3));
}
for (const clip of args['qeval'] ? [1, 0.9999, 0.999] : []) {
  const d2 = createPiiDetector(jsTokenClassifier(net, manifest, LABELS, shippedTable(net, clip)), { name: 'pii', threshold: 0.5 });
  const s = scoreSpans(await Promise.all(dev.filter((r) => r.source === 'presidio').map(async (r) => ({ gold: r.spans, pred: await d2.detect(r.text) })))).micro;
  console.log('quant', clip, s.f1.toFixed(3));
}
for (const g of args['gaps'] ? Object.keys(GAPS) : []) for (const th of [0.3, 0.4, 0.5, 0.6]) {
  det = createPiiDetector(jsTokenClassifier(net, manifest, LABELS), { name: 'pii', threshold: th, joinGaps: GAPS[g] });
  const s = scoreSpans(await run(dev.filter((r) => r.source === 'presidio'))).micro;
  console.log('variant', g, th, s.precision.toFixed(3), s.recall.toFixed(3), s.f1.toFixed(3));
}
det = createPiiDetector(jsTokenClassifier(net, manifest, LABELS), { name: 'pii', threshold: num('th', 0.5), joinGaps: GAPS[args['gaps'] ?? 'def'] });
const p = await run(dev.filter((r) => r.source === 'presidio'));
console.log(formatReport('presidio dev', scoreSpans(p)));
console.log(formatReport('wnut17 dev', scoreSpans(await run(dev.filter((r) => r.source === 'wnut17')), ['PERSON', 'ORGANIZATION', 'GPE'])));
if (args['show']) { const pres = dev.filter((r) => r.source === 'presidio'); p.forEach((it, i) => {
  const txt = pres[i]!.text; const key = (s: { type: string; start: number; end: number }) => `${s.type}|${s.start}|${s.end}`;
  const g = new Set(it.gold.map(key)); const pk = new Set(it.pred.map(key));
  const ft = (s: { type: string }) => !args['type'] || s.type === args['type']; const bad = it.pred.filter((s) => !g.has(key(s)) && ft(s)); const miss = it.gold.filter((s) => !pk.has(key(s)) && ft(s));
  if ((bad.length || miss.length) && i % Number(args['show']) === 0) console.log(JSON.stringify(txt.slice(0, 160)), '\n   FP', bad.map((s) => `${s.type}:${JSON.stringify(txt.slice(s.start, s.end))}`).join(' '), '\n   FN', miss.map((s) => `${s.type}:${JSON.stringify(txt.slice(s.start, s.end))}`).join(' '));
}); }
if (args['tok']) {
  const clf = jsTokenClassifier(net, manifest, LABELS);
  for (const s of ['In case of my child\'s account, we need to add Lewis Forbes as guardian', 'Sometimes people call me Aslak Jensen', 'The address of Peerj is 9721 Dalmatinova 43 Apt. 678 Velenje', 'My name is John Smith and I work at Google in London.'])
    console.log((await clf.predict(s)).map((p) => `${s.slice(p.start, p.end)}/${p.label}/${p.confidence.toFixed(2)}`).join(' '));
}
