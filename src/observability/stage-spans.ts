// The guardrail stages as spans of the request's trace, with the reference's verdict attributes
// (vsr.md 4.2: jailbreak.detected/type, pii.detected/types, security.action): types, labels and flags
// only, never text or values. Shared by chat (pipeline/run.ts) and the passed-through routes
// (api/passthrough-guard.ts), so a refusal on either door reads the same in a tracing backend.
import { trace } from '@opentelemetry/api';
import { ATTR, SPAN, withSpan } from './tracing.ts';

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
  });
}

/** Runs a PII check under semantic_router.security.pii_detection; the check tells its verdict with piiVerdict. */
export function piiStageSpan<R>(stage: () => Promise<R>): Promise<R> {
  return withSpan(SPAN.PII, {}, () => stage());
}

/** The PII verdict on the active span (the one piiStageSpan opened): the types found, and the action taken if any. */
export function piiVerdict(types: readonly string[], action?: 'block' | 'redact'): void {
  const span = trace.getActiveSpan();
  if (!span?.isRecording()) return;
  const found = [...new Set(types)].sort();
  span.setAttributes({ [ATTR.PII_DETECTED]: found.length > 0, ...(found.length ? { [ATTR.PII_TYPES]: found.join(',') } : {}) });
  if (action) span.setAttribute(ATTR.SECURITY_ACTION, action);
}
