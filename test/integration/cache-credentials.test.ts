// Semantic cache and the upstream's authentication (issue #3): the gateway does not check API keys,
// the engine does (vLLM --api-key, a hosted provider), and a cache hit never reaches it, so any
// client, with a wrong key or none, was served the answers other clients paid for. A hit now goes
// only to a request whose credentials (Authorization, x-api-key, api-key) the upstream accepted
// (answered 2xx) within the last 15 minutes, on this pod; other requests go upstream, which answers
// them as it does (a 401 here), and a key it accepts is served hits from then on. Only a SHA-256 of
// the credentials is kept. Real gateway, real embedding pack, the openai SDK as client.
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { createApp } from '../../src/app.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { buildNodeDeps } from '../../runtimes/node/deps.ts';
import { serveFetch } from '../../runtimes/node/serve.ts';
import { captureLogger, packsAvailable, realClassifiers, testConfig } from './gateway-harness.ts';
import { chatCompletion, countingUpstream, listening, useCacheGateway } from './helpers/cache-gateway.ts';
import { until } from './helpers/until.ts';

const KEYS = new Set(['Bearer sk-alice', 'Bearer sk-bob']);
const up = countingUpstream((req) =>
  KEYS.has(req.headers.authorization ?? '')
    ? { status: 200, json: chatCompletion('Canberra.') }
    : { status: 401, json: { error: { message: 'Invalid API key', type: 'invalid_request_error', code: 'invalid_api_key' } } },
);
const cached = useCacheGateway(() => listening(up.server));

const Q = 'What is the capital city of Australia?';
const client = (apiKey: string) => new OpenAI({ baseURL: `${cached.served.url}/v1`, apiKey, maxRetries: 0 });
async function ask(apiKey: string): Promise<{ status: number; hit: string | null }> {
  try {
    const { response } = await client(apiKey).chat.completions.create({ model: 'qwen3', messages: [{ role: 'user', content: Q }] }).withResponse();
    return { status: response.status, hit: response.headers.get('x-vsr-cache-hit') };
  } catch (err) {
    return { status: (err as { status?: number }).status ?? 0, hit: (err as { headers?: Headers }).headers?.get('x-vsr-cache-hit') ?? null };
  }
}

describe.skipIf(!packsAvailable())('cache hits and the upstream\'s API keys', () => {
  it('a stored answer is not served to a client the upstream refuses; a key it accepts gets hits', async () => {
    expect(await ask('sk-alice')).toEqual({ status: 200, hit: null });
    await until(() => cached.deps.cache!.size() === 1, 5000);
    expect(await ask('sk-alice')).toEqual({ status: 200, hit: 'true' });

    const before = up.calls;
    // Before: both were served Alice's answer from the cache (200, x-vsr-cache-hit: true).
    expect(await ask('sk-wrong')).toEqual({ status: 401, hit: null });
    expect(await ask('')).toEqual({ status: 401, hit: null });
    expect(up.calls).toBe(before + 2);
    // Still refused the next time: a refusal teaches nothing.
    expect(await ask('sk-wrong')).toEqual({ status: 401, hit: null });

    // Bob's key is good: his first ask goes upstream (and is answered), then he shares the cache.
    expect(await ask('sk-bob')).toEqual({ status: 200, hit: null });
    expect(await ask('sk-bob')).toEqual({ status: 200, hit: 'true' });
    expect(up.calls).toBe(before + 4);
  });

  it('verify_credentials: false serves any client, as the reference (a proxy in front checks the keys)', async () => {
    const config = testConfig({ semantic_cache: { enabled: true, verify_credentials: false } }, [{ name: 'production-stack', address: '127.0.0.1', port: (up.server.address() as AddressInfo).port }]);
    const open = await buildNodeDeps(config, { classifiers: await realClassifiers(), logger: captureLogger(), metrics: createMetrics({ config }) });
    const gw = await serveFetch(createApp(open).fetch, { port: 0 });
    try {
      const c = (k: string) => new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: k, maxRetries: 0 }).chat.completions.create({ model: 'qwen3', messages: [{ role: 'user', content: Q }] }).withResponse();
      await c('sk-alice');
      await until(() => open.cache!.size() === 1, 5000);
      expect((await c('sk-wrong')).response.headers.get('x-vsr-cache-hit')).toBe('true');
    } finally {
      await gw.close();
      await open.close();
    }
  });
});
