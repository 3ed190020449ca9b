// Per-model PII policy (model_config.<model>.pii_policy, vsr.md section 1.1 step 5): which detected
// types a model may see, and what happens when it may not: an allowed alternative in the same
// category, else default_model, else redact (when the model's policy says so) or block.

export interface PiiPolicy {
  /** true (the default): the model may see every type and no scan is needed for it. */
  allow_by_default?: boolean;
  /** Types the model may see when allow_by_default is false. */
  pii_types_allowed?: string[];
  /** semroute: what to do with denied types for this model: 'block' (reference) or 'redact'. */
  action?: 'block' | 'redact';
  /** semroute, with action 'redact': put the original values back into the answer. */
  restore?: boolean;
}

/** A model's policy from the root config; undefined when it has none (which allows everything). */
export function policyOf(config: unknown, model: string): PiiPolicy | undefined {
  const mc = (config as { model_config?: Record<string, { pii_policy?: unknown } | undefined> }).model_config;
  const p = mc && Object.prototype.hasOwnProperty.call(mc, model) ? mc[model]?.pii_policy : undefined;
  return p && typeof p === 'object' ? (p as PiiPolicy) : undefined;
}

/** Whether the model restricts anything, i.e. whether a scan can change the outcome for it. */
export function restricts(policy: PiiPolicy | undefined): boolean {
  return !!policy && policy.allow_by_default === false;
}

/**
 * Types a detected type also counts as for pii_types_allowed. The PII pack splits an honorific off a
 * name ("Dr." TITLE + "Smith" PERSON, as Presidio does), but the reference's type list (vsr.md 3) has
 * no TITLE: its model labels "Dr. Smith" PERSON, so a policy allowing PERSON allows the title too.
 */
const COVERED_BY: Readonly<Record<string, string>> = { TITLE: 'PERSON' };

/** Detected types the model may not see (sorted, unique, upper-case). */
export function deniedTypes(policy: PiiPolicy | undefined, detected: Iterable<string>): string[] {
  if (!restricts(policy)) return [];
  const allowed = new Set((policy!.pii_types_allowed ?? []).map((t) => t.toUpperCase()));
  const out = new Set<string>();
  for (const t of detected) {
    const type = t.toUpperCase();
    const cover = COVERED_BY[type];
    if (!allowed.has(type) && !(cover && allowed.has(cover))) out.add(type);
  }
  return [...out].sort();
}

export type PiiPlan =
  | { action: 'allow'; model: string; changed: boolean }
  | { action: 'redact'; model: string; denied: string[]; restore: boolean }
  | { action: 'block'; model: string; denied: string[] };

export interface PlanInput {
  /** The model routing (or the client) chose. */
  selected: string;
  /** True when routing chose it (auto names): only then may another model be picked. */
  routed: boolean;
  /** The category's model_scores, any order; the best allowed one wins (ties: first listed). */
  candidates: ReadonlyArray<{ model: string; score: number }>;
  defaultModel: string;
  detected: readonly string[];
  policy: (model: string) => PiiPolicy | undefined;
}

/**
 * Decide what the detected types mean for the request.
 * A model whose policy says 'redact' keeps the request (with the denied values masked): the operator
 * asked for that model to get masked data rather than for the request to move. Explicit models are
 * never swapped (the client named them); they are allowed, redacted or blocked.
 */
export function planPii(input: PlanInput): PiiPlan {
  const { selected } = input;
  const selectedPolicy = input.policy(selected);
  const denied = deniedTypes(selectedPolicy, input.detected);
  if (!denied.length) return { action: 'allow', model: selected, changed: false };
  if (selectedPolicy?.action === 'redact') return { action: 'redact', model: selected, denied, restore: selectedPolicy.restore === true };
  if (input.routed) {
    const ranked = input.candidates
      .map((c, i) => ({ ...c, i }))
      .filter((c) => c.model !== selected && Number.isFinite(c.score))
      .sort((a, b) => b.score - a.score || a.i - b.i);
    for (const c of ranked) {
      if (!deniedTypes(input.policy(c.model), input.detected).length) return { action: 'allow', model: c.model, changed: true };
    }
    const d = input.defaultModel;
    if (d && d !== selected && !deniedTypes(input.policy(d), input.detected).length) return { action: 'allow', model: d, changed: true };
  }
  return { action: 'block', model: selected, denied };
}

/** model_scores of a category from the root config (D's schema: categories[].model_scores[]). */
export function categoryCandidates(config: unknown, category: string | undefined): Array<{ model: string; score: number }> {
  if (!category) return [];
  const cats = (config as { categories?: unknown }).categories;
  if (!Array.isArray(cats)) return [];
  const cat = cats.find((c) => c && typeof c === 'object' && (c as { name?: unknown }).name === category) as
    | { model_scores?: unknown }
    | undefined;
  if (!cat || !Array.isArray(cat.model_scores)) return [];
  return cat.model_scores
    .filter((s): s is { model: string; score: number } => !!s && typeof s.model === 'string' && typeof s.score === 'number')
    .map((s) => ({ model: s.model, score: s.score }));
}
