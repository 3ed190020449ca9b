// Token, cost and latency accounting for one finished upstream answer (vsr.md 1.1 step 9):
// token counters, cost from model_config.<model>.pricing, TTFT, TPOT and completion latency.
import type { Config } from '../config/schema.ts';
import type { Metrics } from './types.ts';

export interface Usage {
  prompt_tokens?: unknown;
  completion_tokens?: unknown;
  total_tokens?: unknown;
}

export interface Pricing {
  currency?: string;
  prompt_per_1m?: number;
  completion_per_1m?: number;
}

export interface AnswerTiming {
  /** Request sent upstream to last byte, ms. */
  latencyMs?: number;
  /** Request sent upstream to first content chunk (streaming) or response headers, ms. */
  ttftMs?: number;
  streamed?: boolean;
}

export interface UsageRecord {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  cost?: number;
  currency?: string;
  tpotSeconds?: number;
}

/** Pricing for a model: CLASSIC model_config.<m>.pricing, or HEAD providers.models[].pricing. */
export function pricingFor(config: Config | undefined, model: string): Pricing | undefined {
  const cfg = (config ?? {}) as Record<string, any>;
  const classic = cfg.model_config?.[model]?.pricing;
  if (classic && typeof classic === 'object') return classic as Pricing;
  const models = cfg.providers?.models;
  if (Array.isArray(models)) {
    const m = models.find((x) => x && typeof x === 'object' && x.name === model);
    if (m?.pricing && typeof m.pricing === 'object') return m.pricing as Pricing;
  }
  return undefined;
}

function count(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.floor(v) : 0;
}

function rate(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0;
}

/** Cost = (prompt x prompt_per_1m + completion x completion_per_1m) / 1e6, in the pricing's currency (USD by default). */
export function computeCost(
  promptTokens: number,
  completionTokens: number,
  pricing: Pricing | undefined,
): { cost: number; currency: string } | undefined {
  if (!pricing) return undefined;
  const p = rate(pricing.prompt_per_1m);
  const c = rate(pricing.completion_per_1m);
  if (p === 0 && c === 0) return undefined;
  const currency = typeof pricing.currency === 'string' && pricing.currency ? pricing.currency.toUpperCase().slice(0, 8) : 'USD';
  return { cost: (promptTokens * p + completionTokens * c) / 1e6, currency };
}

/**
 * Time per output token. Streamed with a known TTFT: the decode time after the first token spread over
 * the remaining tokens, (latency - ttft) / (n - 1). Otherwise the reference's latency / n, since a
 * non-streamed answer has no first-token time of its own.
 */
export function computeTpotSeconds(timing: AnswerTiming, completionTokens: number): number | undefined {
  const latency = timing.latencyMs;
  if (latency === undefined || !Number.isFinite(latency) || latency < 0 || completionTokens <= 0) return undefined;
  const ttft = timing.ttftMs;
  if (timing.streamed && ttft !== undefined && Number.isFinite(ttft) && ttft <= latency && completionTokens > 1) {
    return (latency - ttft) / 1000 / (completionTokens - 1);
  }
  return latency / 1000 / completionTokens;
}

/** Records one answer's tokens, cost and latencies for `model`; returns what it computed (for the log line). */
export function recordUsage(
  metrics: Metrics,
  model: string,
  usage: Usage | undefined,
  pricing?: Pricing,
  timing: AnswerTiming = {},
): UsageRecord {
  const promptTokens = count(usage?.prompt_tokens);
  const completionTokens = count(usage?.completion_tokens);
  const totalTokens = count(usage?.total_tokens) || promptTokens + completionTokens;
  const labels = { model };
  const rec: UsageRecord = { promptTokens, completionTokens, totalTokens };

  if (timing.latencyMs !== undefined && Number.isFinite(timing.latencyMs)) {
    metrics.observe('llm_model_completion_latency_seconds', labels, timing.latencyMs / 1000);
  }
  if (timing.ttftMs !== undefined && Number.isFinite(timing.ttftMs)) {
    metrics.observe('llm_model_ttft_seconds', labels, timing.ttftMs / 1000);
  }
  if (!usage) return rec;

  metrics.inc('llm_model_prompt_tokens_total', labels, promptTokens);
  metrics.inc('llm_model_completion_tokens_total', labels, completionTokens);
  metrics.inc('llm_model_tokens_total', labels, totalTokens);
  metrics.observe('llm_prompt_tokens_per_request', labels, promptTokens);
  metrics.observe('llm_completion_tokens_per_request', labels, completionTokens);

  const tpot = computeTpotSeconds(timing, completionTokens);
  if (tpot !== undefined) {
    rec.tpotSeconds = tpot;
    metrics.observe('llm_model_tpot_seconds', labels, tpot);
  }
  const cost = computeCost(promptTokens, completionTokens, pricing);
  if (cost) {
    rec.cost = cost.cost;
    rec.currency = cost.currency;
    metrics.inc('llm_model_cost_total', { model, currency: cost.currency }, cost.cost);
  }
  return rec;
}
