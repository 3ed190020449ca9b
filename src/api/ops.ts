// Operations surface: /health, /ready, /metrics, /info/models, /info/classifier, /api/v1.
import type { Hono } from 'hono';
import type { AppDeps } from '../deps.ts';
import { buildClassifierInfo, buildModelsInfo } from '../observability/model-info.ts';
import { PROMETHEUS_CONTENT_TYPE } from '../observability/metrics.ts';
import { API_LINKS, TASK_TYPES, servedEndpoints } from './endpoints.ts';
import { DEFAULT_EMBEDDING_PACK, DEFAULT_PII_PACK, packsToLoad } from '../config/packs.ts';
import { guardSettings } from '../guard/settings.ts';
import type { Config } from '../config/schema.ts';

/** Why the gateway cannot serve yet; empty when ready. */
export function readinessProblems(deps: AppDeps): string[] {
  const problems: string[] = [];
  const { config, classifiers } = deps;
  if (deps.draining?.()) problems.push('draining: shutting down, finishing requests in flight');
  if (config.routing.enabled && !classifiers.sequence(config.packs.category)) problems.push(`category pack "${config.packs.category}" is not loaded`);
  if (config.vllm_endpoints.length === 0) problems.push('no vllm_endpoints configured');
  return problems;
}

export function registerOps(app: Hono, deps: AppDeps): void {
  app.get('/health', (c) => c.json({ status: 'healthy', service: 'semroute' }));

  app.get('/ready', (c) => {
    const problems = readinessProblems(deps);
    return c.json(problems.length ? { status: 'not_ready', problems } : { status: 'ready' }, problems.length ? 503 : 200);
  });

  // observability.metrics.enabled: false (the reference's switch) takes the endpoint away: 404.
  if (deps.config.observability?.metrics.enabled !== false) {
    app.get('/metrics', () => new Response(deps.metrics.render(), { headers: { 'content-type': PROMETHEUS_CONTENT_TYPE } }));
  }

  const served = servedEndpoints(deps.config);
  app.get('/api/v1', (c) =>
    c.json({
      service: 'semroute',
      version: deps.runtime.version ?? '0.1.0',
      description: 'Semantic router for OpenAI-compatible LLM traffic: classification API',
      endpoints: [...served.own, ...served.passthrough],
      task_types: TASK_TYPES,
      links: API_LINKS,
    }),
  );

  app.get('/info/models', (c) => {
    const info = buildModelsInfo(deps.classifiers, deps.runtime) as { models: Array<Record<string, unknown>> };
    return c.json({ ...info, models: [...info.models, ...missingPacks(deps.config, info.models)] });
  });

  // The capability names the pack /classify/security reads, which a reference config names nowhere.
  app.get('/info/classifier', (c) => c.json(buildClassifierInfo(deps.config, deps.classifiers, guardSettings(deps.config).jailbreakPack)));
}

/**
 * Packs the config asks for that did not load, as the reference lists a model it could not initialise:
 * loaded false (its documentation: "Model failed to load or is not initialized"). Before, such a pack
 * was simply absent, and a dashboard reading /info/models could not tell it from one never configured.
 */
function missingPacks(config: Config, listed: Array<Record<string, unknown>>): Array<Record<string, unknown>> {
  const have = new Set(listed.map((m) => m.name));
  // The stages' own defaults: a reference config names no packs.pii / packs.embedding, yet needs both.
  const pii = config.packs.pii ?? DEFAULT_PII_PACK;
  const embedding = config.packs.embedding ?? DEFAULT_EMBEDDING_PACK;
  const typeOf = (name: string) => (name === pii ? 'token_classification' : name === embedding ? 'embedding' : 'sequence_classification');
  return Object.keys(packsToLoad(config))
    .filter((name) => !have.has(name))
    .map((name) => ({ name, type: typeOf(name), loaded: false, metadata: { status: 'not_loaded' } }));
}
