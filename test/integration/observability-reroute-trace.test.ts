// A request the PII policy sends to another model says so on its trace (issue #3). The routing span
// ends before the PII scan, so its routing.selected_model and routing.reason are the classifier's
// choice; the PII span had only pii.detected/pii.types. A rerouted request's trace thus named the
// model that never saw it and hid the reroute that llm_routing_reason_codes_total, the request log
// and x-vsr-selected-model all report. Real sockets, real packs, openai SDK, memory exporter.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { SPAN } from '../../src/observability/tracing.ts';
import { loadDefaultConfig } from '../../src/config/index.ts';
import { packsAvailable, type Gateway } from './gateway-harness.ts';
import { startPacksGateway } from './helpers/packs-gateway.ts';
import { useMemoryTracing } from './helpers/memory-tracing.ts';

const EMAIL = 'reroute.trace.3307@example.org';
let gw: Gateway;
const run = packsAvailable() ? describe : describe.skip;

run('a PII reroute on the trace', () => {
  const traces = useMemoryTracing();
  beforeAll(async () => {
    // Every category prefers deepseek-v3 (may see no PII), then qwen3 (may see everything); threshold 0,
    // so every prompt gets a category and an e-mail address reroutes it inside the category.
    const categories = loadDefaultConfig().config.categories.map((c) => ({
      ...c,
      model_scores: [
        { model: 'deepseek-v3', score: 0.9, use_reasoning: false },
        { model: 'qwen3', score: 0.5, use_reasoning: false },
      ],
    }));
    gw = await startPacksGateway({
      categories,
      classifier: { category_model: { threshold: 0 }, pii_model: { threshold: 0.7 } },
      model_config: {
        'deepseek-v3': { reasoning_family: 'deepseek', preferred_endpoints: ['production-stack'], pii_policy: { allow_by_default: false, pii_types_allowed: [] } },
        qwen3: { reasoning_family: 'qwen3', preferred_endpoints: ['production-stack'] },
      },
    });
  }, 120_000);
  afterAll(() => gw?.close());

  it('the PII span names the model the request went to, the reason code and the action', async () => {
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'k', maxRetries: 0 });
    const { response } = await client.chat.completions
      .create({ model: 'MoM', messages: [{ role: 'user', content: `Solve 3x + 7 = 22 and send the steps to ${EMAIL}.` }] }, { headers: { 'x-request-id': 'reroute-1' } })
      .withResponse();
    expect(response.headers.get('x-vsr-selected-model')).toBe('qwen3');
    const { spans } = await traces.traceOf('reroute-1');
    const pii = spans.find((s) => s.name === SPAN.PII)!;
    expect(pii.attributes).toMatchObject({
      'pii.detected': true,
      'pii.types': 'EMAIL_ADDRESS',
      'security.action': 'reroute',
      'routing.selected_model': 'qwen3',
      'routing.reason': 'pii_policy_alternative_selected',
    });
    expect(spans.find((s) => s.name === SPAN.UPSTREAM)!.attributes['model.name']).toBe('qwen3');
    // The request span names where the request went and whether a system prompt was put in, as the headers do.
    const root = spans.find((s) => s.name === SPAN.REQUEST)!;
    expect(root.attributes['model.name']).toBe('qwen3');
    expect(root.attributes['system_prompt.injected']).toBe(response.headers.get('x-vsr-injected-system-prompt') === 'true');
    // The reference's classifier.type, with the values of llm_classifier_latency_seconds{classifier}.
    expect(spans.find((s) => s.name === SPAN.CLASSIFICATION)!.attributes['classifier.type']).toBe('category');
    expect(JSON.stringify(spans.map((s) => s.attributes))).not.toContain(EMAIL);
  });
});
