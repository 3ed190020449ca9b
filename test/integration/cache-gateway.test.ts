// End to end through real gateways on real sockets, with the real embedding pack and the mock
// Production Stack router: two gateways on one redis-server share answers (JSON and SSE, either way
// round), user scope keeps users apart, and different requested models never share. A scripted
// upstream on a real socket answers with refusals (the mock never declines), never stored.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import OpenAI from 'openai';
import { createApp } from '../../src/app.ts';
import type { AppDeps } from '../../src/deps.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { buildNodeDeps } from '../../runtimes/node/deps.ts';
import { serveFetch, type Served } from '../../runtimes/node/serve.ts';
import { startMockServer, type MockServer } from '../../runtimes/node/mock-server.ts';
import { captureLogger, packsAvailable, realClassifiers, testConfig, type LogCapture } from './gateway-harness.ts';
import { MAX_RECORDED_CHARS } from '../../src/upstream/sse-events.ts';
import { expectPairOverThreshold } from './helpers/cache-gateway.ts';

interface Gw { url: string; deps: AppDeps & { close(): Promise<void> }; served: Served }

let mock: MockServer;
const gws: Gw[] = [];

async function gateway(cache: Record<string, unknown>): Promise<Gw> {
  const config = testConfig({ semantic_cache: { enabled: true, ...cache } }, [{ name: 'production-stack', address: '127.0.0.1', port: mock.port, weight: 1 }]);
  const deps = await buildNodeDeps(config, { classifiers: await realClassifiers(), logger: captureLogger(), metrics: createMetrics({ config }) });
  const served = await serveFetch(createApp(deps).fetch, { port: 0 });
  const g = { url: served.url, deps, served };
  gws.push(g);
  return g;
}

// The mock records only chat completions.
const upstreamCalls = () => mock.mock.requests.length;

async function ask(g: Gw, content: string, opts: { model?: string; stream?: boolean; user?: string } = {}) {
  const res = await fetch(`${g.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(opts.user ? { 'x-user-id': opts.user } : {}) },
    body: JSON.stringify({ model: opts.model ?? 'MoM', stream: opts.stream ?? false, messages: [{ role: 'user', content }] }),
  });
  const text = await res.text();
  return { status: res.status, hit: res.headers.get('x-vsr-cache-hit'), sim: res.headers.get('x-vsr-cache-similarity'), type: res.headers.get('content-type') ?? '', text };
}

const sseContent = (text: string) =>
  text.split('\n\n').filter((e) => e.startsWith('data: ') && e !== 'data: [DONE]')
    .map((e) => JSON.parse(e.slice(6)).choices?.[0]?.delta?.content ?? '').join('');

async function until(cond: () => boolean, ms = 1000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe.skipIf(!packsAvailable())('semantic cache through the gateway', () => {
  const url = inject('redisUrl');
  let a: Gw, b: Gw;

  beforeAll(async () => {
    expect(url, 'redis-server missing').toMatch(/^redis:/);
    mock = await startMockServer();
    const redis = { url, key_prefix: `e2e:${Date.now()}:` };
    a = await gateway({ backend_type: 'redis', redis });
    b = await gateway({ backend_type: 'redis', redis });
  });

  afterAll(async () => {
    for (const g of gws) { await g.served.close(); await g.deps.close(); }
    await mock?.close();
  });

  it('an answer cached by one gateway is a hit on the other, for paraphrases too', async () => {
    // Gateway b has answered this client once: a hit goes to credentials the upstream accepted (credentials.ts).
    expect((await ask(b, 'How do I make a good cup of coffee?')).hit).toBeNull();
    await until(() => b.deps.cache!.size() >= 1);
    const had = b.deps.cache!.size();
    const before = upstreamCalls();
    const first = await ask(a, 'What is cognitive dissonance?');
    expect(first.status).toBe(200);
    expect(first.hit).toBeNull();
    expect(upstreamCalls()).toBe(before + 1);
    await until(() => b.deps.cache!.size() > had);

    const again = await ask(b, 'What is cognitive dissonance?');
    expect(again.hit).toBe('true');
    expect(Number(again.sim)).toBeGreaterThan(0.99);
    expect(JSON.parse(again.text).choices[0].message.content).toBe(JSON.parse(first.text).choices[0].message.content);
    const para = await ask(b, 'What does cognitive dissonance mean?');
    expect(para.hit).toBe('true');
    expect(Number(para.sim)).toBeGreaterThanOrEqual(0.8);
    expect(upstreamCalls()).toBe(before + 1);
  });

  it('the request line of a hit names the model, as the line of the miss that stored the answer does', async () => {
    const requestLines = (g: Gw) => (g.deps.logger as LogCapture).lines.filter((l) => l.msg === 'request').map((l) => l.obj);
    const q = 'What is the placebo effect in clinical trials?';
    const stored = b.deps.cache!.size();
    expect((await ask(a, q)).hit).toBeNull();
    const miss = requestLines(a).at(-1)!;
    expect(miss).toMatchObject({ outcome: 'upstream', requested_model: 'MoM' });
    expect(typeof miss.model).toBe('string');
    await until(() => b.deps.cache!.size() > stored);
    expect((await ask(b, q)).hit).toBe('true');
    const hit = requestLines(b).at(-1)!;
    expect(hit).toMatchObject({ outcome: 'cache_hit', cache_hit: true, requested_model: 'MoM', model: miss.model });
  });

  it('different requested models never share', async () => {
    const before = upstreamCalls();
    const r = await ask(a, 'What is cognitive dissonance?', { model: 'qwen3' });
    expect(r.hit).toBeNull();
    expect(upstreamCalls()).toBe(before + 1);
  });

  it('a JSON answer is served to a streaming client as SSE ending in [DONE] (openai SDK)', async () => {
    const client = new OpenAI({ baseURL: `${b.url}/v1`, apiKey: 'x' });
    const first = await ask(a, 'What is cognitive dissonance?');
    const stream = await client.chat.completions.create({ model: 'MoM', stream: true, messages: [{ role: 'user', content: 'What is cognitive dissonance?' }] });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    expect(text).toBe(JSON.parse(first.text).choices[0].message.content);
    const raw = await ask(b, 'What is cognitive dissonance?', { stream: true });
    expect(raw.hit).toBe('true');
    expect(raw.type).toContain('text/event-stream');
    expect(raw.text.trimEnd().endsWith('data: [DONE]')).toBe(true);
  });

  it('a streamed answer is replayed as SSE and as JSON on the other gateway', async () => {
    const q = 'What are the benefits of regular exercise?';
    // Taken before asking: the store may reach the other gateway before the client has read the end.
    const size = b.deps.cache!.size();
    const live = await ask(a, q, { stream: true });
    expect(live.hit).toBeNull();
    const content = sseContent(live.text);
    expect(content.length).toBeGreaterThan(0);
    await until(() => b.deps.cache!.size() > size);

    const sse = await ask(b, q, { stream: true });
    expect(sse.hit).toBe('true');
    expect(sseContent(sse.text)).toBe(content);
    expect(sse.text.match(/data: \[DONE\]/g)).toHaveLength(1);
    const json = await ask(b, q);
    expect(json.hit).toBe('true');
    expect(json.type).toContain('application/json');
    expect(JSON.parse(json.text).choices[0].message.content).toBe(content);
  });

  it('fields that shape the answer (n, logprobs, max_tokens, stop...) are part of the key', async () => {
    // Before: a plain answer (one choice, no logprobs) was served to a request for n: 3 with logprobs.
    const q = 'What is cognitive dissonance?';
    await ask(a, q);
    const post = (extra: Record<string, unknown>) =>
      fetch(`${a.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'MoM', messages: [{ role: 'user', content: q }], ...extra }) })
        .then(async (r) => ({ hit: r.headers.get('x-vsr-cache-hit'), text: await r.text() }));
    for (const extra of [{ n: 3, logprobs: true }, { max_tokens: 5 }, { stop: ['\n'] }]) {
      const before = upstreamCalls();
      expect((await post(extra)).hit, JSON.stringify(extra)).toBeNull();
      expect(upstreamCalls()).toBe(before + 1);
    }
    // The same shape again is a hit once stored, and the plain question still hits its own entry.
    // (Not n: the mock answers one choice whatever n asks, and such an answer is not stored.)
    const size = a.deps.cache!.size();
    await post({ max_tokens: 7 });
    await until(() => a.deps.cache!.size() > size);
    expect((await post({ max_tokens: 7 })).hit).toBe('true');
    expect((await ask(a, q)).hit).toBe('true');
  });

  it('x-vsr-cache-control: no-cache goes upstream', async () => {
    const before = upstreamCalls();
    const res = await fetch(`${b.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-vsr-cache-control': 'no-cache' },
      body: JSON.stringify({ model: 'MoM', messages: [{ role: 'user', content: 'What is cognitive dissonance?' }] }),
    });
    await res.text();
    expect(res.headers.get('x-vsr-cache-hit')).toBeNull();
    expect(upstreamCalls()).toBe(before + 1);
  });

  it('under scope: user, user A\'s hit is a miss for user B', async () => {
    const u = await gateway({ scope: 'user' });
    const q = 'Explain the theory of relativity';
    expect((await ask(u, q, { user: 'alice' })).hit).toBeNull();
    await until(() => u.deps.cache!.size() >= 1);
    expect((await ask(u, q, { user: 'alice' })).hit).toBe('true');
    expect((await ask(u, q, { user: 'bob' })).hit).toBeNull();
    // no user header: not cached at all under user scope
    expect((await ask(u, q)).hit).toBeNull();
  });

  it('a question with the same words in another order is not served the stored answer (it can mean the opposite)', async () => {
    // The embedding is a bag of words: a swapped question embeds identically (similarity 1.0), so
    // before this the answer for Roth -> traditional was served for traditional -> Roth (QA probe).
    const m = await gateway({});
    for (const [q, swapped] of [
      ['Should I convert my traditional IRA to a Roth IRA?', 'Should I convert my Roth IRA to a traditional IRA?'],
      ['Compute the integral of x^3 from 0 to 2', 'Compute the integral of x^2 from 0 to 3'],
    ]) {
      const size = m.deps.cache!.size();
      expect((await ask(m, q!)).hit).toBeNull();
      await until(() => m.deps.cache!.size() > size);
      expect((await ask(m, q!)).hit, q).toBe('true');
      expect((await ask(m, q!.toUpperCase().replace('?', ' ?'))).hit, 'same words, same order').toBe('true');
      // Over the threshold: only the word-order check can be what refuses it.
      await expectPairOverThreshold(m.deps, q!, swapped!);
      const before = upstreamCalls();
      expect((await ask(m, swapped!)).hit, swapped).toBeNull();
      expect(upstreamCalls()).toBe(before + 1);
      // Once the swapped question's own answer is stored, each question gets its own.
      await until(() => m.deps.cache!.size() > size + 1);
      expect((await ask(m, swapped!)).hit).toBe('true');
      expect((await ask(m, q!)).hit).toBe('true');
    }
  });

  it('a question that differs in a number is not served the stored answer', async () => {
    // The embedding weighs a changed number lightly: "17 times 24" scored 0.95 against "17 times 23"
    // and got its answer (QA probe).
    const m = await gateway({});
    const size = m.deps.cache!.size();
    expect((await ask(m, 'What is 17 times 23?')).hit).toBeNull();
    await until(() => m.deps.cache!.size() > size);
    expect((await ask(m, 'What is 17 times 23?')).hit).toBe('true');
    expect((await ask(m, 'what is 17 times 23')).hit).toBe('true');
    for (const q of ['What is 17 times 24?', 'What is 18 times 23?', 'What is 17 times 23 times 2?']) {
      // Over the threshold: only the number check can be what refuses it.
      await expectPairOverThreshold(m.deps, 'What is 17 times 23?', q);
      const before = upstreamCalls();
      expect((await ask(m, q)).hit, q).toBeNull();
      expect(upstreamCalls()).toBe(before + 1);
    }
  });
});

// OpenAI puts a declined answer in message.refusal (JSON) and delta.refusal (SSE), content null.
describe.skipIf(!packsAvailable())('semantic cache replays refusals', () => {
  let answer: (res: http.ServerResponse) => void = (res) => res.end();
  let calls = 0;
  let upstream: http.Server;
  const own: Gw[] = [];

  beforeAll(async () => {
    upstream = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => { calls++; answer(res); });
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
  });

  afterAll(async () => {
    for (const g of own) { await g.served.close(); await g.deps.close(); }
    upstream?.closeAllConnections();
    await new Promise((r) => upstream?.close(r));
  });

  async function memoryGateway(): Promise<Gw> {
    const port = (upstream.address() as AddressInfo).port;
    const config = testConfig({ semantic_cache: { enabled: true, backend_type: 'memory' } }, [{ name: 'production-stack', address: '127.0.0.1', port, weight: 1 }]);
    const deps = await buildNodeDeps(config, { classifiers: await realClassifiers(), logger: captureLogger(), metrics: createMetrics({ config }) });
    const served = await serveFetch(createApp(deps).fetch, { port: 0 });
    const g = { url: served.url, deps, served };
    own.push(g);
    return g;
  }
  const chunk = (delta: unknown, finish: string | null = null) =>
    `data: ${JSON.stringify({ id: 'r1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  const refusalOf = (text: string) =>
    text.split('\n\n').filter((e) => e.startsWith('data: ') && e !== 'data: [DONE]')
      .map((e) => JSON.parse(e.slice(6)).choices?.[0]?.delta?.refusal ?? '').join('');
  const REFUSAL = "I'm sorry, but I can't help with that request.";

  // A refusal is the model declining this asker's question (often one sample of several): stored, it
  // was served for the TTL to every close question, benign rewordings included (0.8 is not identity).
  // Refusals are few, so asking again costs little. The client gets it whole; the cache keeps nothing.
  it('a streamed refusal reaches the client whole and is not stored: the next ask goes upstream', async () => {
    const g = await memoryGateway();
    // Cut mid-word and mid-event across network writes, as a real upstream may.
    const body = chunk({ role: 'assistant', content: null, refusal: '' }) + chunk({ refusal: "I'm sorry, but I c" }) + chunk({ refusal: "an't help with that request." }) + chunk({}, 'stop') + 'data: [DONE]\n\n';
    answer = (res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const cut = [0, 90, 250, 400, body.length];
      let i = 0;
      const next = () => (i < cut.length - 1 ? (res.write(body.slice(cut[i], cut[++i])), setTimeout(next, 5)) : res.end());
      next();
    };
    const q = 'How do I break into my neighbour\'s house while they are away?';
    const before = calls;
    const live = await ask(g, q, { stream: true });
    expect(live.hit).toBeNull();
    expect(refusalOf(live.text)).toBe(REFUSAL);
    await until(() => g.deps.metrics.render().includes('llm_cache_write_skipped_total{reason="refusal"} 1'));

    const json = await ask(g, q);
    expect(json.hit, 'before: stored, then a hit').toBeNull();
    expect(JSON.parse(json.text).choices[0].message.refusal).toBe(REFUSAL);
    expect(calls).toBe(before + 2);
    expect(g.deps.cache!.size()).toBe(0);
  });

  it('a JSON refusal (content null) is not stored either', async () => {
    const g = await memoryGateway();
    answer = (res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'r2', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: null, refusal: REFUSAL }, finish_reason: 'stop' }] }));
    };
    const q = 'Write a convincing phishing email that steals bank passwords';
    const before = calls;
    expect((await ask(g, q)).hit).toBeNull();
    await until(() => g.deps.metrics.render().includes('llm_cache_write_skipped_total{reason="refusal"} 1'));
    const sse = await ask(g, q, { stream: true });
    expect(sse.hit, 'before: stored, then a hit').toBeNull();
    expect(refusalOf(sse.text)).toBe(REFUSAL);
    expect(calls).toBe(before + 2);
    expect(g.deps.cache!.size()).toBe(0);
  });

  it('an answer longer than the record cap is not stored and is counted too_large, JSON or streamed', async () => {
    const g = await memoryGateway();
    const long = 'All work and no play makes Jack a dull boy. '.repeat(Math.ceil(MAX_RECORDED_CHARS / 44) + 1000);
    answer = (res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'r3', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: long }, finish_reason: 'stop' }] }));
    };
    const q = 'Repeat the famous line from The Shining many times over';
    const before = calls;
    expect((await ask(g, q)).hit).toBeNull();
    await until(() => g.deps.metrics.render().includes('llm_cache_write_skipped_total{reason="too_large"} 1'));
    expect((await ask(g, q)).hit, 'before: stored, then a hit').toBeNull();

    answer = (res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (let i = 0; i < long.length; i += 65536) res.write(chunk({ content: long.slice(i, i + 65536) }));
      res.end(chunk({}, 'stop') + 'data: [DONE]\n\n');
    };
    const q2 = 'Type the same sentence from that horror novel again and again';
    const live = await ask(g, q2, { stream: true });
    expect(live.hit).toBeNull();
    expect(live.text.length).toBeGreaterThan(long.length);
    // The two JSON asks above counted 1 each; the streamed one, cut from the record, counts too.
    await until(() => g.deps.metrics.render().includes('llm_cache_write_skipped_total{reason="too_large"} 3'));
    expect((await ask(g, q2, { stream: true })).hit, 'before: recorded whole, then a hit').toBeNull();
    expect(g.deps.cache!.size()).toBe(0);
    expect(calls).toBe(before + 4);
  });
});
