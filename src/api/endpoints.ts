// The gateway's HTTP endpoints with one line each: listed by GET /api/v1 (the reference's
// APIOverviewResponse: endpoints[{path, method, description}], task_types[{name, description}], links)
// and turned into GET /openapi.json.
import { GUARDED_ROUTES, MEDIA_ROUTES, PII_ONLY_ROUTES } from './passthrough-guard.ts';

export interface EndpointInfo {
  path: string;
  method: 'GET' | 'POST' | 'PUT';
  description: string;
}

const e = (method: EndpointInfo['method'], path: string, description: string): EndpointInfo => ({ path, method, description });

export const API_ENDPOINTS: readonly EndpointInfo[] = [
  e('POST', '/v1/chat/completions', 'OpenAI chat completions, routed'),
  e('GET', '/v1/models', 'OpenAI-compatible model listing (auto names, then configured models)'),
  e('GET', '/v1/models/{id}', 'One entry of the model listing, else the engine\'s own (OpenAI retrieve; 404 model_not_found)'),
  e('POST', '/api/v1/classify/intent', 'Classify a text into routing categories'),
  e('POST', '/api/v1/classify/pii', 'Detect personally identifiable information in a text'),
  e('POST', '/api/v1/classify/security', 'Detect jailbreak and prompt-injection attempts'),
  e('POST', '/api/v1/classify/combined', 'Intent, PII and security in one call'),
  e('POST', '/api/v1/classify/batch', 'Batch classification with task_type intent | pii | security | all'),
  e('GET', '/info/models', 'Loaded model packs and system information'),
  e('GET', '/info/classifier', 'Classifier capabilities, categories and PII types'),
  e('GET', '/health', 'Liveness'),
  e('GET', '/ready', 'Readiness (503 with the problems)'),
  e('GET', '/metrics', 'Prometheus metrics'),
  e('GET', '/api/v1', 'API discovery'),
  e('GET', '/openapi.json', 'OpenAPI 3.0 document of these endpoints'),
  e('GET', '/docs', 'Swagger UI'),
  // The reference's placeholders (501 in its classic API), kept so a client probing them gets its answer.
  e('GET', '/metrics/classification', 'Not implemented (501), as the reference; see GET /metrics'),
  e('GET', '/config/classification', 'Not implemented (501), as the reference'),
  e('PUT', '/config/classification', 'Not implemented (501), as the reference; edit config.yaml (it is reloaded)'),
];

// Passed-through paths a client reads with GET; the rest are listed as POST (any method is forwarded).
const GET_PASSTHROUGH = new Set(['/version', '/v1/audio/voices']);

/** server.passthrough_paths as endpoints (the ones the gateway serves itself are not passed through). */
export function passthroughEndpoints(paths: readonly string[]): EndpointInfo[] {
  const own = new Set(API_ENDPOINTS.map((x) => x.path));
  return [...new Set(paths)]
    .filter((p) => !own.has(p))
    .map((p) =>
      e(
        GET_PASSTHROUGH.has(p) ? 'GET' : 'POST',
        p,
        GUARDED_ROUTES.has(p)
          ? 'Passed through to vllm_endpoints as sent (server.passthrough_paths); texts read by the jailbreak guard and pii_policy'
          : PII_ONLY_ROUTES.has(p)
            ? 'Passed through to vllm_endpoints as sent (server.passthrough_paths); texts read by pii_policy'
            : MEDIA_ROUTES.has(p)
              ? 'Passed through to vllm_endpoints as sent (server.passthrough_paths); refused for a model whose pii_policy restricts (no guard reads audio or images)'
              : 'Passed through to vllm_endpoints as sent (server.passthrough_paths)',
      ),
    );
}

/** What this gateway serves under `config`: its own endpoints (GET /metrics only while
 *  observability.metrics.enabled is not false: it answers 404 then), then server.passthrough_paths. */
export function servedEndpoints(config: { observability?: { metrics: { enabled?: boolean } }; server: { passthrough_paths: readonly string[] } }): {
  own: EndpointInfo[];
  passthrough: EndpointInfo[];
} {
  const metricsOff = config.observability?.metrics.enabled === false;
  return {
    own: metricsOff ? API_ENDPOINTS.filter((x) => x.path !== '/metrics') : [...API_ENDPOINTS],
    passthrough: passthroughEndpoints(config.server.passthrough_paths),
  };
}

/** Paths answered 501 NOT_IMPLEMENTED, as the reference's placeholders. */
export const NOT_IMPLEMENTED = API_ENDPOINTS.filter((x) => x.description.startsWith('Not implemented'));

/** task_type values of /api/v1/classify/batch, described as the reference's taskTypeRegistry. */
export const TASK_TYPES = [
  { name: 'intent', description: 'Intent/category classification (default for the batch endpoint)' },
  { name: 'pii', description: 'Personally identifiable information detection' },
  { name: 'security', description: 'Jailbreak and security threat detection' },
  { name: 'all', description: 'All classification types combined' },
] as const;

export const API_LINKS = {
  openapi_spec: '/openapi.json',
  swagger_ui: '/docs',
  models_info: '/info/models',
  health: '/health',
} as const;
