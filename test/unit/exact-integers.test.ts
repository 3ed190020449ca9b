// The kept literals (src/pipeline/exact-integers.ts) where the gateway itself reads the body: the
// cache plan reads `temperature` as a number (an unsafe-integer temperature held as an ExactInteger
// was taken for "not a number", so deterministic: cached under cache_non_deterministic: false), and
// cache keys built from the body stay the same for the same literals.
import { describe, expect, it } from 'vitest';
import { buildContext, parseJsonBody, validateChatBody } from '../../src/pipeline/request.ts';
import { serialiseBody } from '../../src/pipeline/exact-integers.ts';
import { planCache } from '../../src/cache/plan.ts';
import { cacheSection } from '../../src/config/sections/cache.ts';

const ctxOf = (text: string) => buildContext({ requestId: 'r', headers: {}, body: validateChatBody(parseJsonBody(text)), startedMs: 0 });
const chat = (extra: string) => `{"model":"MoM","messages":[{"role":"user","content":"hi there"}]${extra}}`;
const config = { session_key: 'x-user-id' } as never;

describe('kept literals in the cache plan', () => {
  it('an unsafe-integer temperature is a temperature above 0 (non_deterministic)', () => {
    const strict = cacheSection.parse({ enabled: true, cache_non_deterministic: false });
    expect(planCache(config, strict, ctxOf(chat(',"temperature":100000000000000000000')))).toBe('non_deterministic');
    expect(typeof planCache(config, strict, ctxOf(chat(',"temperature":0')))).toBe('object');
  });

  it('the same literal gives the same key; another literal another key', () => {
    const cfg = cacheSection.parse({ enabled: true });
    const key = (n: string) => (planCache(config, cfg, ctxOf(chat(`,"max_tokens":${n}`))) as { key: { context?: string } }).key.context;
    expect(key('9223372036854775807')).toBe(key('9223372036854775807'));
    expect(key('9223372036854775807')).not.toBe(key('9223372036854775806'));
  });

  it('strings are skipped whole: escaped quotes and backslashes, digits inside them', () => {
    const body = chat(',"a":"x\\\\","b":12345678901234567890,"c":["\\"9999999999999999999\\\\",-9007199254740993,1.5]');
    const ctx = ctxOf(body);
    expect(serialiseBody(ctx.body)).toBe(body);
    expect((ctx.body as Record<string, unknown>).c).toEqual(['"9999999999999999999\\', expect.anything(), 1.5]);
  });

  it('the forwarded text carries the literal; a body without one is JSON.stringify', () => {
    const ctx = ctxOf(chat(',"seed":9223372036854775807'));
    expect(serialiseBody(ctx.body)).toBe(chat(',"seed":9223372036854775807'));
    expect(serialiseBody({ a: 1 })).toBe('{"a":1}');
  });
});
