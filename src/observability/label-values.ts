// The values of the metric labels that alerts and dashboards select on, declared once. Metrics.inc
// types these metrics' labels (LabelsOf), so tsc refuses a call site that emits a value not listed
// here, and the catalog's HELP text and k8s/observability/README.md list exactly these
// (test/unit/observability-label-values.test.ts). Renaming a value breaks dashboards and alerts:
// add values, do not change them.
import type { Labels } from './types.ts';

/** llm_request_errors_total{reason}: why a request failed or was refused (blocks included). */
export const REQUEST_ERROR_REASONS = [
  // The upstream: no head within upstream.timeout_ms or a stalled body (timeout), its own error status,
  // a failed or dropped connection, no endpoint to send to, a model no endpoint serves.
  'timeout',
  'upstream_5xx',
  'upstream_4xx',
  'upstream_error',
  'upstream_unavailable',
  'model_not_found',
  // The guardrails: a block, the guard or PII detector unavailable, the scan budget exceeded, a part
  // they cannot read (prompt_embeds).
  'jailbreak_block',
  'pii_policy_denied',
  'guard_unavailable',
  'pii_unavailable',
  'guard_budget_exceeded',
  'unscannable_prompt',
  // The request itself: unreadable or refused before the pipeline, the client gone, its body too slow.
  'parse_error',
  'cancellation',
  'request_timeout',
  // Routing: the category classifier failed (the request went to default_model).
  'classification_failed',
] as const;
export type RequestErrorReason = (typeof REQUEST_ERROR_REASONS)[number];

/** llm_stream_rewrite_stopped_total{reason}. */
export const STREAM_REWRITE_STOP_REASONS = ['event_too_large', 'answer_too_large'] as const;
export type StreamRewriteStopReason = (typeof STREAM_REWRITE_STOP_REASONS)[number];

/** llm_upstream_endpoint_errors_total{reason}. */
export const ENDPOINT_ERROR_REASONS = ['connect', 'closed', 'timeout'] as const;
export type EndpointErrorReason = (typeof ENDPOINT_ERROR_REASONS)[number];

/** The metrics whose labels are typed, and their declared value lists (for the tests and docs). */
export interface TypedLabels {
  llm_request_errors_total: { model: string; reason: RequestErrorReason };
  llm_stream_rewrite_stopped_total: { reason: StreamRewriteStopReason };
  llm_upstream_endpoint_errors_total: { endpoint: string; reason: EndpointErrorReason };
}
export const DECLARED_REASONS: Record<keyof TypedLabels, readonly string[]> = {
  llm_request_errors_total: REQUEST_ERROR_REASONS,
  llm_stream_rewrite_stopped_total: STREAM_REWRITE_STOP_REASONS,
  llm_upstream_endpoint_errors_total: ENDPOINT_ERROR_REASONS,
};

/** The labels a metric takes: typed for the metrics above, any string labels for the rest. */
export type LabelsOf<N extends string> = N extends keyof TypedLabels ? TypedLabels[N] : Labels;
