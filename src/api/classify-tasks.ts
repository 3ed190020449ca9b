// The classification API's tasks as plain functions over the loaded packs (vsr.md 2.5 shapes).
// /pii and /security use the guardrails' scans, so the API and the gateway judge text the same way.
import type { AppDeps } from '../deps.ts';
import { scanJailbreak } from '../guard/jailbreak.ts';
import { maskText, scanPii } from '../guard/pii-scan.ts';
import { BudgetMeter } from '../guard/budget.ts';
import { guardSettings, jailbreakWindowChars } from '../guard/settings.ts';
import { bestModelScore, indexCategories } from '../pipeline/categories.ts';
import { categoryThreshold } from '../pipeline/route.ts';
import { intentOptions, piiOptions, securityOptions, taskOptions } from './classify-options.ts';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Finer cause for metric labels (e.g. batch_classification_errors_total's error_type). */
    readonly reason?: string,
  ) {
    super(message);
  }
}

type Options = Record<string, unknown>;

/** The reference API's default cut for routing_decision and the batch low_confidence_count. */
export const API_CONFIDENCE_THRESHOLD = 0.7;

/** The text is longer than prompt_guard.budget lets a scan read (as the gateway's 413, whatever on_exceed says:
 *  a verdict about part of a text is not one about the text). */
function textTooLong(meter: BudgetMeter): ApiError {
  return new ApiError(413, 'TEXT_TOO_LONG', `The text is longer than the scan reads (at most ${meter.budget.maxChars} characters, prompt_guard.budget); split it.`, 'text_too_long');
}
/**
 * Elapsed ms since `t0` as the reference's int64 `processing_time_ms` (vsr.md 2.5): a strictly typed
 * client (Go, protobuf) rejects 3.217 for an integer field. Truncated as Go's Duration.Milliseconds(), never negative.
 */
export const elapsedMs = (deps: AppDeps, t0: number): number => Math.max(0, Math.floor(deps.clock.now() - t0));

/**
 * The API's inferences are timed as the chat path's (llm_classifier_latency_seconds, the classifier
 * names of the reference, whose classifier times every call, API ones included), so API traffic shows.
 */
function observeLatency(deps: AppDeps, classifier: 'category' | 'pii' | 'jailbreak', t0: number): void {
  deps.metrics.observe('llm_classifier_latency_seconds', { classifier }, (deps.clock.now() - t0) / 1000);
}

export async function intentTask(deps: AppDeps, text: string, opts: Options, pack?: string) {
  const name = pack ?? deps.config.packs.category;
  const clf = deps.classifiers.sequence(name);
  if (!clf) throw new ApiError(pack ? 400 : 503, pack ? 'INVALID_INPUT' : 'UNIFIED_CLASSIFIER_UNAVAILABLE', `Sequence-classification pack "${name}" is not loaded.`);
  const o = intentOptions(opts);
  const t0 = deps.clock.now();
  const r = await clf.classify(text);
  observeLatency(deps, 'category', t0);
  const asked = o.confidence_threshold;
  // recommended_model is the model routing would pick (its threshold); routing_decision is the
  // reference's verdict, cut at its fixed default 0.7 unless the request names a threshold.
  const threshold = asked ?? (name === deps.config.packs.category ? categoryThreshold(deps, clf.threshold) : clf.threshold);
  const confident = r.confidence >= threshold;
  // With the category pack, the recommendation is the model routing would pick for this text.
  const cat = name === deps.config.packs.category ? indexCategories(deps.config).byLabel(r.label) : undefined;
  const recommended = confident ? (cat ? (bestModelScore(cat)?.model ?? deps.config.default_model) : `${r.label}-specialized-model`) : deps.config.default_model;
  const out: Record<string, unknown> = {
    // truncated: the pack read only the start of a text longer than its max_length (the reference's
    // newer API reports the like as scan_incomplete for PII); absent when it read all of it.
    classification: { category: cat?.name ?? r.label, confidence: r.confidence, processing_time_ms: elapsedMs(deps, t0), ...(r.truncated ? { truncated: true } : {}) },
    recommended_model: recommended,
    routing_decision: r.confidence >= (asked ?? API_CONFIDENCE_THRESHOLD) ? 'high_confidence_specialized' : 'low_confidence_general',
    pack: name,
  };
  // As the reference: only on request (its IntentOptions.ReturnProbabilities, false when absent).
  if (o.return_probabilities) {
    out.probabilities = Object.fromEntries(clf.labels.map((l, i) => [l, r.probabilities[i]]));
  }
  if (o.include_explanation) {
    const cut = asked ?? API_CONFIDENCE_THRESHOLD;
    out.explanation = `Classified as "${cat?.name ?? r.label}" with confidence ${r.confidence.toFixed(3)}, ${r.confidence >= cut ? 'at or above' : 'below'} ${cut}; recommended model: ${recommended}${confident ? '' : ' (default_model: below the routing threshold)'}.`;
  }
  return out;
}

/** Scan budgets of one request, shared by its texts (a batch: budget.ts counts per request). */
export interface RequestMeters {
  pii: BudgetMeter;
  security: BudgetMeter;
}

export function requestMeters(deps: AppDeps): RequestMeters {
  const s = guardSettings(deps.config);
  return { pii: new BudgetMeter(s.piiBudget), security: new BudgetMeter(s.budget) };
}

export async function piiTask(deps: AppDeps, text: string, opts: Options, pack?: string, shared?: BudgetMeter) {
  const detector = deps.classifiers.pii(pack ?? deps.config.packs.pii);
  if (!detector) throw new ApiError(pack ? 400 : 503, pack ? 'INVALID_INPUT' : 'UNIFIED_CLASSIFIER_UNAVAILABLE', 'The PII pack is not loaded.');
  const o = piiOptions(opts, detector.types);
  const t0 = deps.clock.now();
  const settings = guardSettings(deps.config);
  // Unset in the request: the cut the gateway's PII policy uses (classifier.pii_model.threshold, else the pack's own).
  const threshold = o.confidence_threshold ?? settings.piiThreshold;
  const types = o.entity_types;
  const meter = shared ?? new BudgetMeter(settings.piiBudget);
  const [entities] = await scanPii(detector, [text], { threshold, types, meter });
  observeLatency(deps, 'pii', t0);
  // A partial scan would return the unscanned rest unmasked in masked_text and has_pii false for it.
  if (meter.exceeded) throw textTooLong(meter);
  const { masked, placeholders } = maskText(text, entities);
  // Each entity's placeholder by its span (the first made for it): a search of the list per entity
  // was entities^2, 0.8 s of one core for 27,000 short e-mails within the PII budget.
  const bySpan = new Map<string, string>();
  for (const x of placeholders) if (!bySpan.has(`${x.start}:${x.end}`)) bySpan.set(`${x.start}:${x.end}`, x.placeholder);
  const withPositions = o.return_positions !== false;
  const at = codePointIndex(text);
  return {
    has_pii: entities.length > 0,
    entities: entities.map((e) => {
      const placeholder = bySpan.get(`${e.start}:${e.end}`);
      return {
        type: e.type,
        value: text.slice(e.start, e.end),
        confidence: e.confidence,
        ...(withPositions ? { start_position: at(e.start), end_position: at(e.end) } : {}),
        masked_value: placeholder ?? `<${e.type}>`,
      };
    }),
    ...(o.mask_entities ? { masked_text: masked } : {}),
    security_recommendation: entities.length > 0 ? 'block' : 'allow',
    processing_time_ms: elapsedMs(deps, t0),
  };
}

/**
 * UTF-16 offset -> Unicode code point offset. The reference reports PII positions in code points (runes:
 * its offsets test slices []rune(text)), which is also what a Python client's str indices are; JS string
 * offsets differ after every astral character (an emoji is two UTF-16 units), so "Mail 😀 a@b.com"
 * reported the address one place late for such clients. Identity (no table) when the text has no pair.
 */
function codePointIndex(text: string): (i: number) => number {
  if (!/[\uD800-\uDBFF][\uDC00-\uDFFF]/.test(text)) return (i) => i;
  const table = new Uint32Array(text.length + 1);
  let cp = 0;
  for (let i = 0; i < text.length; i++) {
    table[i] = cp;
    const c = text.charCodeAt(i);
    // The high half of a pair does not start a code point of its own: the low half counts it.
    if (!(c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00)) cp++;
  }
  table[text.length] = cp;
  return (i) => table[i]!;
}

export async function securityTask(deps: AppDeps, text: string, opts: Options, pack?: string, shared?: BudgetMeter) {
  const guard = deps.config.prompt_guard as { threshold?: number; positive_labels?: string[]; pack?: string } | undefined;
  const name = pack ?? guard?.pack ?? deps.config.packs.jailbreak ?? 'jailbreak';
  const clf = deps.classifiers.sequence(name);
  if (!clf) throw new ApiError(pack ? 400 : 503, pack ? 'INVALID_INPUT' : 'UNIFIED_CLASSIFIER_UNAVAILABLE', `Jailbreak pack "${name}" is not loaded.`);
  const o = securityOptions(opts, guard?.threshold ?? 0.7);
  const t0 = deps.clock.now();
  const threshold = o.threshold ?? guard?.threshold ?? 0.7;
  const settings = guardSettings(deps.config);
  const meter = shared ?? new BudgetMeter(settings.budget);
  const windowChars = jailbreakWindowChars(deps.classifiers, settings, name);
  const v = await scanJailbreak(clf, [text], threshold, { positiveLabels: guard?.positive_labels, meter, windowChars });
  observeLatency(deps, 'jailbreak', t0);
  // Safe is a statement about the whole text; an unscanned tail may hold the injection.
  if (v.incomplete && !v.blocked) throw textTooLong(meter);
  return {
    is_jailbreak: v.blocked,
    risk_score: v.confidence,
    detection_types: v.blocked ? [v.type] : [],
    confidence: v.blocked ? v.confidence : 1 - v.confidence,
    recommendation: v.blocked ? 'block' : 'allow',
    ...(o.include_reasoning ? { reasoning: v.blocked ? `Jailbreak risk ${v.confidence.toFixed(3)} is at or above the threshold ${threshold}.` : `Jailbreak risk ${v.confidence.toFixed(3)} is below the threshold ${threshold}.` } : {}),
    patterns_detected: v.blocked ? [v.type] : [],
    processing_time_ms: elapsedMs(deps, t0),
  };
}

export async function combinedTask(deps: AppDeps, text: string, tasks: string[], opts: Options, pack?: string, meters?: RequestMeters) {
  const t0 = deps.clock.now();
  const intent = tasks.includes('intent') ? await intentTask(deps, text, taskOptions(opts, 'intent'), pack) : undefined;
  const pii = tasks.includes('pii') ? await piiTask(deps, text, taskOptions(opts, 'pii'), undefined, meters?.pii) : undefined;
  const security = tasks.includes('security') ? await securityTask(deps, text, taskOptions(opts, 'security'), undefined, meters?.security) : undefined;
  const block = security?.is_jailbreak || pii?.has_pii;
  const conf = (intent?.classification as { confidence?: number } | undefined)?.confidence;
  return {
    // The reference documents the combined intent flat ({category, confidence, probabilities}); the
    // intent answer's own fields stay beside them.
    ...(intent ? { intent: { category: (intent.classification as { category: string }).category, confidence: conf, ...intent } as Record<string, unknown> } : {}),
    ...(pii ? { pii } : {}),
    ...(security ? { security } : {}),
    overall_recommendation: {
      action: security?.is_jailbreak ? 'block' : pii?.has_pii ? 'review' : 'allow',
      target_model: block ? null : (intent?.recommended_model ?? deps.config.default_model),
      confidence: conf ?? 1,
    },
    // total_: the reference's documented name; processing_time_ms: the one its e2e suite reads.
    ...((ms) => ({ total_processing_time_ms: ms, processing_time_ms: ms }))(elapsedMs(deps, t0)),
  };
}
