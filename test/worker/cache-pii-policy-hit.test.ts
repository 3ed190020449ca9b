// The Worker runs the same pipeline as Node, so a restricting pii_policy decides on a warm cache as on
// a cold one (src/cache/pii-check.ts hitPiiVerdict): with every model's policy deny-all, the question
// with an e-mail address is blocked, not served the stored answer of the close question without it
// (similarity 0.9+), and the stored question is still served. Durable Object backend, real packs in workerd.
import { env, createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import worker, { type WorkerEnv } from '../../runtimes/worker/index.ts';
import { cacheYaml } from './cache-config.ts';

const base = env as unknown as WorkerEnv;

async function ask(e: WorkerEnv, content: string) {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request('https://semroute.test/v1/chat/completions', {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'MoM', messages: [{ role: 'user', content }] }),
  }), e, ctx);
  const json = (await res.json()) as { choices: Array<{ finish_reason: string }> };
  await waitOnExecutionContext(ctx);
  return { status: res.status, hit: res.headers.get('x-vsr-cache-hit'), violation: res.headers.get('x-vsr-pii-violation'), finish: json.choices[0]?.finish_reason };
}

describe('a restricting pii_policy on a warm cache (Worker)', () => {
  it('deny-all: the question with an address is blocked, not served the answer of the one without', async () => {
    const doc = parseYaml(cacheYaml(`pii-policy-${crypto.randomUUID()}`)) as { model_config: Record<string, { pii_policy?: unknown }> };
    for (const m of Object.values(doc.model_config)) m.pii_policy = { allow_by_default: false, pii_types_allowed: [] };
    const e: WorkerEnv = { ...base, SEMROUTE_CONFIG: stringifyYaml(doc) };
    const clean = 'Contact me at the front desk for more details';
    expect(await ask(e, clean)).toMatchObject({ status: 200, hit: null, violation: null });
    const t0 = Date.now();
    while ((await ask(e, clean)).hit !== 'true') {
      if (Date.now() - t0 > 20_000) throw new Error('timed out waiting for the clean answer to be stored');
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await ask(e, 'Contact me at front.desk@example.com for more details')).toEqual({ status: 200, hit: null, violation: 'true', finish: 'content_filter' });
    expect((await ask(e, clean)).hit).toBe('true');
  });
});
