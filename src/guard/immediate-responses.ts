// The reference's immediate responses for blocks (vsr.md section 2.2): HTTP 200, OpenAI chat shape,
// finish_reason "content_filter", usage zeros; one chat.completion.chunk plus `data: [DONE]` when the
// client streams. Texts and ids are the reference's, so clients written against it keep working.
import type { RefusalResponse } from '../pipeline/context.ts';
import type { RequestErrorReason } from '../observability/label-values.ts';

export interface BlockInput {
  /** Client asked for SSE (stream: true or Accept: text/event-stream). */
  stream: boolean;
  /** Streaming client sent stream_options.include_usage: a usage chunk (choices: []) precedes [DONE],
   *  as OpenAI and upstream streams send it, so the client's usage is zeros rather than missing. */
  includeUsage?: boolean;
  /** Wall-clock Unix milliseconds (deps.clock.wallMs()). */
  nowMs: number;
}

export function jailbreakBlockResponse(input: BlockInput & { type: string; confidence: number }): RefusalResponse {
  const conf = formatConfidence(input.confidence);
  const content =
    `I cannot process this request as it appears to contain a potential jailbreak attempt (type: ${input.type}, confidence: ${conf}). ` +
    'Please rephrase your request in a way that complies with our usage policies.';
  return contentFilterResponse({
    ...input,
    idPrefix: 'chatcmpl-jailbreak-blocked',
    model: 'security-filter',
    content,
    reason: 'jailbreak_block',
    headers: { 'x-vsr-jailbreak-blocked': 'true', 'x-vsr-jailbreak-type': headerSafe(input.type), 'x-vsr-jailbreak-confidence': conf },
  });
}

/** `types` are type names only (EMAIL_ADDRESS, ...), never values. */
export function piiBlockResponse(input: BlockInput & { model: string; types: readonly string[] }): RefusalResponse {
  // Go's %v of a []string: "[A B]".
  const content =
    `I cannot process this request as it contains personally identifiable information ([${input.types.join(' ')}]) ` +
    `that is not allowed for the '${input.model}' model according to the configured privacy policy. ` +
    'Please remove any sensitive information and try again.';
  return contentFilterResponse({
    ...input,
    idPrefix: 'chatcmpl-pii-violation',
    content,
    reason: 'pii_policy_denied',
    headers: { 'x-vsr-pii-violation': 'true' },
  });
}

/** Go's %.3f. */
export function formatConfidence(c: number): string {
  return (Number.isFinite(c) ? c : 0).toFixed(3);
}

export function contentFilterResponse(input: BlockInput & {
  idPrefix: string;
  model: string;
  content: string;
  /** Counted as llm_request_errors_total{reason} by the pipeline. */
  reason: RequestErrorReason;
  headers: Record<string, string>;
}): RefusalResponse {
  const created = Math.floor(input.nowMs / 1000);
  const id = `${input.idPrefix}-${created}`;
  if (input.stream) {
    const chunk = {
      id,
      object: 'chat.completion.chunk',
      created,
      model: input.model,
      choices: [{ index: 0, delta: { role: 'assistant', content: input.content }, finish_reason: 'content_filter' }],
    };
    const usage = input.includeUsage
      ? `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: input.model, choices: [], usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 } })}\n\n`
      : '';
    return {
      status: 200,
      headers: { ...input.headers, 'cache-control': 'no-cache' },
      contentType: 'text/event-stream',
      body: `data: ${JSON.stringify(chunk)}\n\n${usage}data: [DONE]\n\n`,
      reason: input.reason,
    };
  }
  const completion = {
    id,
    object: 'chat.completion',
    created,
    model: input.model,
    choices: [{ index: 0, message: { role: 'assistant', content: input.content }, finish_reason: 'content_filter' }],
    usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
  };
  return { status: 200, headers: { ...input.headers }, contentType: 'application/json', body: JSON.stringify(completion), reason: input.reason };
}

/** OpenAI-shaped error as an immediate response (scan budget exceeded, guard unavailable). */
export function guardErrorResponse(
  status: number,
  message: string,
  code: string,
  /** Counted as llm_request_errors_total{reason} by the pipeline. */
  reason: RequestErrorReason,
  type: 'invalid_request_error' | 'server_error' = 'invalid_request_error',
): RefusalResponse {
  return {
    status,
    headers: {},
    contentType: 'application/json',
    body: JSON.stringify({ error: { message, type, code } }),
    reason,
  };
}

/** Header values must be visible ASCII; a pack label is config-controlled but not trusted to be. */
function headerSafe(v: string): string {
  return v.replace(/[^\x20-\x7e]/g, '_').slice(0, 64) || 'unknown';
}
