// Jailbreak guard window size (not part of `npm run train`): scores texts as the guard does
// (src/guard/jailbreak.ts scanJailbreak: worst window, threshold 0.7) for several window sizes and
// overlaps, to see whether windows smaller than DEFAULT_JAILBREAK_WINDOW undo the dilution of a short
// attack by the benign text around it.
//   nice -n 5 npx tsx models/train/_jb-window-exp.ts
// Two scorers:
//  - pack: the shipped models/jailbreak through onnxruntime-node (as eval.ts). It was trained on the
//    whole train side, calibration slice included, so its calibration-slice and padding figures are
//    in-sample (optimistic); its dev figures are the honest ones.
//  - held-out: the pack's own calibration model (train-classifier.ts: L-BFGS on the train side minus the
//    calibration slice, threshold calibrated on the slice at maxFpr, moved to 0.7 by the same bias
//    shift), scored in TS; its calibration-slice figures are out-of-sample, so the choice rests on them.
// Padding test: each short (<= 600 chars) row gets 300 / 600 / 1200 chars of benign text prepended
// (deterministic, from benign rows of the same side), attack rows for recall, benign rows for FPR.
import { createHash } from 'node:crypto';
import { resolvePackPath } from '../../runtimes/node/file-source.ts';
import { createNodeEngine } from '../../runtimes/node/ort-engine.ts';
import { loadPack } from '../../src/classify/pack-loader.ts';
import { createSequenceClassifier } from '../../src/classify/sequence-classifier.ts';
import type { SequenceClassifier } from '../../src/classify/types.ts';
import { jailbreakHeldOut } from './jailbreak-heldout.ts';
import { scanJailbreak } from '../../src/guard/jailbreak.ts';
import { loadTask, split, heldOutMask, type Row } from './data.ts';
import { binaryReport } from './metrics.ts';

const THRESHOLD = 0.7;
const PACK_CAP = 4088; // what the guard stage caps the window at for this pack (budget.ts windowCharsFor(4096))
const SETTINGS: Array<{ w: number; o: number; tag: string }> = [{ w: PACK_CAP, o: 1022, tag: 'whole(4088)' }];
for (const w of [1024, 768, 512, 384, 256]) {
  SETTINGS.push({ w, o: Math.max(32, Math.floor(w / 4)), tag: `${w}/q` });
  SETTINGS.push({ w, o: Math.floor(w / 2), tag: `${w}/h` });
}
const PADS = [0, 300, 600, 1200];

const { train: tr, dev } = split('jailbreak', loadTask('jailbreak'));
const isCal = heldOutMask('jailbreak', tr, 'semroute-calib-v1', 20);
const cal = tr.filter((_, i) => isCal[i]);

// ---- padding sets ----
const hashOf = (s: string) => createHash('sha256').update(s).digest('hex');
function padPool(rows: Row[]): string[] {
  return rows.filter((r) => r.label === 'benign').sort((a, b) => (hashOf(a.id + a.text) < hashOf(b.id + b.text) ? -1 : 1)).map((r) => r.text.trim());
}
/** About n characters of benign text: pool rows from a row-dependent start, cut back to a word boundary. */
function padding(pool: string[], k: number, n: number, avoid: string): string {
  let s = '';
  for (let j = (k * 7919) % pool.length; s.length < n; j = (j + 1) % pool.length) if (pool[j] !== avoid.trim()) s += (s ? '\n\n' : '') + pool[j];
  const cut = s.lastIndexOf(' ', n);
  return s.slice(0, cut > n * 0.8 ? cut : n);
}
function padded(rows: Row[], pool: string[], n: number): Row[] {
  return rows.map((r, k) => (n ? { ...r, text: `${padding(pool, k, n, r.text)}\n\n${r.text}` } : r));
}

// ---- scoring ----
interface Scored { hit: boolean[]; calls: number }
async function scoreAll(clf: SequenceClassifier, rows: Row[], w: number, o: number): Promise<Scored> {
  const hit: boolean[] = [];
  let calls = 0;
  for (const r of rows) {
    const v = await scanJailbreak(clf, [r.text], THRESHOLD, { windowChars: w, overlapChars: o });
    hit.push(v.blocked);
    calls += v.windows ?? 0;
  }
  return { hit, calls: calls / rows.length };
}

function report(rows: Row[], s: Scored): Record<string, string> {
  const gold = rows.map((r) => r.label === 'jailbreak');
  const b = binaryReport(gold, s.hit.map((h) => (h ? 1 : 0)), 0.5);
  const count = (f: (r: Row) => boolean) => {
    const ix = rows.map((r, i) => (f(r) ? i : -1)).filter((i) => i >= 0);
    return `${ix.filter((i) => s.hit[i]).length}/${ix.length}`;
  };
  return {
    F1: b.f1.toFixed(4), R: b.recall.toFixed(4), FPR: `${b.fpr.toFixed(4)} (${b.fp})`,
    PI: count((r) => r.attack_type === 'prompt_injection'), RP: count((r) => r.source === 'awesome_chatgpt_prompts'),
    XS: count((r) => r.source.startsWith('xstest')), calls: s.calls.toFixed(2),
  };
}

/** Rows of lo < length <= hi chars (attack and benign), each with PADS chars of benign text prepended. */
async function padTable(name: string, clf: SequenceClassifier, rows: Row[], pool: string[], lo = 0, hi = 600): Promise<void> {
  const len = (r: Row) => r.text.length > lo && r.text.length <= hi;
  const att = rows.filter((r) => r.label === 'jailbreak' && len(r));
  const ben = rows.filter((r) => r.label === 'benign' && len(r));
  const inj = att.filter((r) => r.attack_type === 'prompt_injection');
  console.log(`\n[${name}] padding test: ${att.length} attack rows of ${lo + 1}-${hi} chars (${inj.length} injections), ${ben.length} benign rows; recall (injections caught) | FPR per prepended chars ${PADS.join(' / ')}`);
  const sets = PADS.map((n) => ({ a: padded(att, pool, n), b: padded(ben, pool, n) }));
  for (const st of SETTINGS) {
    const cells: string[] = [];
    for (const { a, b } of sets) {
      const sa = await scoreAll(clf, a, st.w, st.o), sb = await scoreAll(clf, b, st.w, st.o);
      const rec = sa.hit.filter(Boolean).length / a.length;
      const pi = a.map((r, i) => (r.attack_type === 'prompt_injection' && sa.hit[i] ? 1 : 0) as number).reduce((x, y) => x + y, 0);
      cells.push(`${rec.toFixed(3)} (${pi}/${inj.length}) | ${(sb.hit.filter(Boolean).length / b.length).toFixed(3)}`);
    }
    console.log(`${st.tag.padEnd(12)} ${cells.join('   ')}`);
  }
}

async function table(name: string, clf: SequenceClassifier, rows: Row[]): Promise<void> {
  console.log(`\n[${name}] n=${rows.length} (${rows.filter((r) => r.label === 'benign').length} benign)`);
  console.log('setting      F1      recall  FPR (fp)     PI      RP     XS     calls/text');
  for (const st of SETTINGS) {
    const r = report(rows, await scoreAll(clf, rows, st.w, st.o));
    console.log(`${st.tag.padEnd(12)} ${r.F1}  ${r.R}  ${r.FPR.padEnd(11)}  ${r.PI.padEnd(6)}  ${r.RP.padEnd(5)}  ${r.XS.padEnd(5)}  ${r.calls}`);
  }
}

async function main(): Promise<void> {
  const t0 = Date.now();
  console.log(`train ${tr.length} (calibration slice ${cal.length}), dev ${dev.length}; settings: window chars / overlap q = quarter, h = half`);
  const held = jailbreakHeldOut(THRESHOLD).classifier;
  await table('held-out model, calibration slice (out-of-sample: choose here)', held, cal);
  await padTable('held-out model, calibration slice', held, cal, padPool(cal));
  await padTable('held-out model, calibration slice, longer rows (the QA probe: a DAN prompt after benign text)', held, cal, padPool(cal), 600, 4000);
  const { source, dir } = resolvePackPath('jailbreak');
  const pack = await loadPack(source, dir, createNodeEngine('cpu'));
  const clf = createSequenceClassifier(pack);
  await table('pack, calibration slice (in-sample: the pack was trained on it)', clf, cal);
  await table('pack, dev split', clf, dev);
  await padTable('pack, train side (in-sample)', clf, tr, padPool(tr));
  await padTable('pack, train side (in-sample), longer rows', clf, tr, padPool(tr), 600, 4000);
  await pack.session.release?.();
  console.log(`\n${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
