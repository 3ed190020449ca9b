// Before an answer is stored in the semantic cache: do the request's texts carry personal data?
// The PII stage scans only for models whose pii_policy restricts it, so with the default policies
// (every model may see PII) nothing was scanned, and an answer to "write a bio for <name>, <e-mail>"
// would be served to the next user whose question is close enough. Only the types configured in
// semantic_cache.skip_pii_types count (by default the identifiers that reach one person). The scan runs in the store tap,
// after the client has its answer, so it costs CPU on stored misses but no latency.
// Also before a lookup hit is served, when a pii_policy the request may meet restricts (hitPiiVerdict).
import type { AppDeps } from '../deps.ts';
import type { Config } from '../config/schema.ts';
import type { PipelineContext } from '../pipeline/context.ts';
import { isAutoModel } from '../pipeline/categories.ts';
import { BudgetMeter } from '../guard/budget.ts';
import { scanPii } from '../guard/pii-scan.ts';
import { deniedTypes, policyOf, restricts, type PiiPolicy } from '../guard/pii-policy.ts';
import { collectTextSlots } from '../guard/redaction.ts';
import { groupTexts } from '../guard/pii-slots.ts';
import { unreadSlots } from '../guard/unread-strings.ts';
import { hasUnscannablePart, unreadableMedia } from '../guard/unscannable.ts';
import { guardSettings, packWindowChars } from '../guard/settings.ts';

/** `unchecked`: no PII pack, the detector failed, or the texts exceed the PII scan budget. */
export type PiiVerdict = 'pii' | 'clean' | 'unchecked';

/** Newest text first, so the answer for the common case (PII in the question) comes from one scan. */
export function cachePiiVerdict(deps: AppDeps, texts: readonly string[], types: readonly string[]): Promise<PiiVerdict> {
  return firstVerdict(deps, texts, types, (found) => found.length > 0);
}

/**
 * Before a lookup hit is served: would a pii_policy this request may meet act on it? The lookup runs
 * before routing and the PII stage (DESIGN.md), so a question carrying an e-mail address was served the
 * stored answer of a close question without one, where a cold cache blocks, reroutes or masks it: a
 * guardrail must not depend on what the cache holds. `none`: no policy it may meet restricts (the
 * default policies): nothing scanned. `pii`: a type one of them denies, or content the detector cannot
 * read (an image). `unchecked`: no pack, the detector failed, past the PII scan budget. The caller
 * reads both as a miss: routing and the PII stage then decide as on a cold cache (their scan, the
 * budget's on_exceed, 503 without a pack); a miss costs an upstream call, never a guardrail.
 * What the stage reads, read the same way (the texts the model reads, the strings no reader covers),
 * but for the asker's id (`user`, `safety_identifier`, `metadata` values): the stage scans it because
 * the provider logs it, and a hit reaches no provider; nor is the answer made from it, so a hit to an
 * id with an address is served as the store keeps its answer (pii-cache-identity.test.ts).
 */
export async function hitPiiVerdict(deps: AppDeps, ctx: PipelineContext): Promise<PiiVerdict | 'none'> {
  const policies = restrictingPolicies(deps.config, ctx.requestedModel);
  if (!policies.length) return 'none';
  if (hasUnscannablePart(ctx.body) || unreadableMedia(ctx.body)) return 'pii';
  const read = collectTextSlots(ctx.body);
  const texts = groupTexts([...unreadSlots(ctx.body, new Set(read.map((x) => x.get()))), ...read.filter((x) => !x.identity)]);
  return firstVerdict(deps, texts, undefined, (found) => policies.some((p) => deniedTypes(p, found).length > 0)).catch(() => 'unchecked' as const);
}

const routedPolicies = new WeakMap<object, PiiPolicy[]>();

/**
 * The restricting policies a request for `requested` may meet: an explicit model's own (it is never
 * swapped); for an auto name those of every model routing or the PII stage may pick (default_model and
 * each category's model_scores), since the hit skips routing. Memoised per config (a reload is a new one).
 */
function restrictingPolicies(config: Config, requested: string): PiiPolicy[] {
  if (!isAutoModel(config, requested)) {
    const own = policyOf(config, requested);
    return restricts(own) ? [own!] : [];
  }
  let list = routedPolicies.get(config);
  if (!list) {
    const models = new Set([config.default_model, ...config.categories.flatMap((c) => c.model_scores.map((s) => s.model))]);
    list = [...models].map((m) => policyOf(config, m)).filter((p): p is PiiPolicy => restricts(p));
    routedPolicies.set(config, list);
  }
  return list;
}

/** `counts`: whether the types found in one text (upper-case) make the verdict `pii`. */
async function firstVerdict(deps: AppDeps, texts: readonly string[], types: readonly string[] | undefined, counts: (found: string[]) => boolean): Promise<PiiVerdict> {
  const s = guardSettings(deps.config);
  const detector = deps.classifiers.pii(s.piiPack);
  if (!detector) return 'unchecked';
  const meter = new BudgetMeter(s.piiBudget);
  const windowChars = packWindowChars(deps.classifiers, detector.name, 'token-classification');
  for (let i = texts.length - 1; i >= 0; i--) {
    const [found] = await scanPii(detector, [texts[i]!], { threshold: s.piiThreshold, windowChars, meter, types });
    if (counts(found!.map((e) => e.type.toUpperCase()))) return 'pii';
    if (meter.exceeded) return 'unchecked';
  }
  return 'clean';
}
