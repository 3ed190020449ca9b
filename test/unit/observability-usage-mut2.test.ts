// Mutation audit, round 2: token, cost and TPOT accounting (src/observability/usage.ts) that surviving
// mutants showed untested. Token counts are whole and finite (a fractional count is floored, an
// infinite one is no count; the upstream's total is used as given; an answer without usage counts no
// tokens at all), the currency label is at most 8 characters, and TPOT's decode-time
// formula needs a first token before the last (ttft == latency spreads nothing) and a second token
// (one streamed token is latency / 1, not a division by zero); a ttft past the latency is not used.
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/observability/metrics.ts';
import { computeCost, computeTpotSeconds, recordUsage } from '../../src/observability/usage.ts';

/** A counter's value from the Prometheus text (0 when the series is not there). */
function value(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

describe('recordUsage token counts', () => {
  it('a fractional count is floored, an infinite or NaN one counts 0', async () => {
    const m = createMetrics();
    const rec = recordUsage(m, 'qwen3', { prompt_tokens: 2.7, completion_tokens: Number.POSITIVE_INFINITY, total_tokens: Number.NaN });
    expect(rec).toEqual({ promptTokens: 2, completionTokens: 0, totalTokens: 2 });
    const text = await m.render();
    expect(value(text, 'llm_model_prompt_tokens_total{model="qwen3"}')).toBe(2);
    expect(value(text, 'llm_model_completion_tokens_total{model="qwen3"}')).toBe(0);
    expect(value(text, 'llm_model_tokens_total{model="qwen3"}')).toBe(2);
  });
});

describe('recordUsage: what the answer said', () => {
  it("the upstream's total_tokens is counted as given (not re-added from its parts)", async () => {
    const m = createMetrics();
    expect(recordUsage(m, 'qwen3', { prompt_tokens: 3, completion_tokens: 4, total_tokens: 10 }).totalTokens).toBe(10);
    expect(value(m.render(), 'llm_model_tokens_total{model="qwen3"}')).toBe(10);
  });

  it('each answer observes its prompt and completion token counts once (the per-request histograms)', () => {
    const m = createMetrics();
    recordUsage(m, 'qwen3', { prompt_tokens: 12, completion_tokens: 30 });
    recordUsage(m, 'qwen3', { prompt_tokens: 8, completion_tokens: 5 });
    const text = m.render();
    expect(value(text, 'llm_prompt_tokens_per_request_count{model="qwen3"}')).toBe(2);
    expect(value(text, 'llm_prompt_tokens_per_request_sum{model="qwen3"}')).toBe(20);
    expect(value(text, 'llm_completion_tokens_per_request_count{model="qwen3"}')).toBe(2);
    expect(value(text, 'llm_completion_tokens_per_request_sum{model="qwen3"}')).toBe(35);
  });

  it('no usage at all: latency observed, no token series and no per-request token observation', () => {
    const m = createMetrics();
    recordUsage(m, 'qwen3', undefined, { prompt_per_1m: 1, completion_per_1m: 1 }, { latencyMs: 250, ttftMs: 50, streamed: true });
    const text = m.render();
    expect(value(text, 'llm_model_completion_latency_seconds_count{model="qwen3"}')).toBe(1);
    expect(text).not.toMatch(/^llm_model_tokens_total\{model="qwen3"\}/m);
    expect(value(text, 'llm_prompt_tokens_per_request_count{model="qwen3"}')).toBe(0);
    expect(value(text, 'llm_model_tpot_seconds_count{model="qwen3"}')).toBe(0);
  });
});

describe('cost currency', () => {
  it('is upper-cased and cut to 8 characters (a metric label value)', () => {
    expect(computeCost(1, 1, { currency: 'abcdefghijkl', prompt_per_1m: 1, completion_per_1m: 1 })!.currency).toBe('ABCDEFGH');
    expect(computeCost(1, 1, { currency: 'eur', prompt_per_1m: 1 })!.currency).toBe('EUR');
  });
});

describe('TPOT edges', () => {
  it('streamed with ttft equal to the latency: the decode time is 0 over the further tokens', () => {
    expect(computeTpotSeconds({ latencyMs: 1000, ttftMs: 1000, streamed: true }, 11)).toBe(0);
  });
  it('streamed with a ttft past the latency (clocks disagree): latency / tokens, never negative', () => {
    expect(computeTpotSeconds({ latencyMs: 1000, ttftMs: 1500, streamed: true }, 10)).toBeCloseTo(0.1, 12);
  });
  it('streamed, one token, with a ttft: latency / 1, finite', () => {
    expect(computeTpotSeconds({ latencyMs: 500, ttftMs: 100, streamed: true }, 1)).toBeCloseTo(0.5, 12);
  });
});
