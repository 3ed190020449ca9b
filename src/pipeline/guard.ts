// Stage: jailbreak check on the user-visible texts (issue 4). All user messages by default;
// system, assistant and tool texts when prompt_guard.scan_roles names them. Newest texts first, so
// the scan budget always covers what the model weighs most.
import type { AppDeps } from '../deps.ts';
import { includeUsage } from './request.ts';
import type { PipelineContext, RefusalResponse } from './context.ts';
import { DEFAULT_JAILBREAK_WINDOW, scanJailbreak } from '../guard/jailbreak.ts';
import { BudgetMeter } from '../guard/budget.ts';
import { formatConfidence, guardErrorResponse, jailbreakBlockResponse } from '../guard/immediate-responses.ts';
import { guardSettings, jailbreakWindowChars } from '../guard/settings.ts';
import { headerText } from '../upstream/headers.ts';
import { toolCallArgumentTexts, toolDefinitionTexts } from '../guard/tool-texts.ts';
import { templateTexts } from '../guard/template-texts.ts';
import { hasUnscannablePart, unscannableResponse } from '../guard/unscannable.ts';
import { MAX_JOINED_TURNS, turnSeamWindows } from '../guard/turns.ts';
import { assistantFieldTexts } from '../guard/assistant-fields.ts';

/** Returns an ImmediateResponse to answer without the upstream, or undefined to continue. */
export async function guardStage(deps: AppDeps, ctx: PipelineContext): Promise<RefusalResponse | undefined> {
  const s = guardSettings(deps.config);
  if (!s.guardEnabled) return undefined;
  if (hasUnscannablePart(ctx.body)) return unscannableResponse();
  const cfg = s.guard;
  const classifier = deps.classifiers.sequence(s.jailbreakPack);
  if (!classifier) return unavailable(deps, ctx, cfg.on_error, 'pack_missing');

  const windowChars = jailbreakWindowChars(deps.classifiers, s);
  const list = textsToScan(ctx, cfg.scan_roles, { turns: cfg.joined_turns, windowChars });
  const meter = new BudgetMeter(s.budget);
  const t0 = deps.clock.now();
  let verdict;
  try {
    verdict = await scanJailbreak(classifier, list.texts, cfg.threshold, { positiveLabels: cfg.positive_labels, windowChars, meter, views: list.seams });
  } catch (err) {
    return unavailable(deps, ctx, cfg.on_error, 'classifier_error', err);
  } finally {
    deps.metrics.observe('llm_classifier_latency_seconds', { classifier: 'jailbreak' }, (deps.clock.now() - t0) / 1000);
  }

  if (verdict.blocked) {
    deps.metrics.inc('llm_jailbreak_detections_total', { type: verdict.type, action: cfg.action });
    // Type, score and position only: the text itself never reaches a log.
    deps.logger.info(
      { request_id: ctx.requestId, type: verdict.type, confidence: Number(formatConfidence(verdict.confidence)), textIndex: verdict.textIndex, joinedTurns: (verdict.textIndex !== undefined && list.seams.has(verdict.textIndex)) || undefined, action: cfg.action },
      'jailbreak detected',
    );
    if (cfg.action === 'block') {
      return jailbreakBlockResponse({ type: verdict.type, confidence: verdict.confidence, stream: ctx.stream, includeUsage: includeUsage(ctx.body), nowMs: deps.clock.wallMs() });
    }
    ctx.responseHeaders['x-vsr-jailbreak-flagged'] = 'true';
    ctx.responseHeaders['x-vsr-jailbreak-type'] = headerText(verdict.type);
    ctx.responseHeaders['x-vsr-jailbreak-confidence'] = formatConfidence(verdict.confidence);
  }
  if (verdict.incomplete) return overBudget(deps, ctx, s.budget.onExceed, meter);
  return undefined;
}

export interface ScanList {
  texts: string[];
  /** Indexes in `texts` of the joined user turns' windows across a turn boundary (turns.ts). */
  seams: Set<number>;
}

export interface JoinOptions {
  /** prompt_guard.joined_turns: user turns joined (0 or 1: none). */
  turns?: number;
  /** The scan's window size, so each boundary window is one classifier call. */
  windowChars?: number;
  maxChars?: number;
}

/** Texts of the scanned roles, newest first, each distinct text once (repeated system prompts cost one call).
 *  With `user`, the recent user turns' windows across a turn boundary follow the user texts
 *  (src/guard/turns.ts); `join.turns` 0 leaves them out (the multi-turn eval and bench compare both). */
export function textsToScan(ctx: PipelineContext, roles: readonly string[], join: JoinOptions = {}): ScanList {
  const t = ctx.texts;
  const lists: Record<string, readonly string[] | undefined> = { user: t?.user, system: t?.system, assistant: t?.assistant, tool: t?.tool };
  const out: string[] = [];
  const seams = new Set<number>();
  const seen = new Set<string>();
  const add = (x: unknown) => {
    if (typeof x === 'string' && x.trim() && !seen.has(x)) {
      seen.add(x);
      out.push(x);
      return true;
    }
    return false;
  };
  if (roles.includes('user')) add(t?.latestUser);
  for (const role of roles) {
    const list = lists[role];
    if (Array.isArray(list)) for (let i = list.length - 1; i >= 0; i--) add(list[i]);
    // Right after the turns they join: scanned before older texts of other roles when the budget is short.
    if (role === 'user' && hasTurns(ctx.body)) {
      const windows = turnSeamWindows(list, join.windowChars ?? DEFAULT_JAILBREAK_WINDOW, join.turns ?? MAX_JOINED_TURNS, join.maxChars);
      for (const w of windows) if (add(w)) seams.add(out.length - 1);
    }
  }
  // What the chat template shows with those turns: tool definitions beside the system message,
  // tool-call arguments in assistant turns (src/guard/tool-texts.ts).
  if (roles.includes('system')) toolDefinitionTexts(ctx.body).forEach(add);
  if (roles.includes('assistant')) toolCallArgumentTexts(ctx.body?.messages).reverse().forEach(add);
  // Names, reasoning fields, RAG documents, template variables (src/guard/template-texts.ts).
  templateTexts(ctx.body, roles).forEach(add);
  // Every assistant turn's reasoning fields, earlier turns' too (src/guard/assistant-fields.ts; not the refusal field).
  if (roles.includes('assistant')) assistantFieldTexts(ctx.body).forEach(add);
  return { texts: out, seams };
}

/** A conversation (chat or Anthropic messages, Responses input items), not a passed-through
 *  /v1/completions prompt list, whose prompts are separate generations no model reads together. */
function hasTurns(body: unknown): boolean {
  const b = body as { messages?: unknown; input?: unknown } | undefined;
  return Array.isArray(b?.messages) || Array.isArray(b?.input);
}

function unavailable(deps: AppDeps, ctx: PipelineContext, onError: 'allow' | 'block', why: string, err?: unknown): RefusalResponse | undefined {
  // No model label: the requested model is client text (unbounded cardinality); blocks are also
  // counted by the pipeline as llm_request_errors_total{reason}.
  deps.metrics.inc('llm_guard_errors_total', { guard: 'jailbreak', why, action: onError });
  // The error's class only: messages from a featurizer could quote input.
  deps.logger.warn({ request_id: ctx.requestId, why, error: err instanceof Error ? err.name : undefined, onError }, 'jailbreak guard unavailable');
  if (onError === 'allow') return undefined;
  return guardErrorResponse(503, 'The jailbreak guard is unavailable; the request was not forwarded.', 'guard_unavailable', 'guard_unavailable', 'server_error');
}

export function overBudget(deps: AppDeps, ctx: PipelineContext, onExceed: 'block' | 'allow', meter: BudgetMeter): RefusalResponse | undefined {
  deps.metrics.inc('llm_guard_budget_exceeded_total', { action: onExceed });
  deps.logger.warn({ request_id: ctx.requestId, scannedChars: meter.chars, scannedTexts: meter.texts, onExceed }, 'guard scan budget exceeded');
  if (onExceed === 'allow') {
    ctx.responseHeaders['x-vsr-guard-partial'] = 'true';
    return undefined;
  }
  const b = meter.budget;
  return guardErrorResponse(
    413,
    `The request has more text than the guardrails scan (at most ${b.maxChars} characters in ${b.maxTexts} texts); shorten the conversation.`,
    'guard_scan_budget_exceeded',
    'guard_budget_exceeded',
  );
}
