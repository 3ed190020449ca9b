// `semantic_cache` section (the vLLM Semantic Router's keys, plus per-category thresholds, scope and
// Redis). Owned by the cache work; the root schema composes it.
import { z } from 'zod';
import { yamlBool } from '../yaml-bool.ts';

const unit = z.number().min(0).max(1);

/** semantic_cache.max_entries: 0 as loaded: no entry limit. */
export const NO_ENTRY_LIMIT = Number.MAX_SAFE_INTEGER;

export const REDIS_URL_EXPECTED = 'a redis:// or rediss:// URL (or a unix socket path)';

/** What ioredis connects to: a redis: / rediss: URL with a host, or an absolute unix socket path. */
export function isRedisUrl(s: string): boolean {
  if (s.startsWith('/')) return true;
  try {
    const u = new URL(s);
    return (u.protocol === 'redis:' || u.protocol === 'rediss:') && u.hostname !== '';
  } catch {
    return false;
  }
}

export const cacheSection = z
  .object({
    enabled: yamlBool().default(false),
    /**
     * memory: this process/isolate only. redis: shared across Node pods (redis below).
     * durable_object: shared across Worker isolates through a Durable Object binding (durable_object
     * below; Workers only; the Node runtime serves it from memory).
     */
    backend_type: z.enum(['memory', 'redis', 'durable_object']).default('memory'),
    /** Cosine similarity a stored question must reach to be served (reference default 0.8; unset: bert_model.threshold, as the reference). */
    similarity_threshold: unit.default(0.8),
    /**
     * Per-category thresholds, applied to the category the stored answer was routed to (the request
     * being looked up is not classified yet: lookup runs before routing). Unlisted: similarity_threshold.
     */
    category_thresholds: z.record(z.string(), unit).default({}),
    /** 0 = no expiry. */
    ttl_seconds: z.number().int().min(0).default(3600),
    /**
     * 0 = no entry limit, as in the reference (its validator refuses only negatives; its cache evicts
     * only `if maxEntries > 0`), held as the largest safe integer so every backend's `>= max` reads
     * it; max_memory_mb still bounds the cache (both 0 is refused below).
     */
    max_entries: z
      .number()
      .int()
      .min(0)
      .default(1000)
      .transform((n) => (n === 0 ? NO_ENTRY_LIMIT : n)),
    /**
     * Bound on the entries' estimated memory (MiB; 0 = entries only). A streamed answer is kept as its
     * recorded events (~0.5 MB for 2,000 tokens), so max_entries alone let long answers outgrow the pod.
     */
    max_memory_mb: z.number().min(0).default(256),
    eviction_policy: z.enum(['fifo', 'lru', 'lfu']).default('fifo'),
    /** global: every client shares; user: partitioned by the session header (no header, no caching). */
    scope: z.enum(['global', 'user']).default('global'),
    /** Header naming the user under scope: user (the partition is its value with a digest of the request's credentials, so a forged id finds only the forger's own entries); default: the root session_key (x-user-id). */
    session_header: z.string().min(1).optional(),
    /**
     * Serve a hit only to credentials (Authorization, x-api-key, api-key) the upstream accepted in
     * the last 15 minutes on this pod: a hit never reaches the engine that checks the keys. false:
     * any client is served (the reference), for when a proxy in front checks them.
     */
    verify_credentials: yamlBool().default(true),
    /** Also serve/store requests with temperature > 0 (the reference does). */
    cache_non_deterministic: yamlBool().default(true),
    /**
     * Partition by everything before the latest user message (system prompt, earlier turns, tools,
     * response_format), so "yes, go on" in two conversations never shares an answer.
     */
    match_context: yamlBool().default(true),
    /**
     * Do not store the answer to a request whose texts carry any of these PII types (the PII pack's
     * names), whatever the model's pii_policy: the next user with a close enough question would be
     * served it. The default is the identifiers that reach one person; names, places, dates and
     * organisations are left out, since ordinary questions are full of them (PERSON in 59% of a
     * sample of our intent training rows: word problems, history). No PII pack, or texts over the
     * PII scan budget: not stored either. []: the reference's behaviour (stored unless the PII
     * policy scanned the request and found PII).
     */
    skip_pii_types: z
      .array(z.string().min(1))
      .default(['EMAIL_ADDRESS', 'PHONE_NUMBER', 'CREDIT_CARD', 'US_SSN', 'IBAN_CODE', 'IP_ADDRESS', 'US_DRIVER_LICENSE', 'STREET_ADDRESS']),
    // The reference's vector-store keys (backend_config_path: milvus.yaml; v0.1's HNSW index,
    // hybrid backend size and embedding model choice): accepted so its config loads quietly. The
    // in-memory index searches exactly (no HNSW) and embeds with packs.embedding.
    backend_config_path: z.string().optional(),
    use_hnsw: yamlBool().optional(),
    hnsw_m: z.number().int().positive().optional(),
    hnsw_ef_construction: z.number().int().positive().optional(),
    max_memory_entries: z.number().int().positive().optional(),
    embedding_model: z.string().optional(),
    /** Embedding dimensions when the embedder cannot tell (it normally does). */
    dimensions: z.number().int().positive().default(256),
    redis: z
      .object({
        // Checked here: ioredis threw a TypeError stack at start-up for a string that is no URL.
        url: z.string().refine(isRedisUrl, REDIS_URL_EXPECTED).default('redis://127.0.0.1:6379'),
        /**
         * Name of an environment variable holding the URL (password included), e.g. set from a
         * Kubernetes Secret; when given it replaces `url`, and an unset variable is an error.
         */
        url_env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name').optional(),
        key_prefix: z.string().default('semroute:cache:'),
        /** How long start-up waits for Redis before serving local-only (it keeps reconnecting). */
        connect_timeout_ms: z.number().int().positive().default(2000),
      })
      .default({}),
    durable_object: z
      .object({
        /** Durable Object namespace binding (wrangler.jsonc durable_objects.bindings[].name). */
        binding: z.string().min(1).default('SEMROUTE_CACHE'),
        /** Name of the object holding the entries: isolates using the same name share answers. */
        object_name: z.string().min(1).default('semantic-cache'),
        /** An isolate pulls other isolates' changes at most this often, on the back of a request. */
        poll_interval_ms: z.number().int().min(0).default(1000),
        /** How long isolate start-up waits for the first load before serving local-only. */
        load_timeout_ms: z.number().int().positive().default(2000),
      })
      .default({}),
  })
  .passthrough()
  .superRefine((c, ctx) => {
    if (c.enabled && c.max_entries === NO_ENTRY_LIMIT && c.max_memory_mb === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['max_entries'],
        message: 'max_entries: 0 (no entry limit) with max_memory_mb: 0 (no memory bound) leaves nothing bounding the cache: set one of them',
      });
    }
  });

export type CacheConfig = z.infer<typeof cacheSection>;
