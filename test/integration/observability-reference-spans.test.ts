// The reference's spans and attributes (vsr.md 4.2) that semroute had names for (tracing.ts SPAN/ATTR)
// but never emitted, though it does the work they describe: the stage times classification.time_ms,
// jailbreak.detection_time_ms, pii.detection_time_ms and cache.lookup_time_ms on their stage spans;
// semantic_router.backend.selection (endpoint.name, endpoint.address) after routing;
// semantic_router.system_prompt.injection (system_prompt.injected, system_prompt.mode, category.name)
// when a category's system prompt goes in; reasoning.family of the switch that was written. A trace
// backend's queries written for the reference found nothing for these. user.id and session.id stay
// out (personal data). Real sockets, real packs, openai SDK, memory exporter.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { SPAN } from '../../src/observability/tracing.ts';
import { packsAvailable, rawRequest, realClassifiers, startGateway, testConfig, type Gateway } from './gateway-harness.ts';
import { useMemoryTracing } from './helpers/memory-tracing.ts';

let gw: Gateway;
let port = 0;
const run = packsAvailable() ? describe : describe.skip;

const durationMs = (s: ReadableSpan) => s.duration[0] * 1000 + s.duration[1] / 1e6;
const childOf = (s: ReadableSpan) => s.parentSpanContext?.spanId ?? (s as unknown as { parentSpanId?: string }).parentSpanId;

run('reference spans and attributes on a routed request', () => {
  const traces = useMemoryTracing();
  beforeAll(async () => {
    gw = await startGateway({
      classifiers: await realClassifiers(),
      config: (p) => {
        port = p;
        return testConfig(
          {
            prompt_guard: { enabled: true, threshold: 0.7, action: 'block', on_error: 'allow' },
            classifier: { category_model: { threshold: 0 }, pii_model: { threshold: 0.7 } },
          },
          [{ name: 'production-stack', address: '127.0.0.1', port: p }],
        );
      },
    });
  }, 120_000);
  afterAll(() => gw?.close());

  it('stage times, backend selection, system prompt injection and the reasoning family', async () => {
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'k', maxRetries: 0 });
    const { response } = await client.chat.completions
      .create(
        { model: 'MoM', messages: [{ role: 'user', content: 'Solve the quadratic equation x^2 - 5x + 6 = 0 and show each algebra step.' }] },
        { headers: { 'x-request-id': 'refspans-1', 'x-user-id': 'alice-4471', 'x-session-id': 'sess-9921' } },
      )
      .withResponse();
    expect(response.status).toBe(200);
    const category = response.headers.get('x-vsr-selected-category');
    expect(response.headers.get('x-vsr-injected-system-prompt')).toBe('true');
    const { root, spans } = await traces.traceOf('refspans-1');
    const one = (name: string) => {
      const found = spans.filter((s) => s.name === name);
      expect(found.map((s) => s.name)).toEqual([name]);
      return found[0]!;
    };
    for (const [name, key] of [
      [SPAN.CLASSIFICATION, 'classification.time_ms'],
      [SPAN.JAILBREAK, 'jailbreak.detection_time_ms'],
      [SPAN.PII, 'pii.detection_time_ms'],
      [SPAN.CACHE_LOOKUP, 'cache.lookup_time_ms'],
    ] as const) {
      const s = one(name);
      const t = s.attributes[key];
      expect(typeof t, `${name} ${key}`).toBe('number');
      // The stage's own time: within its span's duration (the span opens before and ends after it).
      expect(t as number).toBeGreaterThanOrEqual(0);
      expect(t as number).toBeLessThanOrEqual(durationMs(s) + 0.01);
    }
    // The category model ran on real text: its time is not 0.
    expect(one(SPAN.CLASSIFICATION).attributes['classification.time_ms'] as number).toBeGreaterThan(0);

    const backend = one(SPAN.BACKEND_SELECTION);
    expect(backend.attributes).toMatchObject({ 'endpoint.name': 'production-stack', 'endpoint.address': `127.0.0.1:${port}` });
    expect(childOf(backend)).toBe(root.spanContext().spanId);
    // Chosen before the upstream call.
    const upstream = one(SPAN.UPSTREAM);
    expect(backend.startTime[0] * 1e9 + backend.startTime[1]).toBeLessThanOrEqual(upstream.startTime[0] * 1e9 + upstream.startTime[1]);

    const prompt = one(SPAN.SYSTEM_PROMPT);
    expect(prompt.attributes).toMatchObject({ 'system_prompt.injected': true, 'system_prompt.mode': 'replace', 'category.name': category });
    expect(childOf(prompt)).toBe(root.spanContext().spanId);

    // math -> deepseek-v3 (family deepseek) with reasoning on: the family whose switch was written.
    expect(response.headers.get('x-vsr-selected-model')).toBe('deepseek-v3');
    expect(root.attributes['reasoning.family']).toBe('deepseek');

    // No personal data: the user and session headers never reach a span.
    const all = JSON.stringify(spans.map((s) => s.attributes));
    expect(all).not.toContain('alice-4471');
    expect(all).not.toContain('sess-9921');
    for (const s of spans) {
      expect(s.attributes['user.id']).toBeUndefined();
      expect(s.attributes['session.id']).toBeUndefined();
    }
  });

  it("insert mode is named as such; a model the client names gets no injection span and no family it did not use", async () => {
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'k', maxRetries: 0 });
    const { response } = await client.chat.completions
      .create(
        {
          model: 'MoM',
          messages: [
            { role: 'system', content: 'Answer briefly.' },
            { role: 'user', content: 'What are the common symptoms of influenza and when should a patient see a doctor about a fever?' },
          ],
        },
        { headers: { 'x-request-id': 'refspans-2' } },
      )
      .withResponse();
    const { spans } = await traces.traceOf('refspans-2');
    // The default config's health category prepends its prompt to the client's own (system_prompt_mode: insert).
    expect(response.headers.get('x-vsr-selected-category')).toBe('health');
    const prompt = spans.filter((s) => s.name === SPAN.SYSTEM_PROMPT);
    expect(prompt.map((s) => s.attributes)).toEqual([{ 'system_prompt.injected': true, 'system_prompt.mode': 'insert', 'category.name': 'health' }]);

    await client.chat.completions.create({ model: 'qwen3', messages: [{ role: 'user', content: 'hi' }] }, { headers: { 'x-request-id': 'refspans-3' } });
    const named = await traces.traceOf('refspans-3');
    expect(named.spans.filter((s) => s.name === SPAN.SYSTEM_PROMPT)).toEqual([]);
    expect(named.spans.filter((s) => s.name === SPAN.CLASSIFICATION)).toEqual([]);
    expect(named.spans.filter((s) => s.name === SPAN.BACKEND_SELECTION).map((s) => s.attributes['endpoint.name'])).toEqual(['production-stack']);
  });

  it('a passed-through completion has its backend selection too', async () => {
    const r = await rawRequest(`${gw.url}/v1/completions`, {
      headers: { 'content-type': 'application/json', 'x-request-id': 'refspans-4' },
      body: JSON.stringify({ model: 'qwen3', prompt: 'hi' }),
    });
    expect(r.status).toBe(200);
    const { root, spans } = await traces.traceOf('refspans-4');
    const backend = spans.filter((s) => s.name === SPAN.BACKEND_SELECTION);
    expect(backend.map((s) => s.attributes['endpoint.name'])).toEqual(['production-stack']);
    expect(childOf(backend[0]!)).toBe(root.spanContext().spanId);
  });
});
