// Client-chosen values where the gateway writes them: a real process (debug logs, stdout spans),
// requests carrying personal data or random values in fields the router reads, then its stdout and
// /metrics are searched for them. Metric labels must come from bounded sets; values the client made
// up are folded into "other" (they still reach the upstream as sent).
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { processFixture, startGatewayProcess } from './helpers/gateway-process.ts';
import { promtool } from '../fixtures/promtool.ts';
import { EnvoyClient, requestBody, requestHeaders, responseBody, responseHeaders } from './helpers/envoy-client.ts';

const fx = processFixture();
const EMAIL = 'zq.canary.4417@leakcheck.example';

const CONFIG =
  'model_config: { gpt-oss-20b: { reasoning_family: gpt-oss }, qwen3: { reasoning_family: qwen3 } }\n' +
  'reasoning_families: { gpt-oss: { type: reasoning_effort, parameter: reasoning_effort }, qwen3: { type: chat_template_kwargs, parameter: enable_thinking } }\n' +
  'categories: [{ name: other, model_scores: [{ model: gpt-oss-20b, score: 1, use_reasoning: false }] }]\n' +
  'observability: { logging: { level: debug }, tracing: { enabled: true, exporter: { type: stdout } } }\n';

const post = (base: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${base}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) }).then(async (r) => ({ status: r.status, text: await r.text() }));

const seriesOf = (metrics: string, family: string) => metrics.split('\n').filter((l) => l.startsWith(`${family}{`));

describe('client-chosen values in logs, spans and metric labels', () => {
  // Was a leak: with routing off (or nothing to classify) an auto name keeps the client's own
  // reasoning_effort, and that text went raw into the request log line, the routing span's
  // reasoning.effort and the effort label of two counters (one series per value, up to the cap).
  it('a client reasoning_effort reaches the upstream but no log line, span or label', async () => {
    const c = fx.configDir('semroute-sec-effort-');
    writeFileSync(c.file, c.base.replace('default_model: qwen3', 'default_model: gpt-oss-20b') + CONFIG);
    const gw = await startGatewayProcess(c.file, [], fx.procs);
    const r = await post(gw.base, { model: 'MoM', reasoning_effort: EMAIL, messages: [{ role: 'user', content: 'hi' }] }, { 'x-request-id': 'sec-effort-0' });
    expect(r.status).toBe(200);
    // The client's value is forwarded unchanged: only what the gateway writes about it is bounded.
    expect(fx.mock().mock.requests.at(-1)!.body.reasoning_effort).toBe(EMAIL);
    for (let i = 0; i < 40; i++) await post(gw.base, { model: 'MoM', reasoning_effort: `e${i}-${Math.random().toString(36).slice(2)}`, messages: [{ role: 'user', content: 'hi' }] });
    await post(gw.base, { model: 'MoM', reasoning_effort: 'High', messages: [{ role: 'user', content: 'hi' }] }, { 'x-request-id': 'sec-effort-last' });
    await gw.waitFor(/"request_id":"sec-effort-last"[^\n]*"msg":"request"/);
    const metrics = await fetch(`${gw.base}/metrics`).then((res) => res.text());
    const out = gw.out();
    expect(out).toMatch(/"reasoning_effort":"other"/);
    expect(out).toMatch(/"reasoning.effort":"other"/);
    expect(out).toMatch(/"request_id":"sec-effort-last"[^\n]*"reasoning_effort":"high"/);
    expect(out).not.toContain(EMAIL);
    expect(metrics).not.toContain(EMAIL);
    for (const family of ['llm_reasoning_effort_usage_total', 'llm_reasoning_decisions_total']) {
      const series = seriesOf(metrics, family);
      expect(series.length, family).toBeGreaterThan(0);
      for (const s of series) expect(s, family).toMatch(/effort="(other|high|)"/);
    }
  }, 60_000);

  // Was a leak: a chat body past Envoy's buffer in BUFFERED_PARTIAL mode was logged with the raw
  // :path, query string included (a client's ?email=... went to the log).
  it('ext_proc: personal data in :path, query, headers and body of every message kind stays out of stdout and /metrics', async () => {
    const c = fx.configDir('semroute-sec-extproc-');
    writeFileSync(c.file, c.base + CONFIG);
    const gw = await startGatewayProcess(c.file, ['--extproc-port', '0'], fx.procs);
    const envoy = new EnvoyClient(`127.0.0.1:${gw.extPort}`);
    const q = `?email=${encodeURIComponent(EMAIL)}&ssn=219-09-9999`;
    const headers = (path: string) => ({ ':method': 'POST', ':path': path, 'content-type': 'application/json', 'x-user-id': EMAIL, 'x-foo': EMAIL, 'user-agent': EMAIL });
    const body = JSON.stringify({ model: EMAIL, user: EMAIL, metadata: { m: EMAIL }, reasoning_effort: EMAIL, messages: [{ role: 'user', content: EMAIL }] });
    try {
      // BUFFERED_PARTIAL, the body cut at Envoy's buffer limit
      let s = envoy.open();
      await s.send({ ...requestHeaders(headers(`/v1/chat/completions${q}`)), protocol_config: { request_body_mode: 'BUFFERED_PARTIAL', response_body_mode: 'NONE' } });
      await s.send(requestBody(body.slice(0, 60), false));
      s.end();
      // whole bodies: chat (auto name and a made-up one), broken JSON, an unknown path, a generation route
      for (const [path, b] of [
        [`/v1/chat/completions${q}`, body],
        [`/v1/chat/completions${q}`, body.replace(JSON.stringify(EMAIL), '"MoM"')],
        [`/v1/chat/completions${q}`, `{"model":"qwen3","messages":[{"role":"user","content":"${EMAIL}"`],
        [`/v1/${encodeURIComponent(EMAIL)}${q}`, body],
        [`/v1/completions${q}`, JSON.stringify({ model: EMAIL, prompt: EMAIL })],
      ]) {
        s = envoy.open();
        await s.send(requestHeaders(headers(path)));
        const r = await s.send(requestBody(b));
        if (r.response === 'request_body') {
          await s.send(responseHeaders({ ':status': '400', 'content-type': 'application/json' }));
          await s.send(responseBody(JSON.stringify({ object: 'error', message: `bad request: ${b}`, code: 400 })));
        }
        s.end();
      }
    } finally {
      envoy.close();
    }
    await new Promise((r) => setTimeout(r, 300));
    const out = gw.out();
    expect(out).toMatch(/request body past Envoy's buffer/);
    expect(out.split('\n').filter((l) => l.includes('"msg":"request"')).length).toBeGreaterThanOrEqual(2);
    const metrics = await fetch(`${gw.base}/metrics`).then((res) => res.text());
    expect(leaks(out)).toEqual([]);
    expect(leaks(metrics)).toEqual([]);
  }, 60_000);
});

describe('metric labels under client-chosen values', () => {
  // A model name the operator configured is a bounded value however long it is. Was a defect: the
  // registry cut label values at 100 characters before comparing them with the configured names, so
  // a model named longer than that was counted as "other" (the request log named it).
  it('random models, paths, methods, headers and task names add no series; a long configured name keeps its label; promtool accepts the text', async () => {
    const LONG = `acme/${'very-long-model-name-'.repeat(6)}v1`;
    const c = fx.configDir('semroute-sec-labels-');
    // Configured names the text format must escape (quote, backslash, newline) or carry as UTF-8.
    const ODD = ['we"ird\\name', 'two\nlines', 'modèle-✓'];
    writeFileSync(
      c.file,
      c.base.replace('default_model: qwen3', `default_model: "${LONG}"`) +
        `model_config: ${JSON.stringify(Object.fromEntries(ODD.map((m) => [m, {}])))}\nserver: { passthrough_paths: [/v1/embeddings] }\n`,
    );
    const gw = await startGatewayProcess(c.file, [], fx.procs);
    const rnd = () => Math.random().toString(36).slice(2, 10);
    const json = { 'content-type': 'application/json' };
    const one = (i: number): Promise<unknown> => {
      const chat = (model: string, extra: Record<string, string> = {}) =>
        fetch(`${gw.base}/v1/chat/completions`, { method: 'POST', headers: { ...json, 'x-request-id': rnd(), 'x-vsr-cache-control': rnd(), ...extra }, body: JSON.stringify({ model, reasoning_effort: rnd(), messages: [{ role: 'user', content: 'hi' }] }) });
      switch (i % 6) {
        case 0: return chat(`m-${rnd()}`);
        case 1: return chat(`m-${rnd()}`, { 'x-mock-status': String([400, 404, 422, 429, 500, 502, 503][i % 7]) });
        case 2: return fetch(`${gw.base}/v1/${rnd()}?${rnd()}=1`, { method: ['GET', 'POST', 'PUT', 'DELETE'][i % 4]!, ...(i % 4 % 2 ? { headers: json, body: '{}' } : {}) });
        case 3: return fetch(`${gw.base}/api/v1/classify/batch`, { method: 'POST', headers: json, body: JSON.stringify({ texts: ['hi'], task_type: rnd() }) });
        case 4: return fetch(`${gw.base}/v1/embeddings`, { method: 'POST', headers: json, body: JSON.stringify({ model: `e-${rnd()}`, input: 'x' }) });
        default: return chat(i % 12 === 5 ? LONG : ODD[Math.floor(i / 12) % 3]!);
      }
    };
    const count = async () => (await fetch(`${gw.base}/metrics`).then((r) => r.text())).split('\n').filter((l) => l && !l.startsWith('#')).length;
    for (let i = 0; i < 60; i++) await one(i).then((r) => (r as Response).text()).catch((e) => { throw new Error(`request ${i}: ${e.cause?.code ?? e.cause?.message ?? e.message}`); });
    const warm = await count();
    for (let at = 60; at < 1260; at += 20) await Promise.all(Array.from({ length: 20 }, (_, k) => one(at + k).then((r) => (r as Response).text())));
    const metrics = await fetch(`${gw.base}/metrics`).then((r) => r.text());
    const series = metrics.split('\n').filter((l) => l && !l.startsWith('#'));
    // 1200 more requests, 1000 distinct made-up values: no new series (the GC histogram may gain a kind).
    expect(series.length - warm).toBeLessThanOrEqual(15);
    expect(metrics).not.toContain('llm_metrics_series_overflow_total{');
    expect(metrics).toContain(`llm_model_requests_total{model="${LONG}"} 105`);
    for (const m of ODD) expect(metrics).toContain(`llm_model_requests_total{model="${m.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')}"} 35`);
    const lint = promtool(['check', 'metrics'], metrics);
    expect(lint.output).toBe('');
    expect(lint.status).toBe(0);
  }, 120_000);
});

/** Lines holding the test's values (any of their spellings), cut short for a readable failure. */
function leaks(text: string): string[] {
  const forms = [EMAIL, encodeURIComponent(EMAIL), '219-09-9999'];
  return text.split('\n').filter((l) => forms.some((f) => l.includes(f))).map((l) => l.slice(0, 400));
}
