// Drop-in checks against the vLLM Semantic Router's documented behaviour (../shared/reference/vsr.md),
// with a config written in the reference's own shape (test/fixtures/vsr-classic-config.yaml), over
// real sockets: defaults a reference config leaves unset, and the API shapes its clients decode.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { validateConfig } from '../../src/config/index.ts';
import type { Config } from '../../src/config/schema.ts';
import { realClassifiers, startGateway, type Gateway } from './gateway-harness.ts';

const FIXTURE = readFileSync(new URL('../fixtures/vsr-classic-config.yaml', import.meta.url), 'utf8');
const MATH = 'Solve the quadratic equation x^2 + 5x + 6 = 0 and explain the steps.';

/** The reference-shaped config pointed at the mock, after `edit` changed the parsed document. */
function referenceConfig(port: number, edit: (doc: Record<string, any>) => void = () => {}): Config {
  const doc = parse(FIXTURE) as Record<string, any>;
  doc.vllm_endpoints[0].port = port;
  edit(doc);
  return validateConfig(doc, 'vsr-classic-config.yaml').config;
}

const chat = (gw: Gateway, body: Record<string, unknown>) =>
  fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** A gateway started before the describe block's tests and closed after them (beforeAll fills its fields in). */
function gatewayFor(opts: () => Promise<Parameters<typeof startGateway>[0]>): Gateway {
  const gw = {} as Gateway;
  beforeAll(async () => {
    Object.assign(gw, await startGateway(await opts()));
  });
  afterAll(() => gw.close?.());
  return gw;
}

describe('default_reasoning_effort left unset (vsr.md 1.1: model_score.reasoning_effort -> default_reasoning_effort -> "medium")', () => {
  const gw = gatewayFor(async () => ({
      classifiers: await realClassifiers(),
      config: (port) =>
        referenceConfig(port, (doc) => {
          delete doc.default_reasoning_effort;
          doc.categories[0].model_scores = [{ model: 'gpt-oss-20b', score: 1, use_reasoning: true }];
        }),
    }));

  it('a reasoning_effort family gets "medium"', async () => {
    const res = await chat(gw, { model: 'auto', messages: [{ role: 'user', content: MATH }] });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-vsr-selected-model')).toBe('gpt-oss-20b');
    expect(res.headers.get('x-vsr-selected-reasoning')).toBe('on');
    expect(gw.mock.mock.requests.at(-1)!.body.reasoning_effort).toBe('medium');
  });
});

describe('GET /api/v1 in the reference\'s shape (APIOverviewResponse: endpoints[{path,method,description}], task_types[{name,description}], links)', () => {
  const gw = gatewayFor(async () => ({ classifiers: await realClassifiers(), config: (port) => referenceConfig(port) }));

  it('endpoints and task_types are objects a typed client decodes; links name the docs', async () => {
    const res = await fetch(`${gw.url}/api/v1`);
    expect(res.status).toBe(200);
    const api = (await res.json()) as any;
    expect(api).toMatchObject({ service: expect.any(String), version: expect.any(String), description: expect.any(String) });
    expect(api.endpoints.length).toBeGreaterThan(5);
    for (const e of api.endpoints) expect(e).toEqual({ path: expect.stringMatching(/^\//), method: expect.stringMatching(/^(GET|POST|PUT)$/), description: expect.any(String) });
    expect(api.endpoints).toContainEqual(expect.objectContaining({ path: '/api/v1/classify/batch', method: 'POST' }));
    expect(api.task_types.map((t: any) => t.name)).toEqual(['intent', 'pii', 'security', 'all']);
    for (const t of api.task_types) expect(t.description).toEqual(expect.any(String));
    expect(api.links).toMatchObject({ openapi_spec: '/openapi.json', swagger_ui: '/docs', models_info: '/info/models', health: '/health' });
  });
});

describe('GET /info/models field types as the reference\'s ModelInfo / SystemInfo (vsr.md 2.5)', () => {
  // Go decodes metadata into map[string]string and memory_usage into string: a number in either makes
  // the whole body undecodable for a typed client.
  const gw = gatewayFor(async () => ({ classifiers: await realClassifiers(), config: (port) => referenceConfig(port) }));

  it('metadata values and memory_usage are strings; the byte counts stay numbers beside them', async () => {
    const info = (await (await fetch(`${gw.url}/info/models`)).json()) as any;
    expect(info.models.length).toBeGreaterThan(0);
    for (const m of info.models) {
      for (const [k, v] of Object.entries(m.metadata)) expect(typeof v, `${m.name} metadata.${k}`).toBe('string');
      expect(m.memory_usage).toMatch(/^\d+\.\d\d MB$/);
      expect(m.size_bytes).toEqual(expect.any(Number));
    }
    const domain = info.models.find((m: any) => m.name === 'domain');
    expect(domain.metadata.threshold).toMatch(/^\d\.\d\d$/);
    expect(domain.metadata.mapping_path).toBe(`${domain.model_path}/labels.json`);
    expect(info.system.memory_usage).toMatch(/^\d+\.\d\d MB$/);
    expect(info.system.rss_bytes).toEqual(expect.any(Number));
  });
});

describe('classifier.pii_model.threshold left unset: /api/v1/classify/pii judges as the gateway\'s PII policy does', () => {
  // The API's comment promised one judgement for both; unset, the policy used the pack's threshold and
  // the API 0.7, so a request the gateway refused as PII was has_pii: false through the API.
  const gw = gatewayFor(async () => ({
      classifiers: await realClassifiers(),
      config: (port) =>
        referenceConfig(port, (doc) => {
          delete doc.classifier.pii_model.threshold;
          doc.model_config.qwen3.pii_policy = { allow_by_default: false, pii_types_allowed: [] };
        }),
    }));

  it('a name the policy blocks is PII for the API too, and the other way round', async () => {
    for (const text of ['I met Jordan at the station yesterday', 'Send it to Dr. Alvarez in Springfield', 'What is the boiling point of water?']) {
      const blocked = (await chat(gw, { model: 'qwen3', messages: [{ role: 'user', content: text }] })).headers.get('x-vsr-pii-violation') === 'true';
      const api = (await (await fetch(`${gw.url}/api/v1/classify/pii`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text }) })).json()) as any;
      expect(api.has_pii, text).toBe(blocked);
    }
  });
});

describe('options.return_probabilities (vsr.md 2.5): probabilities only when asked for, as the reference', () => {
  const gw = gatewayFor(async () => ({ classifiers: await realClassifiers(), config: (port) => referenceConfig(port) }));
  const post = async (path: string, body: unknown) =>
    (await (await fetch(`${gw.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json()) as any;

  it('intent and batch rows leave probabilities out by default and carry every class with true', async () => {
    expect(await post('/api/v1/classify/intent', { text: MATH })).not.toHaveProperty('probabilities');
    expect(Object.keys((await post('/api/v1/classify/intent', { text: MATH, options: { return_probabilities: true } })).probabilities)).toHaveLength(14);
    const plain = await post('/api/v1/classify/batch', { texts: [MATH, 'What is GDP?'] });
    for (const row of plain.results) expect(row).not.toHaveProperty('probabilities');
    const asked = await post('/api/v1/classify/batch', { texts: [MATH], options: { return_probabilities: true } });
    expect(Object.keys(asked.results[0].probabilities)).toHaveLength(14);
  });
});

describe('routing_decision and low_confidence_count cut at 0.7 unless the request says otherwise (vsr.md 2.5: "threshold default 0.7")', () => {
  // The bundled config's category threshold (0.5) is below the API's 0.7, so the two cuts differ.
  const gw = gatewayFor(async () => ({ classifiers: await realClassifiers(), config: (port) => referenceConfig(port, (doc) => (doc.classifier.category_model.threshold = 0.5)) }));
  const post = async (path: string, body: unknown) =>
    (await (await fetch(`${gw.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json()) as any;

  it('a classification between the category threshold and 0.7 is low_confidence_general, and counted low in a batch', async () => {
    const text = 'What makes a good leader?';
    const one = await post('/api/v1/classify/intent', { text });
    const c = one.classification.confidence;
    expect(c >= 0.5 && c < 0.7, `confidence ${c} must lie in [0.5, 0.7) for this check`).toBe(true);
    expect(one.routing_decision).toBe('low_confidence_general');
    expect((await post('/api/v1/classify/intent', { text, options: { confidence_threshold: 0.5 } })).routing_decision).toBe('high_confidence_specialized');
    const sure = 'Why is the sky blue?';
    const high = await post('/api/v1/classify/intent', { text: sure });
    expect(high.classification.confidence, 'a confident classification').toBeGreaterThanOrEqual(0.7);
    expect(high.routing_decision).toBe('high_confidence_specialized');
    const batch = await post('/api/v1/classify/batch', { texts: [text, sure] });
    expect(batch.statistics.low_confidence_count).toBe(1);
  });
});

describe('pii_types_allowed written with the reference\'s type names (vsr.md 3) covers what semroute detects', () => {
  // The PII pack splits an honorific off a name ("Dr." TITLE + "Smith" PERSON, as Presidio does); the
  // reference's type list has no TITLE, so a config allowing PERSON cannot name it.
  const gw = gatewayFor(async () => ({
      classifiers: await realClassifiers(),
      config: (port) =>
        referenceConfig(port, (doc) => {
          doc.model_config.qwen3.pii_policy = { allow_by_default: false, pii_types_allowed: ['PERSON'] };
          doc.model_config['gpt-oss-20b'].pii_policy = { allow_by_default: false, pii_types_allowed: [] };
        }),
    }));

  it('a model allowed PERSON sees "Dr. Smith"; a deny-all model is still refused it', async () => {
    const content = 'Please ask Dr. Smith about the results.';
    const allowed = await chat(gw, { model: 'qwen3', messages: [{ role: 'user', content }] });
    expect(allowed.headers.get('x-vsr-pii-violation')).toBeNull();
    expect(((await allowed.json()) as any).model).toBe('qwen3');
    const denied = await chat(gw, { model: 'gpt-oss-20b', messages: [{ role: 'user', content }] });
    expect(denied.headers.get('x-vsr-pii-violation')).toBe('true');
    expect(((await denied.json()) as any).choices[0].message.content).toContain('PERSON');
  });
});

describe('the reference\'s placeholder endpoints answer as it does (vsr.md 2.5: 501 in CLASSIC)', () => {
  const gw = gatewayFor(async () => ({ config: (port) => referenceConfig(port) }));

  it('GET /metrics/classification, GET and PUT /config/classification: 501 NOT_IMPLEMENTED, documented', async () => {
    for (const [method, path] of [['GET', '/metrics/classification'], ['GET', '/config/classification'], ['PUT', '/config/classification']] as const) {
      const res = await fetch(`${gw.url}${path}`, { method, headers: { 'content-type': 'application/json' }, body: method === 'PUT' ? '{}' : undefined });
      expect(res.status, `${method} ${path}`).toBe(501);
      expect(((await res.json()) as any).error).toMatchObject({ code: 'NOT_IMPLEMENTED', message: expect.any(String), timestamp: expect.any(String) });
    }
    const spec = (await (await fetch(`${gw.url}/openapi.json`)).json()) as any;
    expect(Object.keys(spec.paths['/config/classification'].put.responses)).toEqual(['501']);
    const api = (await (await fetch(`${gw.url}/api/v1`)).json()) as any;
    expect(api.endpoints).toContainEqual(expect.objectContaining({ path: '/metrics/classification', method: 'GET' }));
  });
});
