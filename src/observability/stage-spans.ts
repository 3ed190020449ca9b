// The guardrail stages as spans of the request's trace, with the reference's verdict attributes
// (vsr.md 4.2: jailbreak.detected/type, pii.detected/types, security.action): types, labels and flags
// only, never text or values. Shared by chat (pipeline/run.ts) and the passed-through routes
// (api/passthrough-guard.ts), so a refusal on either door reads the same in a tracing backend.
import { trace } from '@opentelemetry/api';
import { ATTR, SPAN, tracingActive, withSpan, withSyncSpan } from './tracing.ts';

/** What the jailbreak guard stage returns when it answers the request itself (a block). */
interface GuardAnswer {
  headers: Record<string, string>;
}

/**
 * Runs the jailbreak guard stage under semantic_router.security.jailbreak_detection. `flags` gives the
 * headers the stage set for the upstream's answer once it ran (x-vsr-jailbreak-flagged under action: flag).
 */
export function jailbreakStageSpan<R extends GuardAnswer | undefined>(stage: () => Promise<R>, flags: () => Record<string, string>): Promise<R> {
  return withSpan(SPAN.JAILBREAK, {}, async (span) => {
    const r = await stage();
    if (!span.isRecording()) return r;
    const f = flags();
    const hit = r?.headers['x-vsr-jailbreak-blocked'] === 'true' ? r.headers : f['x-vsr-jailbreak-flagged'] === 'true' ? f : undefined;
    span.setAttributes({ [ATTR.JAILBREAK_DETECTED]: hit !== undefined, ...(hit ? { [ATTR.JAILBREAK_TYPE]: hit['x-vsr-jailbreak-type'] ?? '', [ATTR.SECURITY_ACTION]: r ? 'block' : 'flag' } : {}) });
    return r;
  }, JAILBREAK_TIME);
}

// The reference's stage times (vsr.md 4.2), set by withSpan only while the span records.
const JAILBREAK_TIME = { timeAttr: ATTR.JAILBREAK_DETECTION_TIME_MS };
export const PII_TIME = { timeAttr: ATTR.PII_DETECTION_TIME_MS };

/** Runs a PII check under semantic_router.security.pii_detection; the check tells its verdict with piiVerdict. */
export function piiStageSpan<R>(stage: () => Promise<R>): Promise<R> {
  return withSpan(SPAN.PII, {}, () => stage(), PII_TIME);
}

/** The PII verdict on the active span (the one piiStageSpan opened): the types found, and the action taken if any. */
export function piiVerdict(types: readonly string[], action?: 'block' | 'redact'): void {
  const span = trace.getActiveSpan();
  if (!span?.isRecording()) return;
  const found = [...new Set(types)].sort();
  span.setAttributes({ [ATTR.PII_DETECTED]: found.length > 0, ...(found.length ? { [ATTR.PII_TYPES]: found.join(',') } : {}) });
  if (action) span.setAttribute(ATTR.SECURITY_ACTION, action);
}

interface Endpoint {
  name: string;
  hostPort: string;
}

/**
 * The endpoints to try for a model, in order, under semantic_router.backend.selection (the reference's
 * span between routing and the upstream call), naming the one tried first as endpoint.name/address.
 */
export function selectBackend<E extends Endpoint>(pool: { candidates(model: string): E[] }, model: string): E[] {
  if (!tracingActive()) return pool.candidates(model);
  return withSyncSpan(SPAN.BACKEND_SELECTION, () => pool.candidates(model), (c) => (c[0] ? { [ATTR.ENDPOINT_NAME]: c[0].name, [ATTR.ENDPOINT_ADDRESS]: c[0].hostPort } : {}));
}

/** A category's system prompt going in, under semantic_router.system_prompt.injection (the reference's attributes). */
export function systemPromptSpan<T>(category: string, mode: string, inject: () => T): T {
  if (!tracingActive()) return inject();
  return withSyncSpan(SPAN.SYSTEM_PROMPT, inject, () => ({ [ATTR.SYSTEM_PROMPT_INJECTED]: true, [ATTR.SYSTEM_PROMPT_MODE]: mode, [ATTR.CATEGORY_NAME]: category }));
}

/** The reasoning family whose switch was written into the request, on the active (request) span. */
export function reasoningFamilyAttribute(family: string): void {
  const span = trace.getActiveSpan();
  if (span?.isRecording()) span.setAttribute(ATTR.REASONING_FAMILY, family);
}
