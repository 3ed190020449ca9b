// The reference's entropy-based reasoning switch (vsr.md 1.1 step 5, "Reasoning"): how sure the
// category classifier is decides whether the category's use_reasoning is trusted, blended with the
// runner-up categories', or overridden (a near-uniform distribution turns reasoning on). Pure
// arithmetic over the classifier's distribution, so the HTTP gateway, ext_proc and the Worker agree.

export type UncertaintyLevel = 'very_high' | 'high' | 'medium' | 'low' | 'very_low';

export interface EntropyDecision {
  useReasoning: boolean;
  /** Confidence in the reasoning decision (not the classifier's). */
  confidence: number;
  /** The reference's decision_reason label values. */
  reason: string;
  level: UncertaintyLevel;
  /** Shannon entropy in bits, and divided by log2(number of classes). */
  entropy: number;
  normalizedEntropy: number;
  /** Up to three categories, most probable first (ties keep label order). */
  top: Array<{ category: string; probability: number }>;
}

export function uncertaintyLevel(normalized: number): UncertaintyLevel {
  if (normalized >= 0.8) return 'very_high';
  if (normalized >= 0.6) return 'high';
  if (normalized >= 0.4) return 'medium';
  if (normalized >= 0.2) return 'low';
  return 'very_low';
}

export function entropyBits(p: ArrayLike<number>): number {
  let h = 0;
  for (let i = 0; i < p.length; i++) if (p[i]! > 0) h -= p[i]! * Math.log2(p[i]!);
  return h;
}

/**
 * The k most probable classes, most probable first, ties in label order: the first k of a sort of all
 * indexes by (probability desc, index asc), without sorting them all (2-3 us per request on Node 20).
 */
function topIndexes(p: ArrayLike<number>, k: number): number[] {
  const before = (a: number, b: number) => (p[b]! - p[a]! || a - b) < 0;
  const top: number[] = [];
  for (let i = 0; i < p.length; i++) {
    let j = top.length;
    while (j > 0 && before(i, top[j - 1]!)) j--;
    if (j < k) {
      top.splice(j, 0, i);
      if (top.length > k) top.pop();
    }
  }
  return top;
}

/** Probability-weighted vote of the categories' use_reasoning; categories not configured abstain. */
function vote(top: EntropyDecision['top'], reasoningOf: ReadonlyMap<string, boolean>): { on: boolean; confidence: number } {
  let yes = 0, total = 0;
  for (const t of top) {
    const r = reasoningOf.get(t.category);
    if (r === undefined) continue;
    total += t.probability;
    if (r) yes += t.probability;
  }
  if (total <= 0) return { on: false, confidence: 0.5 };
  const ratio = yes / total;
  return { on: ratio > 0.5, confidence: Math.abs(ratio - 0.5) + 0.5 };
}

/**
 * @param probabilities the classifier's full distribution
 * @param categories per class, the configured category name it maps to, lowercased (or the label)
 * @param reasoningOf lowercased category name -> its first model_scores entry's use_reasoning
 * @param threshold classifier.category_model.threshold ("medium" trusts the top class above it)
 */
export function entropyReasoning(
  probabilities: ArrayLike<number>, categories: readonly string[], reasoningOf: ReadonlyMap<string, boolean>, threshold: number,
): EntropyDecision {
  const n = probabilities.length;
  const entropy = entropyBits(probabilities);
  const normalizedEntropy = n > 1 ? entropy / Math.log2(n) : 0;
  const level = uncertaintyLevel(normalizedEntropy);
  const top = topIndexes(probabilities, 3).map((i) => ({ category: categories[i] ?? `unknown_${i}`, probability: probabilities[i]! }));
  // A literal per outcome, not `{ ...base, useReasoning, ... }`: on Node 20 a spread followed by
  // properties costs 1-2 us (bench/object-spread.ts). Same keys, same order.
  const decided = (useReasoning: boolean, confidence: number, reason: string): EntropyDecision => ({ level, entropy, normalizedEntropy, top, useReasoning, confidence, reason });
  if (n === 0) return decided(false, 0, 'no_classification_data');
  const first = top[0]!;
  const firstReasoning = reasoningOf.get(first.category);
  switch (level) {
    case 'very_high':
      // Too unsure to trust any category: reasoning on, as the reference's conservative default.
      return decided(true, 0.3, 'very_high_uncertainty_conservative_default');
    case 'high': {
      const v = vote(top.slice(0, 2), reasoningOf);
      return decided(v.on, v.confidence, 'high_uncertainty_weighted_decision');
    }
    case 'medium': {
      if (first.probability >= threshold && firstReasoning !== undefined) {
        return decided(firstReasoning, first.probability * 0.8, 'medium_uncertainty_top_category_above_threshold');
      }
      const v = vote(top, reasoningOf);
      return decided(v.on, v.confidence, 'medium_uncertainty_weighted');
    }
    default:
      if (firstReasoning === undefined) return decided(false, first.probability * 0.8, 'category_not_in_reasoning_map');
      return decided(firstReasoning, first.probability * (level === 'very_low' ? 0.95 : 0.9), `${level}_uncertainty_trust_classification`);
  }
}
