// llm_model_requests_total counts requests that name a model or are routed to one (chat, the
// generation and embedding routes). GET /version and a CORS preflight OPTIONS /v1/chat/completions,
// both passed through to the engine, each added 1 to llm_model_requests_total{model="unknown"}: a
// dashboard's request rate of "unknown" grew with every browser preflight and version probe, and
// the error-ratio alert divided by requests that no model served. Their failures are not a model's
// errors either (semroute_passthrough_requests_total{path,code} still counts them all).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from './gateway-harness.ts';
import { startScriptedUpstream, type ScriptedUpstream } from './helpers/scripted-upstream.ts';

let up: ScriptedUpstream;
let failVersion = false;

beforeAll(async () => {
  up = await startScriptedUpstream({}, { config: { server: { max_body_bytes: 1000 } } });
  up.handler = (req, res) => {
    if (req.url === '/version') {
      res.writeHead(failVersion ? 503 : 200, { 'content-type': 'application/json' });
      res.end(failVersion ? '{"error":{"message":"down"}}' : '{"version":"0.9.2"}');
      return;
    }
    if (req.method === 'OPTIONS') {
      res.writeHead(200, { 'access-control-allow-origin': '*', 'access-control-allow-methods': 'POST' });
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"id":"x","object":"text_completion","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}');
  };
});
afterAll(async () => {
  await up?.close();
});

/** Every sample of the model-labelled families, as text lines from the real /metrics. */
async function modelSeries(): Promise<Map<string, number>> {
  const text = await (await fetch(`${up.gw.url}/metrics`)).text();
  const out = new Map<string, number>();
  for (const m of text.matchAll(/^(llm_model_requests_total|llm_request_errors_total|llm_model_completion_latency_seconds_count)\{([^}]*)\} (\S+)$/gm)) {
    out.set(`${m[1]}{${m[2]}}`, Number(m[3]));
  }
  return out;
}

function moved(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const d: Record<string, number> = {};
  for (const [k, v] of after) if (v !== (before.get(k) ?? 0)) d[k] = v - (before.get(k) ?? 0);
  return d;
}

const preflight = { origin: 'https://chat.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' };

describe('llm_model_requests_total counts model requests only', () => {
  it('GET /version and a CORS preflight for chat leave the model families alone', async () => {
    const before = await modelSeries();
    const version = await rawRequest(`${up.gw.url}/version`, { method: 'GET' });
    expect(version.status).toBe(200);
    expect(JSON.parse(version.body).version).toBe('0.9.2');
    const cors = await rawRequest(`${up.gw.url}/v1/chat/completions`, { method: 'OPTIONS', headers: preflight });
    expect(cors.status).toBe(200);
    expect(cors.headers['access-control-allow-origin']).toBe('*');
    const corsCompletions = await rawRequest(`${up.gw.url}/v1/completions`, { method: 'OPTIONS', headers: preflight });
    expect(corsCompletions.status).toBe(200);
    expect(moved(before, await modelSeries())).toEqual({});
    const text = await (await fetch(`${up.gw.url}/metrics`)).text();
    expect(text).toMatch(/^semroute_passthrough_requests_total\{path="\/version",code="200"\} 1$/m);
    expect(text).toMatch(/^semroute_passthrough_requests_total\{path="\/v1\/chat\/completions",code="200"\} 1$/m);
  });

  it("a failed GET /version is no model's error (requests and errors stay a ratio)", async () => {
    failVersion = true;
    try {
      const before = await modelSeries();
      const r = await rawRequest(`${up.gw.url}/version`, { method: 'GET' });
      expect(r.status).toBe(503);
      expect(moved(before, await modelSeries())).toEqual({});
    } finally {
      failVersion = false;
    }
  });

  it('a completion still counts once by its model, and an unreadable one once as unknown with its error', async () => {
    const before = await modelSeries();
    const ok = await rawRequest(`${up.gw.url}/v1/completions`, { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'qwen3', prompt: 'hi' }) });
    expect(ok.status).toBe(200);
    const auto = await rawRequest(`${up.gw.url}/v1/completions`, { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'MoM', prompt: 'hi' }) });
    expect(auto.status).toBe(400);
    const bad = await rawRequest(`${up.gw.url}/v1/completions`, { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'qwen3', prompt: 'x'.repeat(2000) }) });
    expect(bad.status).toBe(413);
    const d = moved(before, await modelSeries());
    expect(d['llm_model_requests_total{model="qwen3"}']).toBe(1);
    expect(d['llm_model_completion_latency_seconds_count{model="qwen3"}']).toBe(1);
    expect(d['llm_model_requests_total{model="MoM"}']).toBe(1);
    expect(d['llm_request_errors_total{model="MoM",reason="parse_error"}']).toBe(1);
    // The refused-unread one: counted under the label its error carries.
    const unknownErrors = Object.entries(d).filter(([k]) => k.startsWith('llm_request_errors_total{model="unknown"'));
    expect(unknownErrors.map(([, v]) => v)).toEqual([1]);
    expect(d['llm_model_requests_total{model="unknown"}']).toBe(1);
  });

  it('chat with a model is counted as before', async () => {
    const before = await modelSeries();
    await up.client.chat.completions.create({ model: 'qwen3', messages: [{ role: 'user', content: 'hi' }] }).catch(() => undefined);
    expect(moved(before, await modelSeries())['llm_model_requests_total{model="qwen3"}']).toBe(1);
  });
});
