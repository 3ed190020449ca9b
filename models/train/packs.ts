// What each default pack is trained from and with which exact parameters. Values were picked on
// the dev split only (models/train/_sweep.ts runs the comparisons).
import { DEFAULT_HASHED_NGRAMS, type HashedNgramsParams } from '../../src/classify/featurizers/hashed-ngrams.ts';
import type { Task } from './data.ts';

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
  epochs: number;
  lr: number;
  l2: number;
  balance: number;
  seed: number;
  quant: 'fp16' | 'int8';
  /** Binary packs: the label whose probability is compared with the threshold. */
  positive?: string;
  /** Highest false-positive rate allowed when the threshold is calibrated (on a train-side split). */
  maxFpr?: number;
  /** Example-weight multipliers by source prefix or attack_type (train rows only). */
  sampleWeights?: Record<string, number>;
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
    quant: 'int8',
    reportSources: { 'MMLU-Pro rows': ['mmlu_pro_test'], 'MMLU rows': ['mmlu_test', 'mmlu_val', 'mmlu_dev'] },
  },
  intent: {
    name: 'intent',
    description: 'coarse intent: math, code, creative_writing, general_chat',
    labels: ['math', 'code', 'creative_writing', 'general_chat'],
    labelsKey: 'category',
    featurizer: { ...base, char_weight: 0.5 },
    maxLength: 4096,
    idfPower: 1,
    epochs: 8,
    lr: 0.5,
    l2: 1e-6,
    balance: 1,
    sampleWeights: { arena_hard: 3, mt_bench: 3, vicuna_bench: 3 },
    seed: 7,
    quant: 'int8',
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
    epochs: 8,
    lr: 0.2,
    l2: 1e-6,
    balance: 0.5,
    seed: 7,
    quant: 'int8',
    positive: 'jailbreak',
    maxFpr: 0.01,
    sampleWeights: { prompt_injection: 8, awesome_chatgpt_prompts: 6, xstest: 2 },
    reportSources: { 'role-play (awesome-chatgpt-prompts)': ['awesome_chatgpt_prompts'], 'XSTest safe': ['xstest'] },
  },
};
