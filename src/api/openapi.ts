// GET /openapi.json and GET /docs, as the reference's classification API serves them (vsr.md 2.5): an
// OpenAPI 3.0 document built from the endpoint list of GET /api/v1, and a Swagger UI page reading it.
import type { Hono } from 'hono';
import type { AppDeps } from '../deps.ts';
import { API_ENDPOINTS } from './ops.ts';

const SUMMARIES: Record<string, string> = {
  '/v1/chat/completions': 'OpenAI chat completions, routed',
  '/v1/models': 'OpenAI-compatible model listing (auto names, then configured models)',
  '/api/v1/classify/intent': 'Classify a text into routing categories',
  '/api/v1/classify/pii': 'Detect personally identifiable information in a text',
  '/api/v1/classify/security': 'Detect jailbreak and prompt-injection attempts',
  '/api/v1/classify/combined': 'Intent, PII and security in one call',
  '/api/v1/classify/batch': 'Batch classification with task_type intent | pii | security | all',
  '/info/models': 'Loaded model packs and system information',
  '/info/classifier': 'Classifier capabilities, categories and PII types',
  '/health': 'Liveness',
  '/ready': 'Readiness (503 with the problems)',
  '/metrics': 'Prometheus metrics',
  '/api/v1': 'API discovery',
  '/openapi.json': 'This document',
  '/docs': 'Swagger UI',
};

const json = (schema: Record<string, unknown>) => ({ 'application/json': { schema } });
/** The reference's error body; semroute adds OpenAI's type beside code/message/timestamp. */
const ERROR = json({
  type: 'object',
  properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' }, type: { type: 'string' }, timestamp: { type: 'string' } } } },
});

export function openApiDocument(version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const entry of API_ENDPOINTS) {
    const [method, path] = entry.split(' ') as [string, string];
    const op: Record<string, unknown> = {
      summary: SUMMARIES[path] ?? path,
      operationId: `${method}_${path}`,
      responses: { 200: { description: 'Successful response' }, 400: { description: 'Bad request', content: ERROR } },
    };
    if (method === 'POST') op.requestBody = { required: true, content: json({ type: 'object' }) };
    (paths[path] ??= {})[method.toLowerCase()] = op;
  }
  return {
    openapi: '3.0.0',
    info: { title: 'semroute API', description: 'Semantic router: OpenAI chat routing and the classification API', version },
    servers: [{ url: '/', description: 'this gateway' }],
    paths,
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
  const doc = openApiDocument(deps.runtime.version ?? '0.1.0');
  app.get('/openapi.json', (c) => c.json(doc));
  app.get('/docs', (c) => c.html(DOCS_HTML));
}
