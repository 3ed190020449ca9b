// Every metric semroute exposes, with the vLLM Semantic Router's names and labels
// (../shared/reference/vsr.md section 4.1) so existing dashboards and alerts keep working.
// Two reference names fail `promtool check metrics` (a gauge named *_total, a counter named *_count);
// they are exposed under lint-clean names and kept as aliases (recorded here) and as recording rules
// in k8s/observability/prometheus-rules.yaml.
import type { MetricSpec } from './registry.ts';
import { REQUEST_ERROR_REASONS } from './label-values.ts';

/** Latency of in-process work: classifiers, cache, routing (1 ms .. 2.5 s). */
export const FAST_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
/** Whole LLM answers (50 ms .. 10 min). */
export const COMPLETION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600];
/** Time to first token (10 ms .. 1 min). */
export const TTFT_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** Time per output token (1 ms .. 2 s). */
export const TPOT_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1, 2];
export const TOKEN_BUCKETS = [1, 16, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 131072];
export const BATCH_SIZE_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200];
/** Batch classification time (1 ms .. 30 s, the reference's default duration_buckets range). */
export const BATCH_DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
export const CONFIDENCE_BUCKETS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1];

/** Names semroute emits under a lint-clean name: reference name -> exposed name. */
export const METRIC_ALIASES: Record<string, string> = {
  llm_cache_entries_total: 'llm_cache_entries',
  llm_category_classifications_count: 'llm_category_classifications_total',
};

/** The jailbreak counter (the reference has none in CLASSIC; named like llm_pii_violations_total). */
export const JAILBREAK_METRIC = 'llm_jailbreak_detections_total';

const c = (name: string, help: string, labels: string[] = []): MetricSpec => ({ name, help, type: 'counter', labels });
const g = (name: string, help: string, labels: string[] = []): MetricSpec => ({ name, help, type: 'gauge', labels });
const h = (name: string, help: string, labels: string[], buckets: number[]): MetricSpec => ({
  name,
  help,
  type: 'histogram',
  labels,
  buckets,
});

export const METRIC_CATALOG: MetricSpec[] = [
  // Requests, errors, routing
  c('llm_model_requests_total', 'Chat and passed-through requests, each counted once: by the model it was sent to (after routing); one answered before (block, cache hit) by its model so far, one refused unread as unknown (the model its errors carry). Requests that name no model and go to no model\'s route (GET /version, a CORS preflight) are not counted here, nor their errors.', ['model']),
  // The reasons are the declared ones (label-values.ts), which tsc holds every call site to.
  c('llm_request_errors_total', `Failed or blocked requests by model and reason, each explained in k8s/observability/README.md (${REQUEST_ERROR_REASONS.join(', ')}).`, ['model', 'reason']),
  c('llm_model_routing_modifications_total', 'Requests whose model was changed by the router.', ['source_model', 'target_model']),
  c('llm_routing_reason_codes_total', 'Routing decisions by reason code and selected model.', ['reason_code', 'model']),
  h('llm_model_routing_latency_seconds', 'Time spent deciding the route (classification to rewrite).', [], FAST_BUCKETS),
  // Latency and tokens
  h('llm_model_completion_latency_seconds', 'Upstream answer time, request sent to last byte.', ['model'], COMPLETION_BUCKETS),
  h('llm_model_ttft_seconds', 'Time to first token: the first data event of a stream (SSE comments before it are no token), the response headers of a JSON answer.', ['model'], TTFT_BUCKETS),
  h('llm_model_tpot_seconds', 'Time per output token.', ['model'], TPOT_BUCKETS),
  c('llm_model_prompt_tokens_total', 'Prompt tokens reported by the upstream usage block.', ['model']),
  c('llm_model_completion_tokens_total', 'Completion tokens reported by the upstream usage block.', ['model']),
  c('llm_model_tokens_total', 'Prompt plus completion tokens.', ['model']),
  h('llm_prompt_tokens_per_request', 'Prompt tokens per request.', ['model'], TOKEN_BUCKETS),
  h('llm_completion_tokens_per_request', 'Completion tokens per request.', ['model'], TOKEN_BUCKETS),
  c('llm_model_cost_total', 'Cost from model_config.<model>.pricing (per 1M prompt/completion tokens).', ['model', 'currency']),
  // Classification
  h('llm_classifier_latency_seconds', 'Classifier inference time by classifier (category, jailbreak, pii; chat requests and the classification API). The cache\'s embedding time is llm_cache_operation_duration_seconds{operation="embed"}.', ['classifier'], FAST_BUCKETS),
  c('llm_category_classifications_total', 'Requests classified into each category (reference name: llm_category_classifications_count).', ['category']),
  h('llm_classification_confidence', 'Confidence of the winning class.', ['category', 'classification_method'], CONFIDENCE_BUCKETS),
  c('llm_entropy_classification_decisions_total', 'Entropy-based reasoning decisions.', ['uncertainty_level', 'reasoning_enabled', 'decision_reason', 'top_category']),
  // Reasoning
  c('llm_reasoning_decisions_total', 'Reasoning on/off decisions by category and model.', ['category', 'model', 'enabled', 'effort']),
  c('llm_reasoning_template_usage_total', 'Reasoning switches applied per reasoning family and parameter.', ['family', 'param']),
  c('llm_reasoning_effort_usage_total', 'reasoning_effort values applied per reasoning family.', ['family', 'effort']),
  // Security
  c('llm_pii_violations_total', 'Requests with PII the selected model\'s pii_policy denies, by PII type.', ['model', 'pii_type']),
  // Labelled by the guard's verdict only: it runs before routing, when the only model name is the client's.
  c(JAILBREAK_METRIC, 'Requests the prompt guard flagged as jailbreak, by jailbreak type and the action taken.', ['type', 'action']),
  c('llm_guard_errors_total', 'Guard scans that could not run, by guard (jailbreak, pii), cause (pack_missing, classifier_error) and the action applied (the jailbreak guard\'s on_error; the PII detector always blocks).', ['guard', 'why', 'action']),
  c('llm_guard_budget_exceeded_total', 'Requests whose texts exceeded the guard scan budget, by the action applied.', ['action']),
  c('llm_pii_redactions_total', 'PII entities redacted before forwarding (instead of blocking), by model and PII type.', ['model', 'pii_type']),
  // Cache
  c('llm_cache_hits_total', 'Semantic cache hits.'),
  c('llm_cache_misses_total', 'Semantic cache misses.'),
  h('llm_cache_operation_duration_seconds', 'Cache operation time by backend and operation (lookup, store, embed).', ['backend', 'operation'], FAST_BUCKETS),
  c('llm_cache_operations_total', 'Cache operations by backend, operation and status.', ['backend', 'operation', 'status']),
  g('llm_cache_entries', 'Entries in the semantic cache (reference name: llm_cache_entries_total).', ['backend']),
  c('llm_cache_evictions_total', 'Entries evicted (capacity or TTL) by backend.', ['backend']),
  c('llm_cache_backend_errors_total', 'Failed operations against a shared cache backend (e.g. Redis).', ['backend', 'operation']),
  c('llm_cache_skipped_total', 'Requests that bypassed the cache lookup, by reason.', ['reason']),
  c('llm_cache_write_skipped_total', 'Answers not stored in the cache, by reason (HEAD name).', ['reason']),
  // Batch classification API
  c('batch_classification_requests_total', 'Batch classification API requests.', ['processing_type']),
  h('batch_classification_duration_seconds', 'Batch classification time.', ['processing_type', 'batch_size_range'], BATCH_DURATION_BUCKETS),
  c('batch_classification_texts_total', 'Texts classified through the batch API.', ['processing_type']),
  c('batch_classification_errors_total', 'Batch classification errors.', ['processing_type', 'error_type']),
  h('batch_classification_size_distribution', 'Texts per batch request.', ['processing_type'], BATCH_SIZE_BUCKETS),
  // semroute's own
  g('llm_classifier_pack_info', 'Loaded model packs (value 1): task, execution provider and engine in use.', ['pack', 'task', 'provider', 'engine']),
  g('llm_classifier_pack_size_bytes', 'ONNX model size of each loaded pack.', ['pack']),
  g('llm_classifier_pack_load_seconds', 'Time to load each pack.', ['pack']),
  g('llm_inflight_requests', 'Chat requests being processed now.'),
  c('llm_stream_rewrite_stopped_total', 'Streamed answers whose chunk rewriting (PII restore) stopped, the rest passed on untouched, by reason (event_too_large: one SSE event outgrew what a rewriter holds, 8 Mi characters on the gateway, a quarter of extproc.max_message_bytes on ext_proc; answer_too_large: a JSON answer ext_proc reads in STREAMED chunks outgrew half of extproc.max_message_bytes, passed on unread).', ['reason']),
  c('llm_upstream_retries_total', 'Upstream requests sent again before the first byte of an answer (the next endpoint after a connect failure; once more after a kept-alive connection closed as it was reused, same endpoint or next).', ['model']),
  c('llm_upstream_endpoint_errors_total', 'Failed attempts on each vllm_endpoints entry before any byte of an answer, by reason (connect: refused, unresolved, TLS or connect timeout, next endpoint tried; closed: the upstream read the request and closed unanswered, not sent again; timeout: no response headers within upstream.timeout_ms).', ['endpoint', 'reason']),
  c('semroute_extproc_requests_total', 'Envoy ext_proc exchanges by outcome.', ['outcome']),
  c('semroute_passthrough_requests_total', 'Requests on server.passthrough_paths (forwarded unchanged), by configured path and the status the client got.', ['path', 'code']),
  c('semroute_http_client_errors_total', 'Requests the HTTP server refused before the gateway read them (answered 400, 405 CONNECT, 408, 413, 417 or 431 and closed), by the status sent ("none": nothing was sent for it: a request before it on the connection got its answer first, or its own had begun) and reason: the parser\'s error (invalid_header_token, invalid_transfer_encoding, unexpected_content_length, header_overflow, ...), missing_host, duplicate_host, invalid_host, invalid_request_target, too_many_header_fields, expectation_failed, connect, head_timeout, request_timeout or other. Clients that reset or closed mid-request are not counted.', ['code', 'reason']),
  c('llm_metrics_series_overflow_total', 'Label sets collapsed into "other" because a metric reached its series cap.', ['metric']),
];
