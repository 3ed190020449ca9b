// Bodies of GET /info/models and GET /info/classifier (vsr.md 2.5 shapes, plus what semroute adds:
// pack sizes, execution providers in use, load times, memory) and the matching pack gauges.
import type { Classifiers, PackInfo } from '../classify/types.ts';
import type { Config } from '../config/schema.ts';
import type { RuntimeInfo } from '../deps.ts';
import type { Metrics } from './types.ts';

export interface MemoryInfo {
  rss_bytes?: number;
  heap_used_bytes?: number;
}

/** Process memory where the runtime exposes it (Node; Workers with nodejs_compat may stub it). */
export function processMemory(): MemoryInfo | undefined {
  const proc = (globalThis as { process?: { memoryUsage?: () => { rss?: number; heapUsed?: number } } }).process;
  try {
    const m = proc?.memoryUsage?.();
    if (!m) return undefined;
    return { rss_bytes: m.rss, heap_used_bytes: m.heapUsed };
  } catch {
    return undefined;
  }
}

/** The reference's system.architecture and system.os (Go's GOARCH/GOOS); 'unknown' where the runtime hides them. */
export function processPlatform(): { architecture: string; os: string } {
  const proc = (globalThis as { process?: { arch?: unknown; platform?: unknown } }).process;
  const str = (v: unknown) => (typeof v === 'string' && v ? v : 'unknown');
  try {
    return { architecture: str(proc?.arch), os: str(proc?.platform) };
  } catch {
    return { architecture: 'unknown', os: 'unknown' };
  }
}

const TASK_TYPE: Record<string, string> = {
  'sequence-classification': 'sequence_classification',
  'token-classification': 'token_classification',
  embedding: 'embedding',
};

export function buildModelsInfo(
  classifiers: Classifiers,
  runtime: RuntimeInfo,
  memory: MemoryInfo | undefined = processMemory(),
): Record<string, unknown> {
  const packs = safeInfo(classifiers);
  const providers = [...new Set(packs.map((p) => p.provider))].sort();
  return {
    models: packs.map((p) => ({
      name: p.name,
      type: TASK_TYPE[p.task] ?? p.task,
      loaded: true,
      model_path: p.path,
      categories: p.task === 'embedding' ? [] : [...p.labels],
      provider: p.provider,
      ...(p.providerReason ? { provider_reason: p.providerReason } : {}),
      engine: p.engine,
      size_bytes: p.sizeBytes,
      load_time_ms: Math.round(p.loadTimeMs * 1000) / 1000,
      load_time: `${Math.round(p.loadTimeMs)}ms`,
      // The reference reports per-model memory; for an ONNX session the weights dominate, so the size is the estimate.
      memory_usage: megabytes(p.sizeBytes),
      metadata: stringValues({ mapping_path: p.mappingPath, model_type: p.featurizer, threshold: p.threshold === undefined ? undefined : p.threshold.toFixed(2), max_length: p.maxLength }),
    })),
    system: {
      runtime: runtime.name,
      runtime_version: runtime.version,
      ...processPlatform(),
      providers,
      gpu_available: providers.some((p) => p === 'cuda' || p === 'webgpu'),
      memory_usage: memory?.rss_bytes === undefined ? undefined : megabytes(memory.rss_bytes),
      rss_bytes: memory?.rss_bytes,
      heap_used_bytes: memory?.heap_used_bytes,
      models_size_bytes: packs.reduce((a, p) => a + (p.sizeBytes || 0), 0),
    },
  };
}

// The reference's ModelInfo.Metadata is map[string]string and its memory_usage fields are strings
// ("%.2f MB"): a typed client cannot decode a number there. Byte counts stay numeric in *_bytes fields.
const megabytes = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(2)} MB`;

function stringValues(o: Record<string, string | number | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined && v !== '') out[k] = String(v);
  return out;
}

/** `jailbreakPack`: the pack /api/v1/classify/security reads (the guard's: prompt_guard.pack, packs.jailbreak, else "jailbreak"). */
export function buildClassifierInfo(config: Config, classifiers: Classifiers, jailbreakPack?: string): Record<string, unknown> {
  const cfg = config as Record<string, any>;
  const packs = safeInfo(classifiers);
  const names = { ...(cfg.packs ?? {}), jailbreak: jailbreakPack ?? cfg.packs?.jailbreak };
  const has = (name: unknown) => typeof name === 'string' && packs.some((p) => p.name === name);
  const capabilities: string[] = [];
  if (has(names.category) || packs.some((p) => p.task === 'sequence-classification' && p.name !== names.jailbreak)) {
    capabilities.push('intent_classification');
  }
  const pii = safe(() => classifiers.pii());
  if (pii) capabilities.push('pii_detection');
  if (has(names.jailbreak)) capabilities.push('security_detection');
  if (safe(() => classifiers.embedder())) capabilities.push('similarity_matching');

  const categoryPack = packs.find((p) => p.name === names.category);
  const threshold = cfg.classifier?.category_model?.threshold ?? categoryPack?.threshold;
  const categories = (Array.isArray(cfg.categories) ? cfg.categories : []).map((c: any) => ({
    name: c?.name,
    description: typeof c?.description === 'string' ? c.description : '',
    reasoning_enabled: c?.model_scores?.[0]?.use_reasoning === true,
    threshold,
  }));
  return {
    status: packs.length ? 'ready' : 'no_models_loaded',
    capabilities,
    categories,
    pii_types: pii ? [...pii.types] : [],
    packs: packs.map((p) => ({ name: p.name, task: p.task, provider: p.provider, engine: p.engine })),
  };
}

const PACK_GAUGES = ['llm_classifier_pack_info', 'llm_classifier_pack_size_bytes', 'llm_classifier_pack_load_seconds'];

/**
 * Pack gauges for dashboards: llm_classifier_pack_{info,size_bytes,load_seconds}. Call after loading;
 * each call replaces what the one before recorded, so after a config reload that loaded other packs
 * (or the same ones on another provider) a scrape shows only the packs that serve now.
 */
export function recordPackMetrics(metrics: Metrics, classifiers: Classifiers): void {
  const packs = safeInfo(classifiers);
  // Cleared and set in one synchronous run: no scrape can see the gauges empty.
  for (const name of PACK_GAUGES) metrics.clear?.(name);
  for (const p of packs) {
    metrics.set('llm_classifier_pack_info', { pack: p.name, task: p.task, provider: p.provider, engine: p.engine }, 1);
    metrics.set('llm_classifier_pack_size_bytes', { pack: p.name }, p.sizeBytes);
    metrics.set('llm_classifier_pack_load_seconds', { pack: p.name }, p.loadTimeMs / 1000);
  }
}

function safeInfo(classifiers: Classifiers): PackInfo[] {
  return safe(() => classifiers.info()) ?? [];
}

function safe<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}
