// Builds AppDeps inside a Worker isolate: config from SEMROUTE_CONFIG (YAML) or the bundled default,
// packs from static assets or R2 through onnxruntime-web, the fetch upstream client, the semantic
// cache (in-isolate, shared through a Durable Object when configured: cache.ts). Called once per isolate by index.ts (Workers allow no I/O at module scope).
import type { AppDeps } from '../../src/deps.ts';
import type { InferenceEngine, ModelSource } from '../../src/classify/types.ts';
import type { Logger } from '../../src/observability/types.ts';
import type { Config } from '../../src/config/schema.ts';
import { loadConfigText, loadDefaultConfig, type LoadedConfig } from '../../src/config/index.ts';
import { loadConfiguredClassifiers, reportMissingCategoryPack } from '../../src/load-classifiers.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { systemClock } from '../../src/observability/clock.ts';
import { waitUntil } from 'cloudflare:workers';
import { createWorkerCache } from './cache.ts';
import type { WebPreference } from './ort-web-engine.ts';
import { createAssetSource, createR2Source, type AssetFetcher, type R2BucketLike } from './asset-source.ts';
import { createFetchUpstreamClient, MAX_WORKER_ANSWER_BYTES, type FetchFn } from './upstream-fetch.ts';
import { createWorkerLogger, envLogLevel } from './logger.ts';

/** The bindings and variables wrangler.jsonc declares (all optional: the defaults serve). */
export interface WorkerEnv {
  /** Whole config as YAML; the bundled default when unset. */
  SEMROUTE_CONFIG?: string;
  /** "https://host[:port]": every vllm_endpoints entry is pointed here (dev, one-upstream setups). */
  SEMROUTE_UPSTREAM?: string;
  /** Where packs come from: "assets" (default) or "r2" (needs MODELS_R2). */
  SEMROUTE_PACKS_SOURCE?: string;
  /** Key prefix of the packs inside the assets or the bucket (default: none). */
  SEMROUTE_PACKS_PREFIX?: string;
  /** auto (WebGPU where navigator.gpu exists, else WASM) | wasm | webgpu. */
  SEMROUTE_EP?: string;
  /** Overrides observability.logging.level, as on Node (logger.ts envLogLevel). */
  LOG_LEVEL?: string;
  ASSETS?: AssetFetcher;
  MODELS_R2?: R2BucketLike;
  /** Optional service binding used instead of public fetch to reach the upstream. */
  UPSTREAM?: { fetch: FetchFn };
  /**
   * Durable Object namespace of SemanticCacheStore for `semantic_cache.backend_type: durable_object`
   * (the binding name is semantic_cache.durable_object.binding; this is its default).
   */
  SEMROUTE_CACHE?: unknown;
}

export const WORKER_VERSION = '0.1.0';

export function workerConfig(env: WorkerEnv): LoadedConfig {
  const loaded = env.SEMROUTE_CONFIG ? loadConfigText(env.SEMROUTE_CONFIG, 'SEMROUTE_CONFIG') : loadDefaultConfig();
  if (env.SEMROUTE_UPSTREAM) {
    const u = new URL(env.SEMROUTE_UPSTREAM);
    const scheme = u.protocol === 'https:' ? 'https' : 'http';
    const port = Number(u.port || (scheme === 'https' ? 443 : 80));
    const host = u.hostname.replace(/^\[|\]$/g, '');
    loaded.config.vllm_endpoints = loaded.config.vllm_endpoints.map((e) => ({ ...e, address: host, port, scheme }));
  }
  return loaded;
}

/**
 * Settings of a config moved from a Node pod that a Worker cannot honour, each with why. The Worker
 * serves without them; saying so at start-up is how an operator learns why there are no traces.
 */
export function ignoredOnWorker(config: Config): Array<{ setting: string; why: string }> {
  const out: Array<{ setting: string; why: string }> = [];
  if (config.observability?.tracing.enabled) out.push({ setting: 'observability.tracing.enabled', why: 'no OpenTelemetry exporter runs in a Worker: no spans are sent, and the client\'s traceparent goes upstream as it came' });
  if (config.observability?.metrics.port !== undefined) out.push({ setting: 'observability.metrics.port', why: 'a Worker has no second port: GET /metrics on the Worker\'s own URL serves the metrics' });
  if (config.extproc?.enabled) out.push({ setting: 'extproc.enabled', why: 'a Worker serves HTTP only: Envoy cannot call it over ext_proc gRPC' });
  config.vllm_endpoints.forEach((e, i) => {
    if (e.tls) out.push({ setting: `vllm_endpoints[${i}].tls`, why: 'a Worker\'s fetch checks certificates against the public roots only: no ca_file, no insecure_skip_verify' });
  });
  if (config.device === 'cuda') out.push({ setting: 'device', why: 'a Worker runs the packs on onnxruntime-web (WASM, or WebGPU where navigator.gpu exists; SEMROUTE_EP picks)' });
  return out;
}

export function packSource(env: WorkerEnv): ModelSource {
  const prefix = env.SEMROUTE_PACKS_PREFIX ?? '';
  if (env.SEMROUTE_PACKS_SOURCE === 'r2') {
    if (!env.MODELS_R2) throw new Error('SEMROUTE_PACKS_SOURCE is "r2" but no MODELS_R2 bucket is bound');
    return createR2Source(env.MODELS_R2, prefix);
  }
  if (!env.ASSETS) throw new Error('no ASSETS binding: wrangler.jsonc must declare assets with binding "ASSETS"');
  return createAssetSource(env.ASSETS, prefix);
}

export async function buildWorkerDeps(env: WorkerEnv, engineFactory: (prefer: WebPreference, logger: Logger) => InferenceEngine): Promise<AppDeps> {
  const { config, warnings } = workerConfig(env);
  const logger = createWorkerLogger(config, { base: { runtime: 'worker' }, level: envLogLevel(env.LOG_LEVEL) });
  for (const w of warnings) logger.warn({ warning: w }, 'config warning');
  for (const i of ignoredOnWorker(config)) logger.warn(i, 'config setting has no effect on the Worker');
  const metrics = createMetrics({ config });
  const prefer = (['auto', 'wasm', 'webgpu'].includes(env.SEMROUTE_EP ?? '') ? env.SEMROUTE_EP : 'auto') as WebPreference;
  const classifiers = await loadConfiguredClassifiers(config, packSource(env), engineFactory(prefer, logger), logger);
  reportMissingCategoryPack(config, classifiers, logger);
  const upstream = env.UPSTREAM
    ? createFetchUpstreamClient((r) => env.UPSTREAM!.fetch(r))
    : createFetchUpstreamClient(undefined, MAX_WORKER_ANSWER_BYTES, config.upstream.connect_timeout_ms);
  const cache = await createWorkerCache(config, { bindings: env as Record<string, unknown>, logger, metrics, waitUntil });
  return {
    config,
    classifiers,
    upstream,
    cache,
    metrics,
    logger,
    clock: systemClock,
    runtime: { name: 'worker', version: WORKER_VERSION },
    // The cache store that runs when a streamed answer ends must outlive the response.
    waitUntil,
  };
}
