// `npm run eval -- <pack> <file.jsonl | dev> [--json] [--threshold T] [--guard]`
// `npm run eval -- jailbreak <dev|train> --guard --turns`: the guard on multi-turn chats (eval-turns.ts).
// Scores a pack (a name under models/ or a path) through the serving code path (pack loader,
// featurizer, onnxruntime-node on CPU). Sequence classification: accuracy, macro-F1, per-class
// precision/recall/F1 and per-source accuracy; binary packs (a `positive_label`, e.g. jailbreak):
// precision, recall, F1, false-positive rate and recall per attack_type. Token classification is
// delegated to evaluatePiiPack in ./pii/eval.ts. `dev` = this repo's dev split of the pack's task.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { resolvePackPath } from '../../runtimes/node/file-source.ts';
import { createNodeEngine } from '../../runtimes/node/ort-engine.ts';
import { loadPack } from '../../src/classify/pack-loader.ts';
import { createSequenceClassifier } from '../../src/classify/sequence-classifier.ts';
import { scanJailbreak } from '../../src/guard/jailbreak.ts';
import { loadTask, readJsonl, split, type Row, type Task } from './data.ts';
import { binaryReport, classificationReport, fmt, type BinaryReport, type ClassificationReport } from './metrics.ts';

const USAGE = 'usage: npm run eval -- <pack name or path> <file.jsonl | dev> [--json] [--threshold T] [--guard [--turns]]';

export interface EvalResult {
  pack: string;
  file: string;
  n: number;
  skipped: number;
  classification: ClassificationReport;
  by_source: Record<string, { n: number; accuracy: number }>;
  binary?: BinaryReport & { positive: string; recall_by_attack_type: Record<string, { n: number; recall: number }> };
  truncated: number;
}

/** `guard`: score a binary pack as the gateway's jailbreak guard does (scanJailbreak: worst window of
 *  DEFAULT_JAILBREAK_WINDOW characters), not the whole text in one pass. */
export async function evaluateClassifierPack(packArg: string, fileArg: string, threshold?: number, guard = false): Promise<EvalResult> {
  const { source, dir, path } = resolvePackPath(packArg);
  const pack = await loadPack(source, dir, createNodeEngine('cpu'));
  if (pack.manifest.task !== 'sequence-classification') throw new Error(`pack ${path} has task ${pack.manifest.task}; this evaluates sequence-classification packs`);
  const rows: Row[] = fileArg === 'dev' ? devRows(pack.manifest.name) : readJsonl(resolve(fileArg));
  const labels = pack.labels;
  const clf = createSequenceClassifier(pack, threshold);
  const positive = (pack.manifest.positive_label as string | undefined) ?? (labels.length === 2 && labels.includes('jailbreak') ? 'jailbreak' : undefined);
  const pos = positive ? labels.indexOf(positive) : -1;
  const gold: number[] = [], pred: number[] = [], score: number[] = [], kept: Row[] = [];
  let skipped = 0, truncated = 0;
  for (const r of rows) {
    const g = labels.indexOf(String(r.label));
    if (g < 0) {
      skipped++;
      continue;
    }
    gold.push(g);
    kept.push(r);
    if (guard && pos >= 0) {
      const v = await scanJailbreak(clf, [r.text], clf.threshold, { positiveLabels: [positive!] });
      score.push(v.confidence);
      pred.push(v.blocked ? pos : 1 - pos);
      continue;
    }
    const res = await clf.classify(r.text);
    if (res.truncated) truncated++;
    if (pos >= 0) {
      score.push(res.probabilities[pos]);
      pred.push(res.probabilities[pos] >= clf.threshold ? pos : 1 - pos);
    } else pred.push(res.index);
  }
  const by_source: EvalResult['by_source'] = {};
  kept.forEach((r, i) => {
    const s = (by_source[r.source ?? '(none)'] ??= { n: 0, accuracy: 0 });
    s.n++;
    s.accuracy += gold[i] === pred[i] ? 1 : 0;
  });
  for (const s of Object.values(by_source)) s.accuracy /= s.n;
  const out: EvalResult = { pack: path, file: fileArg, n: gold.length, skipped, classification: classificationReport(labels, gold, pred), by_source, truncated };
  if (pos >= 0) {
    const b = binaryReport(gold.map((g) => g === pos), score, clf.threshold);
    const byType: Record<string, { n: number; recall: number }> = {};
    kept.forEach((r, i) => {
      if (gold[i] !== pos) return;
      const t = (byType[r.attack_type ?? '(unspecified)'] ??= { n: 0, recall: 0 });
      t.n++;
      t.recall += pred[i] === pos ? 1 : 0;
    });
    for (const t of Object.values(byType)) t.recall /= t.n;
    out.binary = { ...b, positive: positive!, recall_by_attack_type: byType };
  }
  await pack.session.release?.();
  return out;
}

function devRows(name: string): Row[] {
  if (!['domain', 'intent', 'jailbreak'].includes(name)) throw new Error(`no dev split for pack "${name}" (known: domain, intent, jailbreak)`);
  return split(name as Task, loadTask(name as Task)).dev;
}

function printText(r: EvalResult): void {
  const c = r.classification;
  console.log(`pack ${r.pack}\nfile ${r.file}: ${r.n} rows scored${r.skipped ? `, ${r.skipped} skipped (label not in pack)` : ''}, ${r.truncated} truncated`);
  console.log(`accuracy ${fmt(c.accuracy)}  macro-F1 ${fmt(c.macro_f1)}`);
  console.log('class'.padEnd(20) + 'support  precision  recall     F1');
  for (const m of c.per_class) console.log(`${m.label.padEnd(20)}${String(m.support).padStart(7)}  ${fmt(m.precision)}     ${fmt(m.recall)}     ${fmt(m.f1)}`);
  if (r.binary) {
    const b = r.binary;
    console.log(`\npositive=${b.positive} threshold=${b.threshold}: precision ${fmt(b.precision)} recall ${fmt(b.recall)} F1 ${fmt(b.f1)} FPR ${fmt(b.fpr)} (tp ${b.tp} fp ${b.fp} tn ${b.tn} fn ${b.fn})`);
    for (const [t, v] of Object.entries(b.recall_by_attack_type)) console.log(`  recall ${t}: ${fmt(v.recall)} (n=${v.n})`);
  }
  console.log('\naccuracy by source:');
  for (const [s, v] of Object.entries(r.by_source).sort()) console.log(`  ${s.padEnd(36)} ${fmt(v.accuracy)} (n=${v.n})`);
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--turns')) return (await import('./eval-turns.ts')).turnsMain(argv);
  const json = argv.includes('--json');
  const guard = argv.includes('--guard');
  const ti = argv.indexOf('--threshold');
  const threshold = ti >= 0 ? Number(argv[ti + 1]) : undefined;
  const pos = argv.filter((a, i) => !a.startsWith('--') && !(ti >= 0 && i === ti + 1));
  const unknown = argv.filter((a) => a.startsWith('--') && !['--json', '--threshold', '--guard'].includes(a));
  if (unknown.length) {
    console.error(`unknown option ${unknown[0]}\n${USAGE}`);
    return 2;
  }
  if (pos.length !== 2 || (threshold !== undefined && !Number.isFinite(threshold))) {
    console.error(USAGE);
    return 2;
  }
  const [packArg, fileArg] = pos as [string, string];
  if (fileArg !== 'dev' && !existsSync(fileArg)) {
    console.error(`file not found: ${fileArg}\n${USAGE}`);
    return 2;
  }
  const { path } = resolvePackPath(packArg);
  if (!existsSync(resolve(path, 'manifest.json'))) {
    console.error(`no model pack at ${path} (a name under models/ or a folder with manifest.json)\n${USAGE}`);
    return 2;
  }
  const manifest = JSON.parse(await import('node:fs').then((fs) => fs.readFileSync(resolve(path, 'manifest.json'), 'utf8'))) as { task: string };
  if (manifest.task === 'token-classification') {
    const mod = (await import(pathToFileURL(resolve(import.meta.dirname ?? '.', 'pii/eval.ts')).href)) as {
      evaluatePiiPack: (pack: string, file: string, opts: { json: boolean }) => Promise<unknown>;
    };
    const res = await mod.evaluatePiiPack(packArg, fileArg, { json });
    if (json && res !== undefined) console.log(JSON.stringify(res, null, 2));
    return 0;
  }
  const res = await evaluateClassifierPack(packArg, fileArg, threshold, guard);
  if (json) console.log(JSON.stringify(res, null, 2));
  else printText(res);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      console.error(err instanceof Error ? err.message : String(err));
      process.exit(1);
    },
  );
}
