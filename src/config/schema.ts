// Root config schema: the vLLM Semantic Router's CLASSIC config.yaml keys (../shared/reference/vsr.md
// section 1.1) plus semroute's own. Sections owned by other concerns live in ./sections/*.ts and are
// composed here. Objects are passthrough so reference configs with keys we do not use still load;
// src/config/unknown-keys.ts turns the extras into warnings.
import { z } from 'zod';
import { yamlBool } from './yaml-bool.ts';
import { guardSection } from './sections/guard.ts';
import { cacheSection } from './sections/cache.ts';
import { observabilitySection } from './sections/observability.ts';
import { extprocSection } from './sections/extproc.ts';
import { corsSection } from './sections/cors.ts';
import { endpointSchema, modelConfigSchema, reasoningFamilySchema } from './models-schema.ts';

// The reference documents low | medium | high but takes any string, and engines take more (minimal,
// none, xhigh): written as is and forwarded as written; effort-check.ts warns on an unknown one.
const effort = z.string().min(1, 'reasoning effort must not be empty');

export const modelScoreSchema = z
  .object({
    model: z.string().min(1),
    score: z.number().gt(0, 'score must be > 0'),
    // The reference makes use_reasoning a required pointer: a missing value is a validation error.
    use_reasoning: yamlBool({ required_error: 'use_reasoning is required' }),
    reasoning_effort: effort.optional(),
    reasoning_description: z.string().optional(),
  })
  .passthrough();

export const categorySchema = z
  .object({
    name: z.string().min(1),
    description: z.string().optional(),
    mmlu_categories: z.array(z.string()).optional(),
    system_prompt: z.string().optional(),
    system_prompt_enabled: yamlBool().optional(),
    system_prompt_mode: z.enum(['replace', 'insert']).default('replace'),
    model_scores: z.array(modelScoreSchema).min(1, 'at least one model_scores entry is required'),
  })
  .passthrough();

const thresholdModel = z
  .object({
    model_id: z.string().optional(),
    threshold: z.number().min(0).max(1).optional(),
    use_modernbert: yamlBool().optional(),
    use_cpu: yamlBool().optional(),
    category_mapping_path: z.string().optional(),
    pii_mapping_path: z.string().optional(),
  })
  .passthrough();

export const classifierSchema = z
  .object({
    category_model: thresholdModel.optional(),
    pii_model: thresholdModel.optional(),
    mcp_category_model: z.object({}).passthrough().optional(),
  })
  .passthrough();

/** Which model packs to load (folders under `dir`), and which one routing classifies with. */
export const packsSchema = z
  .object({
    dir: z.string().default('models'),
    category: z.string().default('domain'),
    jailbreak: z.string().optional(),
    pii: z.string().optional(),
    embedding: z.string().optional(),
    /** More sequence packs to load for the classification API (e.g. "intent"). */
    extra: z.array(z.string()).default([]),
  })
  .strict();

export const routingSchema = z
  .object({
    /** false: no category pack is needed; auto names go to default_model. */
    enabled: yamlBool().default(true),
    auto_model_names: z.array(z.string().min(1)).min(1).default(['MoM', 'auto', 'vllm-sr/auto']),
    /** Owner shown for the auto names in /v1/models. */
    owned_by: z.string().default('semroute'),
    /**
     * How reasoning is switched for a routed request. entropy (the reference's): by the uncertainty of
     * the classifier's distribution (src/pipeline/entropy.ts); top_category: the selected model_scores
     * entry's use_reasoning, whatever the distribution.
     */
    reasoning_decision: z.enum(['entropy', 'top_category']).default('entropy'),
  })
  .strict();

export const upstreamSchema = z
  .object({
    /** Milliseconds until the upstream's response headers must arrive (else 504). */
    timeout_ms: z.number().int().positive().default(300_000),
    /** Milliseconds of upstream silence after the headers before the answer is abandoned (0 = off). */
    idle_timeout_ms: z.number().int().nonnegative().default(120_000),
    /** Milliseconds to open a connection before trying the next endpoint. */
    connect_timeout_ms: z.number().int().positive().default(5_000),
    /** How long an endpoint that refused a connection is skipped. */
    down_ms: z.number().int().nonnegative().default(5_000),
    keep_alive_connections: z.number().int().positive().default(256),
  })
  .strict();

/** What the vLLM Production Stack router proxies to its engines besides chat and models (peers.md 1.1). */
export const DEFAULT_PASSTHROUGH_PATHS = [
  '/v1/completions',
  '/v1/embeddings',
  '/v1/responses',
  '/v1/messages',
  '/v1/rerank',
  '/rerank',
  '/v1/score',
  '/score',
  '/tokenize',
  '/detokenize',
  '/v1/audio/transcriptions',
  '/v1/audio/translations',
  '/v1/audio/speech',
  '/v1/audio/voices',
  '/v1/images/generations',
  '/v1/images/edits',
  '/version',
] as const;

export const serverSchema = z
  .object({
    host: z.string().default('0.0.0.0'),
    port: z.number().int().min(0).max(65535).default(8801),
    max_body_bytes: z.number().int().positive().default(10 * 1024 * 1024),
    /**
     * On SIGTERM/SIGINT, how long requests in flight (SSE streams included) may take to finish
     * before their sockets are cut; 0 cuts them at once. Keep it below the pod's
     * terminationGracePeriodSeconds (35 s in k8s/base) minus the preStop wait (5 s).
     */
    drain_timeout_ms: z.number().int().nonnegative().default(25_000),
    /**
     * The listener's client timeouts (Node; the Worker has none). A request (head and body) must
     * arrive whole within request_timeout_ms (0: no limit) and its head within headers_timeout_ms,
     * else 408 and the socket closes; answers are not timed by them. An idle kept-alive connection
     * closes after keep_alive_timeout_ms: keep it above the idle timeout of a load balancer in front
     * (one that reuses a connection the gateway is closing gets a reset: a 502 to its client).
     */
    request_timeout_ms: z.number().int().nonnegative().default(300_000),
    headers_timeout_ms: z.number().int().positive().default(60_000),
    keep_alive_timeout_ms: z.number().int().positive().default(65_000),
    /**
     * Paths forwarded to the upstream unchanged (any method; body, query and content type as sent),
     * so clients of the Production Stack keep its other OpenAI endpoints. Exact paths; a path the
     * gateway serves itself (chat, models, health, ...) stays the gateway's. Others answer 404.
     */
    passthrough_paths: z
      // Plain segments only: `:` and `*` would be route patterns, not the path they spell. No empty,
      // '.' or '..' segment and no trailing slash: the engine resolves those to another path, which
      // the guard would not recognise (a listed /v1/completions/ would reach completions unguarded).
      .array(z.string().regex(/^(\/(?!\.\.?(?:\/|$))[A-Za-z0-9._~-]+)+$/, 'an exact absolute path (letters, digits, . _ ~ - /; no empty, . or .. segment, no trailing slash), e.g. /v1/completions'))
      .default([...DEFAULT_PASSTHROUGH_PATHS]),
    /** The gateway's CORS policy for browser apps; absent: none (a chat preflight goes to the engine). */
    cors: corsSection.optional(),
  })
  .strict();

export const apiSchema = z
  .object({
    batch_classification: z
      .object({
        // 0 or below is the default, as the reference reads it (`if MaxBatchSize > 0`, else 100): a
        // config written from a Go zero value loads there, so it must load here.
        max_batch_size: z
          .number()
          .int()
          .default(100)
          .transform((n) => (n > 0 ? n : 100)),
        // The reference's Go worker-pool knobs (0 or below: its defaults 5 and 8): accepted so its
        // config loads quietly; semroute classifies a batch's texts one after another on the event
        // loop, so they change nothing.
        concurrency_threshold: z.number().int().optional(),
        max_concurrency: z.number().int().optional(),
        metrics: z
          .object({
            /** Labels of batch_classification_duration_seconds (src/api/batch-metrics.ts). */
            batch_size_ranges: z
              .array(z.object({ min: z.number().int(), max: z.number().int(), label: z.string().min(1) }).strict())
              .optional(),
            /** Buckets of batch_classification_duration_seconds / _size_distribution (read at start-up). */
            duration_buckets: z.array(z.number().positive()).min(1).optional(),
            size_buckets: z.array(z.number().positive()).min(1).optional(),
            // Reference keys with no effect here: the batch metrics are always on and every batch is
            // timed (no sampling); there are no goroutines to track.
            enabled: yamlBool().optional(),
            detailed_goroutine_tracking: yamlBool().optional(),
            high_resolution_timing: yamlBool().optional(),
            sample_rate: z.number().min(0).max(1).optional(),
          })
          .passthrough()
          .optional(),
      })
      .passthrough()
      .default({}),
  })
  .passthrough();

export const configSchema = z
  .object({
    default_model: z.string().min(1),
    categories: z.array(categorySchema).default([]),
    vllm_endpoints: z.array(endpointSchema).default([]),
    model_config: z.record(modelConfigSchema).default({}),
    reasoning_families: z.record(reasoningFamilySchema).default({}),
    // Unset, the reference falls back to "medium" (its config.yaml writes high explicitly).
    default_reasoning_effort: effort.default('medium'),
    classifier: classifierSchema.default({}),
    // model_id / use_cpu name the reference's embedding model; semroute's is packs.embedding.
    bert_model: z.object({ model_id: z.string().optional(), threshold: z.number().optional(), use_cpu: yamlBool().optional() }).passthrough().optional(),
    tools: z.object({}).passthrough().optional(),
    api: apiSchema.default({}),
    clear_route_cache: yamlBool().default(false),
    // The reference's v0.1 router options: auto_model_name is routing.auto_model_names [name, "auto"]
    // unless those are written (reference-fallbacks.ts); include_config_models_in_list: false lists
    // only the auto names in GET /v1/models (unset: every configured model too, as the classic one).
    auto_model_name: z.string().min(1).optional(),
    include_config_models_in_list: yamlBool().optional(),
    prompt_guard: guardSection.optional(),
    semantic_cache: cacheSection.optional(),
    observability: observabilitySection.optional(),
    extproc: extprocSection.optional(),
    // semroute's own keys
    /** Header (or body key) the Production Stack router uses for session stickiness. */
    session_key: z.string().min(1).default('x-user-id'),
    device: z.enum(['auto', 'cpu', 'cuda']).default('auto'),
    packs: packsSchema.default({}),
    routing: routingSchema.default({}),
    upstream: upstreamSchema.default({}),
    server: serverSchema.default({}),
  })
  .passthrough();

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
export type Category = z.infer<typeof categorySchema>;
export type ModelScore = z.infer<typeof modelScoreSchema>;
