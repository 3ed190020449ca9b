// Embedding pack for the semantic cache: two halves, concatenated (embedding-graph.ts).
//  - lexical: IDF-weighted hashed word + char n-grams, L2-normalised, through a projection table.
//    Learned: the IDF, so content words dominate the template words of a question ("can you
//    explain", "what is"), and the table, distilled from a pretrained sentence encoder at training
//    time (embedding-distill.ts); a fixed Gaussian random projection (Johnson-Lindenstrauss) is the
//    fallback the distilled table must beat on the same own-data AUC.
//  - word vectors: SIF-weighted sums of pretrained GloVe vectors with the common components removed
//    (embedding-wordvec.ts). Gives synonym knowledge the lexical half lacks (exercise / working out,
//    brew / make); the lexical half keeps "make coffee" and "make tea" apart.
// Every setting is chosen on own data: AUC of same-intent vs different-intent pairs of the CLINC-150
// rows in the intent dev split. cache_cases.json (a test set) is only reported.
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadTask, split, REPO_ROOT, dataDir, type Row } from './data.ts';
import { rng } from './rng.ts';
import { encodeCorpus, computeIdf, applyTfidf, type Csr } from './features.ts';
import { quantizeTable, dequantize } from './graphs.ts';
import { openPack, latency } from './ort-check.ts';
import { DEFAULT_HASHED_NGRAMS, type HashedNgramsParams } from '../../src/classify/featurizers/hashed-ngrams.ts';
import type { PackManifest } from '../../src/classify/types.ts';
import { writeEmbeddingCard, type EmbeddingResult } from './embedding-card.ts';
import { buildEmbeddingGraph, EMBEDDING_QUANT } from './embedding-graph.ts';
import { loadGlove, GLOVE_PACKAGE } from './glove.ts';
import * as W from './embedding-wordvec.ts';
import { distilCorpus, teacherVectors, teacherTargets, ridgeTable, TEACHER } from './embedding-distill.ts';
import { trainStudent, studentEmbed, type StudentOptions } from './embedding-student.ts';

export const EMBEDDING = {
  featurizer: { ...DEFAULT_HASHED_NGRAMS, seed: 11, buckets: 1 << 18, fold_digits: false, word_weights: [1], char_ngrams: [3, 5], char_weight: 0.35, word_vectors: { buckets: 1 << 15, seed: 7 } } as HashedNgramsParams,
  maxLength: 2048,
  idfPowers: [1, 1.5, 2],
  charWeights: [0.35, 0.7, 1.2],
  /** Lexical half: projection rows (ids mod rows) and width. */
  lexDim: 256,
  tableRows: 1 << 13,
  /** Word-vector half: GloVe's top words (plus every own-data token) placed into the buckets. */
  topWords: 20000,
  wvDim: 48,
  sifA: [1e-4, 3e-4],
  pSources: ['own', 'mix'] as W.PSource[],
  removed: [2, 4, 8],
  wvShares: [0.2, 0.3, 0.4, 0.5, 0.6],
  seed: 13,
  threshold: 0.8,
  /** Distilled lexical table (embedding-distill.ts): ridge and CG iterations. */
  distilLam: 1e-2,
  distilIters: 25,
  /** Nonlinear student started at the ridge table (embedding-student.ts; models/train/_emb-mlp-exp.ts). */
  student: { hidden: 256, scale: 10, epochs: 4, lr: 1e-3, batch: 256, seed: 17 } as StudentOptions,
};

function gaussianTable(rows: number, dim: number, seed: number): Float32Array {
  const rand = rng(seed);
  const t = new Float32Array(rows * dim);
  for (let i = 0; i < t.length; i += 2) {
    const u = Math.max(rand(), 1e-12), v = rand();
    const r = Math.sqrt(-2 * Math.log(u));
    t[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < t.length) t[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return t;
}

export function embedAll(X: Csr, table: Float32Array, rows: number, dim: number): Float32Array[] {
  const out: Float32Array[] = [];
  for (let r = 0; r < X.rows; r++) {
    const v = new Float32Array(dim);
    for (let k = X.ptr[r]; k < X.ptr[r + 1]; k++) {
      const x = X.val[k];
      const o = (X.idx[k] % rows) * dim;
      for (let d = 0; d < dim; d++) v[d] += x * table[o + d];
    }
    let n = 0;
    for (const a of v) n += a * a;
    n = Math.max(Math.sqrt(n), 1e-12);
    for (let d = 0; d < dim; d++) v[d] /= n;
    out.push(v);
  }
  return out;
}

export const cos = (a: Float32Array, b: Float32Array) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

/** Same-intent vs different-intent CLINC small-talk pairs (a paraphrase proxy from our dev split). */
export function pairStats(vecs: Float32Array[], groups: string[]) {
  const same: number[] = [], diff: number[] = [];
  for (let i = 0; i < vecs.length; i++) for (let j = i + 1; j < vecs.length; j++) (groups[i] === groups[j] ? same : diff).push(cos(vecs[i], vecs[j]));
  // AUC by rank: P(random same pair > random different pair)
  const all = [...same.map((s) => [s, 1] as const), ...diff.map((s) => [s, 0] as const)].sort((a, b) => a[0] - b[0]);
  let rankSum = 0;
  all.forEach(([, l], i) => { if (l) rankSum += i + 1; });
  const auc = (rankSum - (same.length * (same.length + 1)) / 2) / (same.length * diff.length);
  const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
  // The cache's side: the score 99.9% of different-intent pairs stay below, and how many same-intent
  // pairs clear it; and both pair kinds at the cache threshold.
  const diffQ999 = quantile(diff, 0.999);
  const T = EMBEDDING.threshold;
  return {
    auc, sameMean: mean(same), diffMean: mean(diff), nSame: same.length, nDiff: diff.length, diffQ999,
    sameAboveQ999: same.filter((x) => x > diffQ999).length / same.length,
    sameAtT: same.filter((x) => x >= T).length / same.length,
    diffAtT: diff.filter((x) => x >= T).length / diff.length,
  };
}

function quantile(a: number[], q: number): number {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}


const l2rows = (vs: Float32Array[]) => vs.map((v) => {
  let s = 0;
  for (const x of v) s += x * x;
  s = Math.sqrt(Math.max(s, 1e-24));
  return v.map((x) => x / s);
});
/** The graph's combination of the two (already L2-normalised) halves. */
export function combine(lex: Float32Array[], wv: Float32Array[], wg: number): Float32Array[] {
  return l2rows(lex.map((x, i) => {
    const v = new Float32Array(x.length + wv[i].length);
    const a = Math.sqrt(1 - wg), b = Math.sqrt(wg);
    for (let d = 0; d < x.length; d++) v[d] = a * x[d];
    for (let d = 0; d < wv[i].length; d++) v[x.length + d] = b * wv[i][d];
    return v;
  }));
}

/** The train side of every task (IDF, word frequencies, the teacher corpus) and the dev rows, with the
 *  CLINC small-talk dev rows and their intents (the same/different-intent pairs every choice is scored on). */
export function embeddingSplits(): { trainTexts: string[]; devRows: Row[]; clinc: Row[]; groups: string[] } {
  const trainTexts: string[] = [];
  const devRows: Row[] = [];
  for (const task of ['domain', 'intent', 'jailbreak'] as const) {
    const s = split(task, loadTask(task));
    trainTexts.push(...s.train.map((r) => r.text));
    devRows.push(...s.dev);
  }
  const clinc = devRows.filter((r) => r.source === 'clinc150_small_talk');
  return { trainTexts, devRows, clinc, groups: clinc.map((r) => r.orig_label ?? '') };
}

export async function trainEmbeddingPack(outRoot = join(REPO_ROOT, 'models')): Promise<EmbeddingResult & { summary: string }> {
  const t0 = Date.now();
  const E = EMBEDDING;
  const fp = { ...E.featurizer };
  const wvp = fp.word_vectors!;
  // Corpus for IDF, word frequencies and the common components: the train side of every task (the
  // dev sides stay for the checks below).
  const { trainTexts, devRows, clinc, groups } = embeddingSplits();
  // Unrelated questions: short dev questions from several sources, a deterministic sample.
  const rand = rng(E.seed);
  const qs = devRows.filter((r) => r.text.length < 300 && r.source !== 'clinc150_small_talk');
  const sample = Array.from({ length: 600 }, () => qs[Math.floor(rand() * qs.length)]);
  const table = gaussianTable(E.tableRows, E.lexDim, E.seed);
  const shipped = dequantize(quantizeTable(table, E.tableRows, E.lexDim, EMBEDDING_QUANT), E.tableRows, E.lexDim);
  // 1. Lexical half alone: IDF power and char-n-gram weight.
  const selection: EmbeddingResult['selection'] = [];
  let best = { power: 1, charWeight: fp.char_weight, auc: -1 };
  for (const charWeight of E.charWeights) {
    const f = { ...fp, char_weight: charWeight };
    const X0 = encodeCorpus(trainTexts, f, E.maxLength);
    const Xc0 = encodeCorpus(clinc.map((r) => r.text), f, E.maxLength);
    for (const power of E.idfPowers) {
      const idf = computeIdf(X0, f.buckets, power);
      const st = pairStats(embedAll(applyTfidf(Xc0, idf), shipped, E.tableRows, E.lexDim), groups);
      selection.push({ power, charWeight, ...st });
      if (st.auc > best.auc) best = { power, charWeight, auc: st.auc };
    }
  }
  fp.char_weight = best.charWeight;
  const idf = computeIdf(encodeCorpus(trainTexts, fp, E.maxLength), fp.buckets, best.power);
  const lexOnlyGauss = selection.find((s) => s.power === best.power && s.charWeight === best.charWeight)!;
  // 1b. The projection distilled from a sentence encoder (embedding-distill.ts) against the Gaussian one.
  const corpus = distilCorpus(trainTexts, devRows.map((r) => r.text));
  const teacher = await teacherVectors(corpus, (s) => console.log(s));
  const Xd = applyTfidf(encodeCorpus(corpus, fp, E.maxLength), idf);
  const Yd = teacherTargets(teacher.Y, corpus.length, E.lexDim);
  const distilled = ridgeTable(Xd, E.tableRows, Yd, E.lexDim, E.distilLam, E.distilIters);
  const distilShipped = dequantize(quantizeTable(distilled, E.tableRows, E.lexDim, EMBEDDING_QUANT), E.tableRows, E.lexDim);
  const lexXc = applyTfidf(encodeCorpus(clinc.map((r) => r.text), fp, E.maxLength), idf);
  const lexOnlyDistil = pairStats(embedAll(lexXc, distilShipped, E.tableRows, E.lexDim), groups);
  const useDistil = lexOnlyDistil.auc > lexOnlyGauss.auc;
  // 1c. The nonlinear student started at the ridge table, kept if its lexical AUC is higher.
  const student = trainStudent(Xd, Yd, distilled, E.tableRows, E.lexDim, E.student, (s) => console.log(s));
  const studentW1 = dequantize(quantizeTable(student.w1, E.tableRows, E.lexDim, EMBEDDING_QUANT), E.tableRows, E.lexDim);
  const lexOnlyStudent = pairStats(studentEmbed(student, studentW1, lexXc), groups);
  const useStudent = useDistil && lexOnlyStudent.auc > lexOnlyDistil.auc;
  const lexTable = useStudent ? student.w1 : useDistil ? distilled : table;
  const lexShipped = useDistil ? distilShipped : shipped;
  const lexVecs = (X: Csr) => (useStudent ? studentEmbed(student, studentW1, X) : embedAll(X, lexShipped, E.tableRows, E.lexDim));
  const lexOf = (texts: string[]) => lexVecs(applyTfidf(encodeCorpus(texts, fp, E.maxLength), idf));
  const lexC = lexVecs(lexXc); // the CLINC bags encoded for the comparison above
  // 2. Word-vector half: p(w) source, SIF a, common components removed, share of the cosine.
  const glove = loadGlove();
  const D = glove.dim;
  const stats = W.wordStats(trainTexts, fp.max_chars);
  const place = W.placeWords(glove, stats, wvp, E.topWords);
  const wvOf = (texts: string[]) => W.encodeWv(texts, wvp, E.maxLength, fp.max_chars);
  const wvTrain = wvOf(trainTexts.filter((_, i) => i % 3 === 0));
  const wvC = wvOf(clinc.map((r) => r.text));
  // The float table [buckets, d] (as the graph gets it) and the int8 round trip the pack serves.
  const wvTableOf = (ps: W.PSource, a: number, k: number, d: number) => {
    const raw = W.sifRows(glove, place, W.wordProb(glove, stats, ps), a);
    const { M } = W.commonRemovalProjection(W.sumRows(wvTrain, raw, D), D, k, d);
    return W.projectRows(raw, wvp.buckets, D, M, d);
  };
  const served = (rows: Float32Array, d: number) => dequantize(quantizeTable(rows, wvp.buckets, d, EMBEDDING_QUANT), wvp.buckets, d);
  const wvRows = (ps: W.PSource, a: number, k: number, d: number) => served(wvTableOf(ps, a, k, d), d);
  const wvSelection: EmbeddingResult['wvSelection'] = [];
  let bestWv = { pSource: E.pSources[0], a: E.sifA[0], removed: E.removed[0], share: E.wvShares[0], auc: -1 };
  for (const pSource of E.pSources) for (const a of E.sifA) for (const removed of E.removed) {
    const gC = l2rows(W.sumRows(wvC, wvRows(pSource, a, removed, E.wvDim), E.wvDim));
    for (const share of E.wvShares) {
      const st = pairStats(combine(lexC, gC, share), groups);
      wvSelection.push({ pSource, a, removed, share, ...st });
      if (st.auc > bestWv.auc) bestWv = { pSource, a, removed, share, auc: st.auc };
    }
  }
  const wvTable = wvTableOf(bestWv.pSource, bestWv.a, bestWv.removed, E.wvDim);
  const wvShipped = served(wvTable, E.wvDim);
  const embedJs = (texts: string[]) => combine(lexOf(texts), l2rows(W.sumRows(wvOf(texts), wvShipped, E.wvDim)), bestWv.share);
  const qv = embedJs(sample.map((r) => r.text));
  const unrelated: number[] = [];
  for (let i = 0; i + 1 < qv.length; i += 2) if (sample[i].text !== sample[i + 1].text) unrelated.push(cos(qv[i], qv[i + 1]));
  const chosen = pairStats(embedJs(clinc.map((r) => r.text)), groups);
  const lexOnly = useStudent ? lexOnlyStudent : useDistil ? lexOnlyDistil : lexOnlyGauss;
  const dim = E.lexDim + E.wvDim;
  const bytes = buildEmbeddingGraph(
    { buckets: fp.buckets, idf, lex: lexTable, lexRows: E.tableRows, lexDim: E.lexDim, wv: wvTable, wvBuckets: wvp.buckets, wvDim: E.wvDim, wg: bestWv.share, student: useStudent ? student : undefined },
    { pack: 'embedding' },
  );
  const manifest: PackManifest = {
    name: 'embedding',
    version: useStudent ? '2.2.0' : useDistil ? '2.1.0' : '2.0.0',
    task: 'embedding',
    description: `sentence vectors for the semantic cache (cosine = dot product; vectors are L2-normalised): hashed n-grams${useStudent ? ' (tanh student distilled from Universal Sentence Encoder lite)' : useDistil ? ' (projection distilled from Universal Sentence Encoder lite)' : ''} + SIF-weighted GloVe words`,
    featurizer: { type: 'hashed-ngrams', ...fp },
    inputs: ['ids', 'weights', 'wv_ids', 'wv_weights'],
    output: 'embedding',
    output_kind: 'embedding',
    max_length: E.maxLength,
    threshold: E.threshold,
    dimensions: dim,
    files: { model: 'model.onnx' },
    training: {
      command: 'npm run train -- embedding',
      data: '../shared/data',
      idf_power: best.power,
      projection: useDistil
        ? `distilled from ${TEACHER.model} (${TEACHER.packages}, ${TEACHER.licence}) on ${corpus.length} train-side texts: ridge ${E.distilLam}, ${E.distilIters} CG iterations, ${E.tableRows} rows (ids mod ${E.tableRows}), int8 per-column scale (float32)${useStudent ? `; then tanh(bag + b1) W2 (${E.lexDim}x${E.lexDim} float32), ${E.student.epochs} Adam epochs on the cosine from the ridge table x ${E.student.scale} (seed ${E.student.seed})` : ''}`
        : `gaussian, seed ${E.seed}, ${E.tableRows} rows (ids mod ${E.tableRows}), int8 per-column scale (float32)`,
      word_vectors: `${GLOVE_PACKAGE} (GloVe 6B 100d, PDDL; package MIT): SIF a=${bestWv.a}, p(w) ${bestWv.pSource}, ${bestWv.removed} common components removed, PCA to ${E.wvDim}, ${place.words} words in ${wvp.buckets} buckets, int8 per-row scale; share ${bestWv.share}`,
    },
  };
  const dir = join(outRoot, 'embedding');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'model.onnx'), bytes);
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  const pack = await openPack(bytes, manifest);
  // Parity: ONNX vs the JS path on the unrelated sample.
  let maxDiff = 0;
  for (let i = 0; i < 50; i++) {
    const { out } = await pack.run(sample[i].text);
    for (let d = 0; d < dim; d++) maxDiff = Math.max(maxDiff, Math.abs(out[d] - qv[i][d]));
  }
  const cache = await cacheMatrix(pack.run);
  const res: EmbeddingResult = {
    dim,
    lexDim: E.lexDim,
    wvDim: E.wvDim,
    idfPower: best.power,
    selection,
    wvSelection,
    wv: { ...bestWv, words: place.words, lost: place.lost, buckets: wvp.buckets, topWords: E.topWords, package: GLOVE_PACKAGE },
    own: { lexOnly, chosen },
    distil: { used: useDistil, texts: corpus.length, teacherSeconds: teacher.seconds, cached: teacher.cached, gauss: lexOnlyGauss, distilled: lexOnlyDistil, lam: E.distilLam, iters: E.distilIters, student: useStudent ? { ...E.student, stats: lexOnlyStudent } : null, studentAuc: lexOnlyStudent.auc },
    unrelated: { n: unrelated.length, mean: unrelated.reduce((a, b) => a + b, 0) / unrelated.length, p99: quantile(unrelated, 0.99), p999: quantile(unrelated, 0.999), max: Math.max(...unrelated) },
    cache,
    threshold: E.threshold,
    sizeBytes: bytes.length,
    parityMaxDiff: maxDiff,
    latency: await latency(pack.run),
    seconds: (Date.now() - t0) / 1000,
    featurizer: fp,
    tableRows: E.tableRows,
  };
  writeEmbeddingCard(dir, res);
  const c = cache;
  const summary = c
    ? `paraphrase min ${c.paraMin.toFixed(3)} (${c.paraAbove}/${c.paraTotal} >= ${E.threshold}), cross-set max ${c.crossMax.toFixed(3)} (${c.crossBelow}/${c.crossTotal} < ${E.threshold}); own AUC ${chosen.auc.toFixed(4)} (lexical alone ${lexOnly.auc.toFixed(4)}, ${useStudent ? 'student' : useDistil ? 'distilled' : 'Gaussian'}; Gaussian ${lexOnlyGauss.auc.toFixed(4)}, distilled ${lexOnlyDistil.auc.toFixed(4)}, student ${lexOnlyStudent.auc.toFixed(4)}); p50 ${res.latency.p50_ms.toFixed(3)}ms; ${(bytes.length / 2 ** 20).toFixed(2)}MiB`
    : 'cache_cases.json not found';
  return { ...res, summary };
}

/** Report-only: the vSR cache paraphrase sets (a test set; nothing above is chosen with it). */
export async function cacheMatrix(run: (t: string) => Promise<{ out: Float32Array }>): Promise<EmbeddingResult['cache']> {
  const path = resolve(dataDir(), '../vsr-testdata/cache_cases.json');
  if (!existsSync(path)) return null;
  const sets = JSON.parse(readFileSync(path, 'utf8')) as Array<{ original_question: string; similar_questions: string[] }>;
  const texts = sets.flatMap((s) => [s.original_question, ...s.similar_questions]);
  const setOf = sets.flatMap((s, i) => [i, ...s.similar_questions.map(() => i)]);
  const vecs = await Promise.all(texts.map(async (t) => Float32Array.from((await run(t)).out)));
  const matrix = vecs.map((a) => vecs.map((b) => cos(a, b)));
  let paraMin = 1, paraAbove = 0, paraTotal = 0, crossMax = -1, crossBelow = 0, crossTotal = 0;
  const T = EMBEDDING.threshold;
  texts.forEach((_, i) => texts.forEach((__, j) => {
    if (j <= i) return;
    if (setOf[i] === setOf[j]) {
      // the requirement: every paraphrase against its original question
      if (texts[i] !== sets[setOf[i]].original_question) return;
      paraTotal++;
      paraMin = Math.min(paraMin, matrix[i][j]);
      if (matrix[i][j] >= T) paraAbove++;
    } else {
      crossTotal++;
      crossMax = Math.max(crossMax, matrix[i][j]);
      if (matrix[i][j] < T) crossBelow++;
    }
  }));
  return { texts, setOf, matrix, paraMin, paraAbove, paraTotal, crossMax, crossBelow, crossTotal };
}
