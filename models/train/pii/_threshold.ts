// Decision-threshold sweep of the shipped pack on the TRAINING split (dev is never looked at here):
// npx tsx models/train/pii/_threshold.ts 0.35,0.4,0.45,0.5,0.55 [dev]   (dev only to report a train-chosen value)
// The token model runs once per row (memoised); only the detector's threshold changes.
import { loadPack } from '../../../src/classify/pack-loader.ts';
import { createPiiDetector } from '../../../src/classify/pii/detector.ts';
import { createTokenClassifier } from '../../../src/classify/token-classifier.ts';
import type { TokenClassifier, TokenPrediction } from '../../../src/classify/types.ts';
import { resolvePackPath } from '../../../runtimes/node/file-source.ts';
import { createNodeEngine } from '../../../runtimes/node/ort-engine.ts';
import { loadPiiRows, splitPii } from './data.ts';
import { INFORMAL_TYPES } from './pack-eval.ts';
import { scoreSpans } from './metrics.ts';

const ths = (process.argv[2] ?? '0.3,0.35,0.4,0.45,0.5,0.55,0.6').split(',').map(Number);
const { source, dir } = resolvePackPath('pii');
const pack = await loadPack(source, dir, createNodeEngine('cpu'));
const base = createTokenClassifier(pack);
const memo = new Map<string, TokenPrediction[]>();
const clf: TokenClassifier = { ...base, predict: async (t) => memo.get(t) ?? (memo.set(t, await base.predict(t)), memo.get(t)!) };
const det = createPiiDetector(clf, { name: 'pii', threshold: 0.5 });
const sp = splitPii(loadPiiRows());
const rows = process.argv[3] === 'dev' ? sp.dev : sp.train;
for (const th of ths) {
  const run = async (src: (s: string) => boolean) => {
    const out = [];
    for (const r of rows.filter((r) => src(r.source))) out.push({ gold: r.spans, pred: await det.detect(r.text, { threshold: th }) });
    return out;
  };
  const p = scoreSpans(await run((s) => s !== 'wnut17')).micro;
  const w = scoreSpans(await run((s) => s === 'wnut17'), INFORMAL_TYPES).micro;
  const f = (x: number) => x.toFixed(4);
  console.log(`th=${th} presidio P ${f(p.precision)} R ${f(p.recall)} F1 ${f(p.f1)} | wnut P ${f(w.precision)} R ${f(w.recall)} F1 ${f(w.f1)}`);
}
