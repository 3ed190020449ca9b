// GET /openapi.json and GET /docs, as the reference's classification API serves them (vsr.md 2.5): an
// OpenAPI 3.0 document built from the endpoint list of GET /api/v1, and a Swagger UI page reading it.
import type { Hono } from 'hono';
import type { AppDeps } from '../deps.ts';
import { NOT_IMPLEMENTED, servedEndpoints, type EndpointInfo } from './endpoints.ts';
import { ANSWERS, REQUEST_BODIES, SCHEMAS } from './openapi-schemas.ts';

const json = (schema: Record<string, unknown>) => ({ 'application/json': { schema } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

const error = (description: string) => ({ description, content: json(ref('Error')) });
const OK = { 200: { description: 'Successful response' } };
const CHAT = {
  200: { description: 'The upstream answer: a chat.completion, or SSE chunks when streaming; also the blocked and cached answers (HTTP 200, as the reference)' },
  400: error('Malformed JSON or fields'),
  404: error('Unknown path, or the upstream does not serve the model'),
  405: error('Another method on this path (Allow names the right one)'),
  413: error('Body over server.max_body_bytes, or more text than the guard scan budget'),
  415: error('Not JSON, or a compressed body'),
  502: error('No upstream reachable, or its answer ended early'),
  503: error('Guard unavailable with prompt_guard.on_error: block'),
  504: error('The upstream did not answer within upstream.timeout_ms (or went idle)'),
};
const CLASSIFY = {
  ...OK,
  400: error('INVALID_INPUT: missing or empty text, bad options, unknown pack'),
  405: error('Another method on this path'),
  413: error('TEXT_TOO_LONG: more text than the scan budget, or a body over the limit'),
  415: error('Not JSON'),
  500: error('UNIFIED_CLASSIFICATION_ERROR'),
  503: error('UNIFIED_CLASSIFIER_UNAVAILABLE: the pack the task needs is not loaded (GET /ready names it)'),
};
/** Statuses per operation (the ones the gateway answers; 404 and 405 for wrong paths and methods apply everywhere). */
const RESPONSES: Record<string, Record<number, unknown>> = {
  'POST /v1/chat/completions': CHAT,
  'POST /api/v1/classify/intent': CLASSIFY,
  'POST /api/v1/classify/pii': CLASSIFY,
  'POST /api/v1/classify/security': CLASSIFY,
  'POST /api/v1/classify/combined': CLASSIFY,
  'POST /api/v1/classify/batch': { ...CLASSIFY, 400: error('INVALID_INPUT (more than api.batch_classification.max_batch_size texts) or INVALID_TASK_TYPE') },
  'GET /ready': { ...OK, 503: { description: 'Not ready: the problems (a pack missing, draining)', content: json(ref('Ready')) } },
  'GET /v1/models/{id}': { ...OK, 404: error("model_not_found: not in GET /v1/models, nor in the engine's list"), 502: error('upstream_unavailable: the engine, asked for an id not listed here, could not be reached') },
  ...Object.fromEntries(NOT_IMPLEMENTED.map((x) => [`${x.method} ${x.path}`, { 501: error('NOT_IMPLEMENTED') }])),
};

// What the gateway answers itself on a passed-through route; any other status is the upstream's.
const PASSTHROUGH = {
  200: { description: "The upstream's answer, as it sent it (JSON, SSE or bytes)" },
  400: error('auto_model_not_routed; on the guarded routes jailbreak_detected, pii_policy_denied, unscannable_prompt, invalid_json'),
  413: error('A body over server.max_body_bytes'),
  502: error('No upstream reachable'),
  504: error('The upstream did not answer within upstream.timeout_ms (or went idle)'),
};

export function openApiDocument(version: string, served: { own: readonly EndpointInfo[]; passthrough: readonly EndpointInfo[] }): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const { method, path, description } of served.own) {
    const entry = `${method} ${path}`;
    const responses: Record<number, unknown> = { ...(RESPONSES[entry] ?? OK) };
    if (ANSWERS[entry]) responses[200] = { description: 'Successful response', content: json(ref(ANSWERS[entry])) };
    const op: Record<string, unknown> = { summary: description, operationId: `${method}_${path}`, responses };
    if (method === 'POST') op.requestBody = { required: true, content: json(REQUEST_BODIES[entry] ? ref(REQUEST_BODIES[entry]) : { type: 'object' }) };
    const params = [...path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    if (params.length) op.parameters = params;
    (paths[path] ??= {})[method.toLowerCase()] = op;
  }
  // After the gateway's own: passthroughEndpoints leaves out the paths the gateway serves itself.
  for (const { method, path, description } of served.passthrough) {
    (paths[path] ??= {})[method.toLowerCase()] = { summary: description, operationId: `${method}_${path}`, responses: PASSTHROUGH };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'semroute API', description: 'Semantic router: OpenAI chat routing and the classification API', version },
    servers: [{ url: '/', description: 'this gateway' }],
    paths,
    components: { schemas: SCHEMAS },
  };
}

// Swagger UI from the CDN, the way the reference's /docs loads it (the browser fetches it, not the gateway).
const DOCS_HTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8"><meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>semroute API documentation</title>
<link rel="stylesheet" href="https://unpkg.com/swagger-ui-dist@5.11.0/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="https://unpkg.com/swagger-ui-dist@5.11.0/swagger-ui-bundle.js"></script>
<script>window.onload = function () { window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true }); };</script>
</body>
</html>
`;

export function registerOpenApi(app: Hono, deps: AppDeps): void {
  const doc = openApiDocument(deps.runtime.version ?? '0.1.0', servedEndpoints(deps.config));
  app.get('/openapi.json', (c) => c.json(doc));
  app.get('/docs', (c) => c.html(DOCS_HTML));
}
