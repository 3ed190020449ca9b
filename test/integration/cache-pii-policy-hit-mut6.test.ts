// Mutation audit 6 of ee9de01 (a cache hit under a restricting pii_policy, src/cache/pii-check.ts
// hitPiiVerdict). Three of its checks had no test that failed without them; each is a stored answer
// served where a cold cache blocks, reroutes or refuses:
// - for an auto name a hit is refused when ANY restricting policy the request may meet denies what it
//   carries (routing has not run): with every policy denying, "any" and "all" read the same; here
//   gpt-oss-20b may see e-mail addresses and deepseek-v3 nothing;
// - the strings no reader covers (an unknown field) are scanned as the PII stage scans them: an
//   address there is in neither the cache key nor the embedding, so the clean question's answer met it;
// - a detector that fails on the hit is a miss (the PII stage then decides), not a clean hit.
// The official openai SDK -> semroute with the cache on (real socket, real packs) -> the mock upstream.
import { beforeAll, describe, expect, it } from 'vitest';
import { packsAvailable } from './gateway-harness.ts';
import { usePolicyCacheGateway } from './helpers/policy-cache-gateway.ts';
import type { Classifiers } from '../../src/classify/types.ts';

const MATH = 'Solve the quadratic equation x^2 - 5x + 6 = 0 and explain each step.';
const CLEAN = 'Contact me at the front desk for more details';

describe.skipIf(!packsAvailable())('a hit under a restricting policy, mutation audit 6', () => {
  const { gw, servedAgain } = usePolicyCacheGateway({
    'deepseek-v3': { pii_policy: { allow_by_default: false, pii_types_allowed: [], action: 'block' } },
    'gpt-oss-20b': { pii_policy: { allow_by_default: false, pii_types_allowed: ['EMAIL_ADDRESS'], action: 'block' } },
  });
  // The PII detector, made to fail on demand (an engine error): every method rejects while `down`.
  let down = false;
  beforeAll(() => {
    const real = gw.deps.classifiers;
    const failing = (d: object) => new Proxy(d, { get: (t, k) => { const v = Reflect.get(t, k); return typeof v === 'function' ? (...a: unknown[]) => (down ? Promise.reject(new Error('pii engine down')) : v.apply(t, a)) : v; } });
    (gw.deps as { classifiers: Classifiers }).classifiers = new Proxy(real, { get: (t, k) => (k === 'pii' ? (n?: string) => { const d = t.pii(n); return d && failing(d); } : Reflect.get(t, k)) });
  });
  const ask = async (model: string, content: string, fields: Record<string, unknown> = {}, headers: Record<string, string> = {}) => {
    const before = gw.up.mock.requests.length;
    const res = await fetch(`${gw.served.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer k', ...headers },
      body: JSON.stringify({ model, messages: [{ role: 'user', content }], ...fields }),
    });
    await res.text();
    const h = (k: string) => res.headers.get(k);
    return { status: res.status, hit: h('x-vsr-cache-hit') === 'true', blocked: h('x-vsr-pii-violation') === 'true', model: h('x-vsr-selected-model'), forwarded: gw.up.mock.requests.length > before };
  };

  it('an address one of the policies denies: routed and rerouted, not served', async () => {
    expect(await servedAgain('MoM', MATH)).toBe(true);
    const r = await ask('MoM', MATH.replace('step.', 'step to sam.lee@example.com.'));
    expect(r).toMatchObject({ hit: false, model: 'qwen3', forwarded: true });
  });

  it('an address in a field no reader covers: blocked, not served the clean question\'s answer', async () => {
    expect(await servedAgain('deepseek-v3', CLEAN)).toBe(true);
    expect(await ask('deepseek-v3', CLEAN, { notes: 'sam.lee@example.com' })).toMatchObject({ hit: false, blocked: true, forwarded: false });
  });

  it('a detector failing on the hit: answered as on a cold cache, not from the cache', async () => {
    expect(await servedAgain('deepseek-v3', 'How many strings does a cello have?')).toBe(true);
    down = true;
    try {
      const cold = await ask('deepseek-v3', 'How many strings does a cello have?', {}, { 'x-vsr-cache-control': 'no-cache' });
      expect(cold.status).toBeGreaterThanOrEqual(500);
      expect(await ask('deepseek-v3', 'How many strings does a cello have?')).toEqual({ ...cold, hit: false });
    } finally {
      down = false;
    }
  });
});
