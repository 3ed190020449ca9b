// Two gateways on one redis-server (issue #3/#4, multi-pod): what one pod stores, the other serves
// under the same checks as its own entries. The question checks ride in the stored answer (word
// order, numbers, names, marks, poles), and the user partition (scope: user, bound to the
// credentials) is the same string on every pod, so pod B neither serves the opposite question nor
// a forged user id what pod A stored, and serves the same question. Real gateways, real embedding
// pack, real redis-server, the openai SDK as client.
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import OpenAI from 'openai';
import { createApp } from '../../src/app.ts';
import type { AppDeps } from '../../src/deps.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { buildNodeDeps } from '../../runtimes/node/deps.ts';
import { serveFetch, type Served } from '../../runtimes/node/serve.ts';
import { captureLogger, packsAvailable, realClassifiers, testConfig } from './gateway-harness.ts';
import { chatCompletion, countingUpstream } from './helpers/cache-gateway.ts';
import { until } from './helpers/until.ts';

const KEYS: Record<string, string> = { 'Bearer sk-alice': 'alice', 'Bearer sk-bob': 'bob' };
const up = countingUpstream((req, body) => {
  const who = KEYS[req.headers.authorization ?? ''];
  if (!who) return { status: 401, json: { error: { message: 'Invalid API key', type: 'invalid_request_error' } } };
  const q = JSON.parse(body).messages.at(-1).content;
  return { status: 200, json: chatCompletion(`${who} asked: ${q}`) };
});

interface Pod { deps: AppDeps & { close(): Promise<void> }; served: Served }
const pods: Pod[] = [];

async function pod(cache: Record<string, unknown>): Promise<Pod> {
  const config = testConfig({ semantic_cache: { enabled: true, ...cache } }, [{ name: 'production-stack', address: '127.0.0.1', port: (up.server.address() as AddressInfo).port, weight: 1 }]);
  const deps = await buildNodeDeps(config, { classifiers: await realClassifiers(), logger: captureLogger(), metrics: createMetrics({ config }) });
  const p = { deps, served: await serveFetch(createApp(deps).fetch, { port: 0 }) };
  pods.push(p);
  return p;
}

async function ask(p: Pod, q: string, key = 'sk-alice', user = 'alice') {
  const client = new OpenAI({ baseURL: `${p.served.url}/v1`, apiKey: key, maxRetries: 0, defaultHeaders: { 'x-user-id': user } });
  const { data, response } = await client.chat.completions.create({ model: 'qwen3', messages: [{ role: 'user', content: q }] }).withResponse();
  return { answer: data.choices[0]?.message.content, hit: response.headers.get('x-vsr-cache-hit') };
}

describe.skipIf(!packsAvailable())('two pods on one Redis: the question checks and the user partition', () => {
  const url = inject('redisUrl');
  let a: Pod, b: Pod;
  beforeAll(async () => {
    expect(url, 'redis-server missing').toMatch(/^redis:/);
    await new Promise<void>((r) => up.server.listen(0, '127.0.0.1', () => r()));
    const redis = { url, key_prefix: `pods-checks:${Date.now()}:` };
    a = await pod({ backend_type: 'redis', redis, scope: 'user' });
    b = await pod({ backend_type: 'redis', redis, scope: 'user' });
    // Each pod has seen both keys answered once (a hit goes to credentials the upstream accepted on that pod).
    for (const p of [a, b]) for (const [k, u] of [['sk-alice', 'alice'], ['sk-bob', 'bob']]) await ask(p, `Warm-up question ${u} ${pods.indexOf(p)}: what is a prime number?`, k, u);
  }, 120_000);
  afterAll(async () => {
    for (const p of pods) { await p.served.close(); await p.deps.close(); }
    up.server.closeAllConnections();
    await new Promise((r) => up.server.close(r));
  });

  it("pod A's answer: a hit on pod B for the same question, a miss for the opposite one and for a forged id", async () => {
    const q = 'How do I increase my credit score?';
    const had = b.deps.cache!.size();
    expect(await ask(a, q)).toEqual({ answer: `alice asked: ${q}`, hit: null });
    await until(() => b.deps.cache!.size() > had, 5000);
    expect(await ask(b, q)).toEqual({ answer: `alice asked: ${q}`, hit: 'true' });
    const before = up.calls;
    const opposite = 'How do I decrease my credit score?';
    expect(await ask(b, opposite)).toEqual({ answer: `alice asked: ${opposite}`, hit: null });
    expect(await ask(b, q, 'sk-bob', 'alice')).toEqual({ answer: `bob asked: ${q}`, hit: null });
    expect(up.calls).toBe(before + 2);
  });
});
