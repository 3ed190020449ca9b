// eviction_policy lru / lfu behind a Service: a hit on any pod counts for eviction on every pod. Three
// real gateways on one real redis-server, max_entries 3: pod A stores E, X and Y, E is asked only
// through pod B, then pod A stores a fourth answer. Each pod evicting by the hits it saw itself,
// A dropped E (it never served it) and told the others to drop it: the entry the traffic used was
// the one gone. Now B's hits reach A and C within about a second (batched, off the lookup path),
// so X goes on every pod and E stays: under lru X is the one nobody asked again; under lfu X and Y
// are each asked once through A, after E, so only E's count (two, on B) keeps it (sharing the
// last-use times alone would still drop E there). The openai SDK is the client.
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
import { cacheOps } from './helpers/redis-pods.ts';

const up = countingUpstream((_req, body) => ({ status: 200, json: chatCompletion(`answer to: ${JSON.parse(body).messages.at(-1).content}`) }));

interface Pod { deps: AppDeps & { close(): Promise<void> }; served: Served; client: OpenAI }
const open: Pod[] = [];

async function pod(cache: Record<string, unknown>): Promise<Pod> {
  const config = testConfig({ semantic_cache: { enabled: true, verify_credentials: false, ...cache } },
    [{ name: 'production-stack', address: '127.0.0.1', port: (up.server.address() as AddressInfo).port, weight: 1 }]);
  const metrics = createMetrics({ config });
  const deps = await buildNodeDeps(config, { classifiers: await realClassifiers(), logger: captureLogger(), metrics });
  const served = await serveFetch(createApp(deps).fetch, { port: 0 });
  const p = { deps, served, client: new OpenAI({ baseURL: `${served.url}/v1`, apiKey: 'k', maxRetries: 0 }) };
  open.push(p);
  return p;
}

/** Asks `q`; with `look`, the answer is not stored (a miss must not evict anything). */
async function ask(p: Pod, q: string, look = false): Promise<{ answer?: string | null; hit: boolean }> {
  const { data, response } = await p.client.chat.completions
    .create({ model: 'qwen3', messages: [{ role: 'user', content: q }] }, look ? { headers: { 'x-vsr-cache-control': 'no-store' } } : {})
    .withResponse();
  return { answer: data.choices[0]?.message.content, hit: response.headers.get('x-vsr-cache-hit') === 'true' };
}

const E = 'What is the capital city of France?';
const X = 'How do I bake sourdough bread at home?';
const Y = 'Explain how a diesel engine works.';
const N = 'Who painted the Sistine Chapel ceiling?';

/** Pod B's hits on E went out to Redis (their batch is published to the other pods with it). */
const sent = (p: Pod) => cacheOps(p.deps.metrics, 'publish_uses') > 0;

/** Entries put into the pod's index: its own stores and the other pods' (as their events arrive, in order). */
const stored = (p: Pod) => cacheOps(p.deps.metrics, 'store');

beforeAll(async () => {
  await new Promise<void>((r) => up.server.listen(0, '127.0.0.1', () => r()));
});
afterAll(async () => {
  for (const p of open) { await p.served.close(); await p.deps.close(); }
  up.server.closeAllConnections();
  await new Promise((r) => up.server.close(r));
});

describe.skipIf(!packsAvailable())('lru / lfu on three pods sharing one Redis: hits anywhere count for eviction everywhere', () => {
  const url = inject('redisUrl');

  const cases = [
    { policy: 'lru', onA: [], title: 'the entry used only through pod B survives pod A\'s eviction; the unused one goes' },
    { policy: 'lfu', onA: [X, Y], title: 'the entry hit twice through pod B outlives those hit once, later, through pod A' },
  ];
  for (const { policy, onA, title } of cases) it(`${policy}: ${title}`, async () => {
    expect(url, 'redis-server missing').toMatch(/^redis:/);
    const cache = { backend_type: 'redis', redis: { url, key_prefix: `shared-uses:${policy}:${Date.now()}:` }, eviction_policy: policy, max_entries: 3, max_memory_mb: 0 };
    const [a, b, c] = [await pod(cache), await pod(cache), await pod(cache)];
    // One at a time: an answer is stored after it went out, and the order of the stores matters.
    for (const [i, q] of [E, X, Y].entries()) {
      expect(await ask(a!, q)).toEqual({ answer: `answer to: ${q}`, hit: false });
      await until(() => a!.deps.cache!.size() === i + 1, 5000);
    }
    await until(() => b!.deps.cache!.size() === 3 && c!.deps.cache!.size() === 3, 5000);

    // E is served by pod B only (twice: lfu counts), never by A or C.
    for (let i = 0; i < 2; i++) expect(await ask(b!, E)).toEqual({ answer: `answer to: ${E}`, hit: true });
    await until(() => sent(b!), 5000);
    for (const q of onA) expect(await ask(a!, q)).toEqual({ answer: `answer to: ${q}`, hit: true });

    expect(await ask(a!, N)).toEqual({ answer: `answer to: ${N}`, hit: false });
    // N is in every pod (after what A removed for it: its events come in order).
    await until(() => [a!, b!, c!].every((p) => stored(p) === 4), 5000);
    const calls = up.calls;
    for (const p of [a!, b!, c!]) {
      expect(await ask(p, E, true), `E on pod ${'abc'[open.indexOf(p) % 3]}`).toEqual({ answer: `answer to: ${E}`, hit: true });
      expect(await ask(p, N, true)).toEqual({ answer: `answer to: ${N}`, hit: true });
      expect(await ask(p, Y, true)).toEqual({ answer: `answer to: ${Y}`, hit: true });
    }
    expect(up.calls).toBe(calls);
    // X is the one evicted, on every pod.
    for (const p of [a!, b!, c!]) expect(await ask(p, X, true)).toEqual({ answer: `answer to: ${X}`, hit: false });
    expect(up.calls).toBe(calls + 3);
  });
});
