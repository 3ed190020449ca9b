// Stage: PII policy for the selected model (issue 4): allow, pick an allowed alternative, redact or
// block. Runs after routing; scans only when the selected model restricts PII (as the reference
// does), so unrestricted traffic pays nothing. Values never leave this request: ctx.pii keeps types
// and offsets, logs and metrics get type names, and the restore map lives in the response tap.
import type { AppDeps } from '../deps.ts';
import { includeUsage } from './request.ts';
import type { PipelineContext, RefusalResponse, RoutingDecision } from './context.ts';
import type { PiiEntity } from '../classify/types.ts';
import { maskText, newMaskState } from '../guard/pii-scan.ts';
import { scanSlots } from '../guard/pii-slots.ts';
import { maskDuplicates, unreadSlots } from '../guard/unread-strings.ts';
import { hasUnscannablePart, unreadableMedia, unscannableResponse } from '../guard/unscannable.ts';
import { BudgetMeter } from '../guard/budget.ts';
import { categoryCandidates, planPii, policyOf, restricts } from '../guard/pii-policy.ts';
import { keepsAnswerOut } from '../guard/pii-cache-store.ts';
import { answersJson, collectTextSlots, restoreTap, type TextSlot } from '../guard/redaction.ts';
import { nameRestoreTap } from '../guard/name-slots.ts';
import { guardErrorResponse, piiBlockResponse } from '../guard/immediate-responses.ts';
import { headerText } from '../upstream/headers.ts';
import { guardSettings, packWindowChars } from '../guard/settings.ts';
import { overBudget } from './guard.ts';

/** Returns an ImmediateResponse to answer without the upstream, or undefined to continue. */
/**
 * The PII detector could not scan: counted with the jailbreak guard's failures (SemrouteGuardUnavailable
 * reads them by guard). A restricting policy always blocks then, so the action is always block.
 */
export function piiUnavailable(deps: AppDeps, why: 'pack_missing' | 'classifier_error'): void {
  deps.metrics.inc('llm_guard_errors_total', { guard: 'pii', why, action: 'block' });
}

export async function piiStage(deps: AppDeps, ctx: PipelineContext): Promise<RefusalResponse | undefined> {
  const selected = ctx.decision?.model ?? ctx.body.model;
  if (!restricts(policyOf(deps.config, selected))) return undefined;
  // Text the detector cannot read must not reach a model that restricts what it may see.
  if (hasUnscannablePart(ctx.body)) return unscannableResponse();
  // Nor images, audio, video or binary files, which the detector cannot read either (file-parts.ts).
  const media = unreadableMedia(ctx.body);
  if (media) return unreadableContent(deps, ctx, selected, media);

  const s = guardSettings(deps.config);
  const detector = deps.classifiers.pii(s.piiPack);
  if (!detector) {
    // A restricted model must not receive text nobody looked at.
    deps.logger.error({ request_id: ctx.requestId, model: selected }, 'PII policy configured but no PII pack is loaded');
    piiUnavailable(deps, 'pack_missing');
    return guardErrorResponse(503, 'The PII detector is unavailable; the request was not forwarded.', 'pii_detector_unavailable', 'pii_unavailable', 'server_error');
  }

  // Document order; scanSlots reads a message's parts (a definition's strings) as one text, newest first.
  const readSlots = collectTextSlots(ctx.body);
  // Strings under keys no reader covers (a misspelled `conTent`, an unknown field) reach the engine's
  // logs: read too, first in document order so the budget reaches them last (unread-strings.ts).
  const unread = unreadSlots(ctx.body, new Set(readSlots.map((x) => x.get())));
  const docSlots = [...unread, ...readSlots];
  const meter = new BudgetMeter(s.piiBudget);
  const t0 = deps.clock.now();
  let found: PiiEntity[][];
  try {
    found = await scanSlots(detector, docSlots, { threshold: s.piiThreshold, windowChars: packWindowChars(deps.classifiers, detector.name, 'token-classification'), meter });
  } catch (err) {
    deps.logger.error({ request_id: ctx.requestId, error: err instanceof Error ? err.name : undefined }, 'PII detector failed');
    piiUnavailable(deps, 'classifier_error');
    return guardErrorResponse(503, 'The PII detector failed; the request was not forwarded.', 'pii_detector_failed', 'pii_unavailable', 'server_error');
  } finally {
    deps.metrics.observe('llm_classifier_latency_seconds', { classifier: 'pii' }, (deps.clock.now() - t0) / 1000);
  }
  if (meter.exceeded) {
    const r = overBudget(deps, ctx, s.piiBudget.onExceed, meter);
    if (r) return r;
  }

  // Newest first from here, so placeholders are numbered from the latest turn.
  const slots = docSlots.reverse();
  found.reverse();
  const detected = [...new Set(found.flat().map((e) => e.type.toUpperCase()))].sort();
  ctx.pii = { entities: found.flat().map(({ type, start, end, confidence, source }) => ({ type, start, end, confidence, source })), redacted: false };
  if (!detected.length) return undefined;
  const planFor = (policy: typeof policyOf) => planPii({
    selected,
    routed: ctx.decision?.routed === true,
    candidates: categoryCandidates(deps.config, ctx.decision?.category),
    defaultModel: deps.config.default_model,
    detected,
    policy: (m) => policy(deps.config, m),
  });
  let plan = planFor(policyOf);
  // A denied value in a slot that is never rewritten (a key name, a stop string, a regex: redaction.ts
  // `fixed`) cannot be masked without changing what the request asks: answered as block would answer.
  if (plan.action === 'redact' && fixedDenied(slots, found, plan.denied)) {
    plan = planFor((c, m) => (m === selected ? { ...policyOf(c, m)!, action: 'block' } : policyOf(c, m)));
  }
  // An answer to a prompt with an identifier of one person (skip_pii_types) must not be replayed to
  // someone else, nor one to a body with it under a key no reader covers (the engine got it, a steering
  // field shapes the answer); nor one the plan changed (masked, refused, rerouted). An address in
  // `user` or `metadata` (identity slots) is not in the prompt and the answer is not made from it: the
  // store tap's own scan, for models that may see PII, leaves those out too (pii-cache-store.ts).
  const read = found.filter((_, i) => !slots[i]!.identity).flat();
  if (ctx.cache && keepsAnswerOut(read, deps.config.semantic_cache?.skip_pii_types ?? [], plan)) ctx.cache.store = false;

  if (plan.action === 'allow') {
    if (plan.changed && ctx.decision) {
      ctx.decision.model = plan.model;
      ctx.decision.reasonCode = 'pii_policy_alternative_selected';
      reasoningOfEntry(deps.config, ctx.decision);
      deps.logger.info({ request_id: ctx.requestId, from: selected, to: plan.model, types: detected }, 'PII policy: alternative model selected');
    }
    return undefined;
  }

  if (plan.action === 'redact') {
    const denied = new Set(plan.denied);
    // Placeholder-like literals anywhere in the body (texts, tool definitions) keep their numbers.
    const state = newMaskState(ctx.body);
    let count = 0;
    // Masked function names (the framed slots: name-slots.ts) -> the client's, given back below.
    const names = new Map<string, string>();
    // A read text's masking, for the same text under a key no reader covers (not scanned twice).
    const maskedTexts = new Map<string, string>();
    const unreadSet = new Set(unread);
    slots.forEach((slot, i) => {
      const ents = found[i].filter((e) => denied.has(e.type.toUpperCase()));
      if (!ents.length) return;
      const { masked, placeholders } = maskText(slot.get(), ents, state, { json: slot.json });
      if (slot.frame) names.set(masked, slot.get());
      if (!unreadSet.has(slot)) maskedTexts.set(slot.get(), masked);
      slot.set(masked);
      count += placeholders.length;
    });
    maskDuplicates(ctx.body, maskedTexts);
    ctx.pii.redacted = true;
    for (const t of plan.denied) deps.metrics.inc('llm_pii_redactions_total', { model: plan.model, pii_type: t });
    ctx.responseHeaders['x-vsr-pii-redacted'] = headerText(plan.denied.join(','));
    if (plan.restore && state.restore.size) ctx.taps.push(restoreTap(state.restore, answersJson(ctx.body)));
    // Without restore the answer's calls still need the client's names to be dispatched.
    else if (names.size) ctx.taps.push(nameRestoreTap(names));
    deps.logger.info({ request_id: ctx.requestId, model: plan.model, types: plan.denied, placeholders: count }, 'PII redacted');
    return undefined;
  }

  for (const t of plan.denied) deps.metrics.inc('llm_pii_violations_total', { model: plan.model, pii_type: t });
  deps.logger.info({ request_id: ctx.requestId, model: plan.model, types: plan.denied }, 'PII policy violation: blocked');
  return piiBlockResponse({ model: plan.model, types: plan.denied, stream: ctx.stream, includeUsage: includeUsage(ctx.body), nowMs: deps.clock.wallMs() });
}

/**
 * Whether a fixed slot (redaction.ts) holds a denied value it may not take a placeholder for: any in a
 * key name or pattern, or one in a stop string the texts the model reads do not hold (masked, it
 * would never match what the model writes; with the same placeholder as the prompt, it does).
 */
function fixedDenied(slots: readonly TextSlot[], found: readonly PiiEntity[][], denied: readonly string[]): boolean {
  const d = new Set(denied);
  const key = (s: TextSlot, e: PiiEntity) => `${e.type.toUpperCase()}\u0000${s.get().slice(e.start, e.end)}`;
  const read = new Set<string>();
  slots.forEach((s, i) => {
    if (!s.fixed && !s.logged) for (const e of found[i]!) if (d.has(e.type.toUpperCase())) read.add(key(s, e));
  });
  return slots.some((s, i) => s.fixed && found[i]!.some((e) => d.has(e.type.toUpperCase()) && (s.fixed === 'never' || !read.has(key(s, e)))));
}

/** A type no policy lists: only a model that restricts nothing may take content nobody could read. */
const UNREADABLE = '\u0000unreadable';

/**
 * Content the detector cannot read, for a restricting model: a routed request goes to the best model
 * of its category that restricts nothing, else default_model if it restricts nothing (reason code
 * pii_policy_alternative_selected, as for a denied type); otherwise 400 unscannable_prompt naming the
 * part (an image cannot be redacted, and an explicit model is never swapped).
 */
function unreadableContent(deps: AppDeps, ctx: PipelineContext, selected: string, part: string): RefusalResponse | undefined {
  const plan = planPii({
    selected,
    routed: ctx.decision?.routed === true,
    candidates: categoryCandidates(deps.config, ctx.decision?.category),
    defaultModel: deps.config.default_model,
    detected: [UNREADABLE],
    policy: (m) => policyOf(deps.config, m),
  });
  if (plan.action !== 'allow' || !ctx.decision) return unscannableResponse(part);
  ctx.decision.model = plan.model;
  ctx.decision.reasonCode = 'pii_policy_alternative_selected';
  reasoningOfEntry(deps.config, ctx.decision);
  deps.logger.info({ request_id: ctx.requestId, from: selected, to: plan.model, part }, 'PII policy: alternative model selected for content the detector cannot read');
  return undefined;
}

/**
 * The alternative's own model_scores entry names its effort (routing sent the first choice's to it)
 * and, under reasoning_decision top_category, whether it reasons at all. Under entropy the switch is
 * the category's, so it stands. default_model picked from outside the category has no entry: it
 * keeps the switch and gets default_reasoning_effort, as routing gives it elsewhere.
 */
function reasoningOfEntry(config: AppDeps['config'], d: RoutingDecision): void {
  // Read defensively, as policyOf and categoryCandidates read the config: stage tests pass a partial one.
  const entry = config.categories?.find((c) => c.name === d.category)?.model_scores?.find((s) => s.model === d.model);
  if (entry && config.routing?.reasoning_decision === 'top_category') d.reasoning = entry.use_reasoning;
  d.reasoningEffort = d.reasoning ? (entry?.reasoning_effort ?? config.default_reasoning_effort) : undefined;
}
