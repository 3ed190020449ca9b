// The word-swap check across pods (issue #3/#4): what one gateway stores in the Redis-backed cache,
// another serves under the same check, since the question's stems ride in the stored answer
// (src/cache/word-swaps.ts). Pod B serves pod A's answer to the same question and refuses it to the
// question with a noun or a pronoun swapped, and serves it to a how-to question whose subject and
// possessive shift together ("how do I reset my password" / "how do you ..."). Real gateways, real embedding pack, real redis-server,
// the openai SDK as client.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { createApp } from '../../src/app.ts';
import type { AppDeps } from '../../src/deps.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { buildNodeDeps } from '../../runtimes/node/deps.ts';
import { serveFetch, type Served } from '../../runtimes/node/serve.ts';
import { captureLogger, packsAvailable, realClassifiers, testConfig } from './gateway-harness.ts';
import { chatCompletion, countingUpstream, expectPairOverThreshold } from './helpers/cache-gateway.ts';
import { until } from './helpers/until.ts';

const up = countingUpstream((_req, body) => ({ status: 200, json: chatCompletion(`answer to: ${JSON.parse(body).messages.at(-1).content}`) }));

interface Pod { deps: AppDeps & { close(): Promise<void> }; served: Served; client: OpenAI }
const pods: Pod[] = [];

async function pod(cache: Record<string, unknown>): Promise<Pod> {
  const config = testConfig({ semantic_cache: { enabled: true, verify_credentials: false, ...cache } }, [
    { name: 'production-stack', address: '127.0.0.1', port: (up.server.address() as AddressInfo).port, weight: 1 },
  ]);
  const deps = await buildNodeDeps(config, { classifiers: await realClassifiers(), logger: captureLogger(), metrics: createMetrics({ config }) });
  const served = await serveFetch(createApp(deps).fetch, { port: 0 });
  const p = { deps, served, client: new OpenAI({ baseURL: `${served.url}/v1`, apiKey: 'k', maxRetries: 0 }) };
  pods.push(p);
  return p;
}

async function ask(p: Pod, q: string) {
  const { data, response } = await p.client.chat.completions.create({ model: 'qwen3', messages: [{ role: 'user', content: q }] }).withResponse();
  return { answer: data.choices[0]?.message.content, hit: response.headers.get('x-vsr-cache-hit') };
}

describe.skipIf(!packsAvailable())('two pods on one Redis: a swapped word', () => {
  const url = inject('redisUrl');
  let a: Pod, b: Pod;
  beforeAll(async () => {
    expect(url, 'redis-server missing').toMatch(/^redis:/);
    await new Promise<void>((r) => up.server.listen(0, '127.0.0.1', () => r()));
    const redis = { url, key_prefix: `word-swaps:${Date.now()}:` };
    a = await pod({ backend_type: 'redis', redis });
    b = await pod({ backend_type: 'redis', redis });
  }, 120_000);
  afterAll(async () => {
    for (const p of pods) { await p.served.close(); await p.deps.close(); }
    up.server.closeAllConnections();
    await new Promise((r) => up.server.close(r));
  });

  it.each([
    ['What should I tell my wife?', 'What should I tell my husband?'],
    ['What is his favorite food?', 'What is her favorite food?'],
  ])("pod A's answer to %s: a hit on pod B, a miss there for: %s", async (q, other) => {
    const had = b.deps.cache!.size();
    expect(await ask(a, q)).toEqual({ answer: `answer to: ${q}`, hit: null });
    await until(() => b.deps.cache!.size() > had, 5000);
    expect(await ask(b, q)).toEqual({ answer: `answer to: ${q}`, hit: 'true' });
    // Over the threshold: only the word-swap check can be what refuses it.
    await expectPairOverThreshold(b.deps, q, other);
    const calls = up.calls;
    expect(await ask(b, other)).toEqual({ answer: `answer to: ${other}`, hit: null });
    expect(up.calls).toBe(calls + 1);
  });

  it("pod A's 'How do I reset my password?': on pod B a hit for the subject's shift, a miss for a mixed one", async () => {
    const q = 'How do I reset my password?';
    const had = b.deps.cache!.size();
    expect(await ask(a, q)).toEqual({ answer: `answer to: ${q}`, hit: null });
    await until(() => b.deps.cache!.size() > had, 5000);
    // my -> your with I -> you (the own/others poles and the stems ride in the stored answer)
    expect(await ask(b, 'How do you reset your password?')).toEqual({ answer: `answer to: ${q}`, hit: 'true' });
    await expectPairOverThreshold(b.deps, q, 'How do you reset my password?');
    const calls = up.calls;
    expect(await ask(b, 'How do you reset my password?')).toEqual({ answer: 'answer to: How do you reset my password?', hit: null });
    expect(up.calls).toBe(calls + 1);
  });
});
