// The semantic cache under a restricting pii_policy: a question the policy would act on is not served
// the stored answer of a close question without its personal data. The lookup runs before routing and
// the PII stage, and the cache's own checks refuse a changed digit or name, not an added e-mail address
// ("Contact me at front.desk@example.com ..." scores 0.9+ against "... the front desk ..."), so a warm
// cache served it where a cold one blocks, reroutes or masks. Now a hit is scanned when a policy the
// request may meet restricts (src/cache/pii-check.ts hitPiiVerdict) and what one of them denies, or a
// scan past the budget, falls through to a miss: routing and the policy decide as on a cold cache.
// The official openai SDK -> semroute with the cache on (real socket, real packs) -> the mock upstream.
import { describe, expect, it } from 'vitest';
import { packsAvailable, testConfig } from './gateway-harness.ts';
import { startMockServer } from '../../runtimes/node/mock-server.ts';
import { useCacheGateway } from './helpers/cache-gateway.ts';
import { usePolicyCacheGateway } from './helpers/policy-cache-gateway.ts';
import { until } from './helpers/until.ts';

const CLEAN = 'Contact me at the front desk for more details';
const WITH_MAIL = 'Contact me at front.desk@example.com for more details';
const DENY_ALL = { allow_by_default: false, pii_types_allowed: [] };
const policies = {
  'deepseek-v3': { pii_policy: { ...DENY_ALL, action: 'block' } },
  'gpt-oss-20b': { pii_policy: { ...DENY_ALL, action: 'redact' } },
};
type Gw = ReturnType<typeof usePolicyCacheGateway>['gw'];

/** One chat request; what the client saw and what reached the upstream. */
async function ask(gw: Gw, model: string, content: string, fields: Record<string, unknown> = {}) {
  const before = gw.up.mock.requests.length;
  const body = { model, messages: [{ role: 'user', content }], ...fields } as never;
  const { data, response } = await gw.client.chat.completions.create(body).withResponse();
  const h = (k: string) => response.headers.get(k);
  return {
    hit: h('x-vsr-cache-hit') === 'true',
    blocked: h('x-vsr-pii-violation') === 'true' && data.choices[0]?.finish_reason === 'content_filter',
    redacted: h('x-vsr-pii-redacted'),
    model: h('x-vsr-selected-model'),
    upstream: gw.up.mock.requests.slice(before).map((r) => JSON.stringify(r.body)),
  };
}
const refused = (gw: Gw) => Number(/^llm_cache_skipped_total\{reason="pii_policy"\} (\d+)/m.exec(gw.deps.metrics.render())?.[1] ?? 0);

describe.skipIf(!packsAvailable())('a hit carrying what a restricting policy denies falls through to the policy', () => {
  const { gw, servedAgain } = usePolicyCacheGateway(policies);

  it('block: the question with an address is blocked, not served; the stored question is still served', async () => {
    expect(await servedAgain('deepseek-v3', CLEAN)).toBe(true);
    expect(await ask(gw, 'deepseek-v3', WITH_MAIL)).toMatchObject({ hit: false, blocked: true, upstream: [] });
    const stream = await gw.client.chat.completions.create({ model: 'deepseek-v3', stream: true, messages: [{ role: 'user', content: WITH_MAIL }] }).withResponse();
    expect(stream.response.headers.get('x-vsr-pii-violation')).toBe('true');
    expect(stream.response.headers.get('x-vsr-cache-hit')).toBeNull();
    for await (const _ of stream.data);
    expect(refused(gw)).toBe(2);
    expect(await ask(gw, 'deepseek-v3', CLEAN)).toMatchObject({ hit: true, upstream: [] });
  });

  it('redact: the question with an address goes to the model masked, not served the other answer', async () => {
    expect(await servedAgain('gpt-oss-20b', CLEAN)).toBe(true);
    const r = await ask(gw, 'gpt-oss-20b', WITH_MAIL);
    expect(r).toMatchObject({ hit: false, redacted: 'EMAIL_ADDRESS' });
    expect(r.upstream).toHaveLength(1);
    expect(r.upstream[0]).toContain('<EMAIL_ADDRESS_1>');
    expect(r.upstream[0]).not.toContain('front.desk@example.com');
  });

  it('reroute: a routed question with an address goes to the allowed alternative, not served deepseek-v3\'s answer', async () => {
    // math (0.59 and 0.64 on the domain pack, over the 0.5 threshold): deepseek-v3 first, qwen3 allowed.
    const clean = 'Solve the quadratic equation x^2 - 5x + 6 = 0 and explain each step.';
    expect(await servedAgain('MoM', clean)).toBe(true);
    const r = await ask(gw, 'MoM', 'Solve the quadratic equation x^2 - 5x + 6 = 0 and explain each step to sam.lee@example.com.');
    expect(r).toMatchObject({ hit: false, blocked: false, model: 'qwen3' });
    expect(r.upstream).toHaveLength(1);
  });

  it('the asker\'s id is not the question: an address in `user` keeps the hit (a hit reaches no provider)', async () => {
    const q = 'How many strings does a cello have?';
    expect(await servedAgain('gpt-oss-20b', q)).toBe(true);
    expect(await ask(gw, 'gpt-oss-20b', q, { user: 'sam.lee@example.com' })).toMatchObject({ hit: true, upstream: [] });
  });

  it('a model that may see PII meets no policy: served from the cache as before, nothing refused', async () => {
    const n = refused(gw);
    expect(await servedAgain('qwen3', CLEAN)).toBe(true);
    expect(await ask(gw, 'qwen3', WITH_MAIL)).toMatchObject({ hit: true, upstream: [] });
    expect(refused(gw)).toBe(n);
  });
});

describe.skipIf(!packsAvailable())('a hit the PII scan cannot read whole is a miss: the budget decides as on a cold cache', () => {
  // match_context: false keys on the latest question alone, so a long conversation meets the stored
  // one-turn question; max_texts 4 is past for it (one text per message).
  const gw = useCacheGateway(() => startMockServer(), { match_context: false }, {
    model_config: { ...testConfig().model_config, ...policies },
    prompt_guard: { enabled: false, budget: { max_texts: 4, on_exceed: 'block' } },
  });

  it('on_exceed block: 413 as without the cache, not the stored answer', async () => {
    const oneTurn = async () => (await gw.client.chat.completions.create({ model: 'deepseek-v3', messages: [{ role: 'user', content: CLEAN }] }).withResponse()).response.headers.get('x-vsr-cache-hit');
    expect(await oneTurn()).toBeNull();
    // Stored: the one-turn question is served.
    await until(async () => (await oneTurn()) === 'true', 10_000);
    const turns = Array.from({ length: 6 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: `turn ${i}` }));
    const body = { model: 'deepseek-v3', messages: [...turns, { role: 'user', content: CLEAN }] } as never;
    for (const cacheControl of ['no-cache', undefined]) {
      const res = await fetch(`${gw.served.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer k', ...(cacheControl ? { 'x-vsr-cache-control': cacheControl } : {}) },
        body: JSON.stringify(body),
      });
      expect(res.status, cacheControl ?? 'lookup').toBe(413);
      expect(res.headers.get('x-vsr-cache-hit')).toBeNull();
    }
  });
});
