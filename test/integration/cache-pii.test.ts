// The semantic cache and personal data, through a real gateway on a real socket with the real packs
// and the mock Production Stack router. With every model allowed to see PII (the default config), the
// PII stage never scans, yet an answer to "write a bio for <name>, <email>" must not be stored: the
// next user whose question is close enough would be served the first user's data.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { createApp } from '../../src/app.ts';
import type { AppDeps } from '../../src/deps.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { buildNodeDeps } from '../../runtimes/node/deps.ts';
import { serveFetch, type Served } from '../../runtimes/node/serve.ts';
import { startMockServer, type MockServer } from '../../runtimes/node/mock-server.ts';
import { captureLogger, packsAvailable, realClassifiers, testConfig } from './gateway-harness.ts';

interface Gateway { url: string; deps: AppDeps & { close(): Promise<void> }; served: Served }
let mock: MockServer;

async function gateway(cache: Record<string, unknown>): Promise<Gateway> {
  const config = testConfig({ semantic_cache: { enabled: true, ...cache } }, [{ name: 'production-stack', address: '127.0.0.1', port: mock.port, weight: 1 }]);
  const deps = await buildNodeDeps(config, { classifiers: await realClassifiers(), logger: captureLogger(), metrics: createMetrics({ config }) });
  const served = await serveFetch(createApp(deps).fetch, { port: 0 });
  return { url: served.url, deps, served };
}

async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const skipped = (gw: Gateway, reason: string) =>
  Number(gw.deps.metrics.render().match(new RegExp(`llm_cache_write_skipped_total\\{reason="${reason}"\\} (\\d+)`))?.[1] ?? 0);

describe.skipIf(!packsAvailable())('semantic cache: answers to prompts with personal data are not stored', () => {
  let gw: Gateway;
  let off: Gateway;
  const upstreamCalls = (_g: Gateway) => mock.mock.requests.length;
  const client = (g: Gateway, user: string) => new OpenAI({ baseURL: `${g.url}/v1`, apiKey: 'x', defaultHeaders: { 'x-user-id': user } });
  const ask = async (g: Gateway, user: string, messages: OpenAI.ChatCompletionMessageParam[]) => {
    const before = upstreamCalls(g);
    const { data, response } = await client(g, user).chat.completions.create({ model: 'MoM', messages }).withResponse();
    return { upstream: upstreamCalls(g) - before, hit: response.headers.get('x-vsr-cache-hit'), content: data.choices[0].message.content };
  };

  beforeAll(async () => {
    mock = await startMockServer();
    gw = await gateway({});
    off = await gateway({ skip_pii_types: [] });
  });
  afterAll(async () => {
    for (const g of [gw, off]) if (g) { await g.served.close(); await g.deps.close(); }
    await mock?.close();
  });

  it('a question carrying an e-mail address is not stored, so another user asking it goes upstream', async () => {
    const q = 'Write a two-line bio for Johanna Keller, reachable at johanna.keller@example.com, a nurse in Leeds.';
    const a = await ask(gw, 'alice', [{ role: 'user', content: q }]);
    expect(a.upstream).toBe(1);
    await until(() => skipped(gw, 'pii') >= 1);
    const b = await ask(gw, 'bob', [{ role: 'user', content: q }]);
    expect(b.upstream).toBe(1);
    expect(b.hit).toBeNull();
  });

  it('personal data in an earlier message counts too (the answer may quote it)', async () => {
    const before = skipped(gw, 'pii');
    const size = gw.deps.cache!.size();
    const messages: OpenAI.ChatCompletionMessageParam[] = [
      { role: 'system', content: 'The customer is Peter Novak, phone +44 20 7946 0958.' },
      { role: 'user', content: 'How do I reset my router password?' },
    ];
    await ask(gw, 'alice', messages);
    await until(() => skipped(gw, 'pii') > before);
    expect(gw.deps.cache!.size()).toBe(size);
    expect((await ask(gw, 'bob', messages)).upstream).toBe(1);
  });

  it('a question naming people and places but no identifier is stored and served as before', async () => {
    const q = 'What did Isaac Newton study at Cambridge, and what are his three laws of motion?';
    const size = gw.deps.cache!.size();
    expect((await ask(gw, 'alice', [{ role: 'user', content: q }])).upstream).toBe(1);
    await until(() => gw.deps.cache!.size() > size);
    const b = await ask(gw, 'bob', [{ role: 'user', content: q }]);
    expect(b.upstream).toBe(0);
    expect(b.hit).toBe('true');
  });

  it('skip_pii_types: [] stores them (the reference\'s behaviour)', async () => {
    const q = 'Write a two-line bio for Johanna Keller, reachable at johanna.keller@example.com, a nurse in Leeds.';
    expect((await ask(off, 'alice', [{ role: 'user', content: q }])).upstream).toBe(1);
    // The store runs after the answer is sent.
    await until(() => off.deps.cache!.size() === 1);
    expect((await ask(off, 'bob', [{ role: 'user', content: q }])).upstream).toBe(0);
    expect(skipped(off, 'pii')).toBe(0);
  });
});
