import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/observability/metrics.ts';
import { computeCost, computeTpotSeconds, pricingFor, recordUsage } from '../../src/observability/usage.ts';
import { buildRequestLog, stageTimer } from '../../src/observability/request-log.ts';
import { buildClassifierInfo, buildModelsInfo, recordPackMetrics } from '../../src/observability/model-info.ts';
import type { PipelineContext } from '../../src/pipeline/context.ts';

const config = {
  default_model: 'qwen3',
  model_config: {
    qwen3: { pricing: { currency: 'usd', prompt_per_1m: 0.1, completion_per_1m: 0.3 } },
    free: {},
  },
  providers: { models: [{ name: 'gpt-x', pricing: { currency: 'EUR', prompt_per_1m: 2, completion_per_1m: 8 } }] },
} as never;

describe('cost and TPOT', () => {
  it('reads pricing from model_config (CLASSIC) and providers.models (HEAD)', () => {
    expect(pricingFor(config, 'qwen3')?.prompt_per_1m).toBe(0.1);
    expect(pricingFor(config, 'gpt-x')?.currency).toBe('EUR');
    expect(pricingFor(config, 'free')).toBeUndefined();
    expect(pricingFor(config, 'missing')).toBeUndefined();
  });

  it('computes cost = (prompt x prompt_per_1m + completion x completion_per_1m) / 1e6', () => {
    const c = computeCost(1200, 350, { currency: 'usd', prompt_per_1m: 0.1, completion_per_1m: 0.3 })!;
    expect(c.currency).toBe('USD');
    expect(c.cost).toBeCloseTo((1200 * 0.1 + 350 * 0.3) / 1e6, 15);
    expect(computeCost(10, 10, { prompt_per_1m: 0, completion_per_1m: 0 })).toBeUndefined();
    expect(computeCost(10, 10, { prompt_per_1m: -1 as number, completion_per_1m: 1 })!.cost).toBeCloseTo(10 / 1e6, 15);
  });

  it('computes TPOT from decode time when streamed, latency / tokens otherwise', () => {
    // 101 tokens, first after 200 ms, last at 1200 ms: 1000 ms over 100 further tokens.
    expect(computeTpotSeconds({ latencyMs: 1200, ttftMs: 200, streamed: true }, 101)).toBeCloseTo(0.01, 12);
    expect(computeTpotSeconds({ latencyMs: 1200, ttftMs: 1190, streamed: false }, 100)).toBeCloseTo(0.012, 12);
    expect(computeTpotSeconds({ latencyMs: 500, streamed: true }, 1)).toBeCloseTo(0.5, 12);
    expect(computeTpotSeconds({ latencyMs: 500 }, 0)).toBeUndefined();
    expect(computeTpotSeconds({}, 10)).toBeUndefined();
  });

  it('records tokens, cost and latencies under the reference names', () => {
    const m = createMetrics({ config });
    const rec = recordUsage(m, 'qwen3', { prompt_tokens: 1000, completion_tokens: 201, total_tokens: 1201 }, pricingFor(config, 'qwen3'), {
      latencyMs: 2200,
      ttftMs: 200,
      streamed: true,
    });
    recordUsage(m, 'qwen3', { prompt_tokens: 1000, completion_tokens: 0 }, pricingFor(config, 'qwen3'), { latencyMs: 100 });
    expect(rec).toMatchObject({ promptTokens: 1000, completionTokens: 201, totalTokens: 1201, currency: 'USD' });
    expect(rec.tpotSeconds).toBeCloseTo(0.01, 12);
    expect(m.value('llm_model_prompt_tokens_total', { model: 'qwen3' })).toBe(2000);
    expect(m.value('llm_model_completion_tokens_total', { model: 'qwen3' })).toBe(201);
    expect(m.value('llm_model_tokens_total', { model: 'qwen3' })).toBe(2201);
    expect(m.value('llm_model_cost_total', { model: 'qwen3', currency: 'USD' })).toBeCloseTo((2000 * 0.1 + 201 * 0.3) / 1e6, 15);
    expect(m.value('llm_model_tpot_seconds', { model: 'qwen3' })).toBe(1); // histogram count: one answer had tokens
    expect(m.value('llm_model_completion_latency_seconds', { model: 'qwen3' })).toBe(2);
    expect(m.value('llm_model_ttft_seconds', { model: 'qwen3' })).toBe(1);
    expect(m.render()).toMatch(/llm_model_tpot_seconds_bucket\{model="qwen3",le="0.01"\} 1/);
  });

  it('ignores garbage usage fields instead of corrupting counters', () => {
    const m = createMetrics();
    const rec = recordUsage(m, 'qwen3', { prompt_tokens: 'lots', completion_tokens: -4, total_tokens: NaN });
    expect(rec).toMatchObject({ promptTokens: 0, completionTokens: 0, totalTokens: 0 });
    expect(m.render()).not.toContain('NaN');
  });
});

function ctx(over: Partial<PipelineContext> = {}): PipelineContext {
  return {
    requestId: 'req-1',
    headers: {},
    body: { model: 'MoM', messages: [] },
    requestedModel: 'MoM',
    stream: false,
    texts: { latestUser: 'my card is 4111 1111 1111 1111', user: [], system: [], assistant: [], tool: [] },
    responseHeaders: {},
    taps: [],
    startedMs: 1000,
    decision: {
      routed: true,
      category: 'math',
      confidence: 0.91234,
      model: 'qwen3',
      reasoning: true,
      reasoningEffort: 'high',
      injectedSystemPrompt: true,
      reasonCode: 'auto_routing',
    },
    pii: { entities: [{ type: 'CREDIT_CARD', start: 11, end: 30, confidence: 1, source: 'pattern' }], redacted: false },
    ...over,
  };
}

describe('request log line', () => {
  it('carries id, decision, latencies and tokens, and PII only as types', () => {
    const line = buildRequestLog({
      ctx: ctx(),
      status: 200,
      outcome: 'upstream',
      nowMs: 1850.5,
      timings: { classification: 3.21, upstream: 800 },
      ttftMs: 120,
      usage: { promptTokens: 10, completionTokens: 5, totalTokens: 15, cost: 0.0001, currency: 'USD' },
    });
    expect(line).toMatchObject({
      event: 'request',
      request_id: 'req-1',
      requested_model: 'MoM',
      model: 'qwen3',
      category: 'math',
      confidence: 0.9123,
      reason_code: 'auto_routing',
      reasoning: true,
      reasoning_effort: 'high',
      status: 200,
      latency_ms: { total: 850.5, classification: 3.21, upstream: 800, ttft: 120 },
      tokens: { prompt: 10, completion: 5, total: 15 },
      pii_types: ['CREDIT_CARD'],
      pii_count: 1,
    });
    expect(JSON.stringify(line)).not.toContain('4111');
    expect(line.prompt).toBeUndefined();
  });

  it('includes the prompt only with observability.logging.debug_log_prompts', () => {
    const debugConfig = { default_model: 'q', observability: { logging: { debug_log_prompts: true } } } as never;
    expect(buildRequestLog({ ctx: ctx(), status: 200, outcome: 'upstream', nowMs: 1001 }, debugConfig).prompt).toContain('4111');
    expect(buildRequestLog({ ctx: ctx(), status: 200, outcome: 'upstream', nowMs: 1001 }, config).prompt).toBeUndefined();
  });

  it('times stages with the injected clock', async () => {
    let t = 0;
    const timer = stageTimer(() => t);
    await timer.time('classification', async () => {
      t += 7;
    });
    await expect(
      timer.time('upstream', async () => {
        t += 3;
        throw new Error('x');
      }),
    ).rejects.toThrow();
    timer.add('classification', 1);
    expect(timer.timings).toEqual({ classification: 8, upstream: 3 });
  });
});

describe('/info/models and /info/classifier bodies', () => {
  const packs = [
    { name: 'domain', task: 'sequence-classification', path: '/m/domain', provider: 'cuda', engine: 'onnxruntime-node', labels: ['math', 'law'], sizeBytes: 2_000_000, loadTimeMs: 12.3456, threshold: 0.5, featurizer: 'hashed-ngrams', maxLength: 256 },
    { name: 'jailbreak', task: 'sequence-classification', path: '/m/jailbreak', provider: 'cpu', engine: 'onnxruntime-node', labels: ['benign', 'jailbreak'], sizeBytes: 500_000, loadTimeMs: 4, featurizer: 'hashed-ngrams', maxLength: 256 },
    { name: 'embedding', task: 'embedding', path: '/m/embedding', provider: 'cpu', engine: 'onnxruntime-node', labels: [], sizeBytes: 1_000, loadTimeMs: 1, featurizer: 'hashed-ngrams', maxLength: 128 },
  ] as const;
  const classifiers = {
    sequence: () => undefined,
    pii: () => ({ name: 'pii', types: ['EMAIL_ADDRESS', 'US_SSN'], detect: async () => [] }),
    embedder: () => ({ name: 'embedding', dimensions: 64, embed: async () => new Float32Array(64) }),
    info: () => packs.map((p) => ({ ...p, labels: [...p.labels] })),
  } as never;

  it('reports packs, sizes, providers in use, load times and memory', () => {
    const info = buildModelsInfo(classifiers, { name: 'node', version: '1.2.3' }, { rss_bytes: 123, heap_used_bytes: 45 }) as any;
    expect(info.models).toHaveLength(3);
    expect(info.models[0]).toMatchObject({ name: 'domain', type: 'sequence_classification', provider: 'cuda', size_bytes: 2_000_000, load_time_ms: 12.346, categories: ['math', 'law'], loaded: true });
    expect(info.models[2].categories).toEqual([]);
    expect(info.system).toMatchObject({ runtime: 'node', providers: ['cpu', 'cuda'], gpu_available: true, memory_usage: '0.00 MB', rss_bytes: 123, models_size_bytes: 2_501_000 });
  });

  it('lists capabilities, categories with reasoning, and PII types', async () => {
    const config = {
      default_model: 'q',
      packs: { category: 'domain', jailbreak: 'jailbreak' },
      classifier: { category_model: { threshold: 0.6 } },
      categories: [{ name: 'math', description: 'Math', model_scores: [{ model: 'q', score: 1, use_reasoning: true }] }],
    } as never;
    const info = buildClassifierInfo(config, classifiers) as any;
    expect(info.status).toBe('ready');
    expect(info.capabilities).toEqual(['intent_classification', 'pii_detection', 'security_detection', 'similarity_matching']);
    expect(info.categories).toEqual([{ name: 'math', description: 'Math', reasoning_enabled: true, threshold: 0.6 }]);
    expect(info.pii_types).toEqual(['EMAIL_ADDRESS', 'US_SSN']);
  });

  it('exposes pack gauges for the dashboard', () => {
    const m = createMetrics();
    recordPackMetrics(m, classifiers);
    expect(m.value('llm_classifier_pack_info', { pack: 'domain', task: 'sequence-classification', provider: 'cuda', engine: 'onnxruntime-node' })).toBe(1);
    expect(m.value('llm_classifier_pack_size_bytes', { pack: 'jailbreak' })).toBe(500_000);
    expect(m.value('llm_classifier_pack_load_seconds', { pack: 'embedding' })).toBeCloseTo(0.001, 9);
  });
});
