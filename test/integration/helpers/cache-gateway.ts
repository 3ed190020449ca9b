// The semantic-cache tests' set-up: a gateway with the cache on (memory backend unless `cache` says
// otherwise) and the real packs (the cache embeds the question), in front of an upstream the test
// starts, and the `openai` SDK pointed at it. startGateway cannot serve: it builds without a cache.
// Registers beforeAll/afterAll in the scope it is called from (a describe.skipIf keeps them off).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect } from 'vitest';
import OpenAI from 'openai';
import { createApp } from '../../../src/app.ts';
import type { AppDeps } from '../../../src/deps.ts';
import { createMetrics } from '../../../src/observability/metrics.ts';
import { buildNodeDeps } from '../../../runtimes/node/deps.ts';
import { serveFetch, type Served } from '../../../runtimes/node/serve.ts';
import type { MockServer } from '../../../runtimes/node/mock-server.ts';
import { thresholdFor } from '../../../src/cache/plan.ts';
import { captureLogger, realClassifiers, testConfig } from '../gateway-harness.ts';
import { until } from './until.ts';

export interface CacheGateway<U> {
  /** The upstream `start` returned. */
  readonly up: U;
  readonly deps: AppDeps & { close(): Promise<void> };
  readonly served: Served;
  /** An SDK client with apiKey 'k' and no retries. */
  readonly client: OpenAI;
}

/** `start` gives the only endpoint; `cache` is merged into semantic_cache (enabled: true); `config`
 *  holds other top-level overrides as testConfig takes them (model_config for pii_policy tests). */
export function useCacheGateway<U extends { port: number; close(): Promise<void> }>(
  start: () => Promise<U>,
  cache: Record<string, unknown> = {},
  config: Record<string, unknown> = {},
): CacheGateway<U> {
  let up: U | undefined;
  let deps: (AppDeps & { close(): Promise<void> }) | undefined;
  let served: Served | undefined;
  let client: OpenAI | undefined;
  beforeAll(async () => {
    up = await start();
    const cfg = testConfig({ ...config, semantic_cache: { enabled: true, ...cache } }, [{ name: 'production-stack', address: '127.0.0.1', port: up.port, weight: 1 }]);
    deps = await buildNodeDeps(cfg, { classifiers: await realClassifiers(), logger: captureLogger(), metrics: createMetrics({ config: cfg }) });
    served = await serveFetch(createApp(deps).fetch, { port: 0 });
    client = new OpenAI({ baseURL: `${served.url}/v1`, apiKey: 'k', maxRetries: 0 });
  }, 120_000);
  afterAll(async () => {
    await served?.close();
    await deps?.close();
    await up?.close();
  });
  return {
    get up() {
      return up!;
    },
    get deps() {
      return deps!;
    },
    get served() {
      return served!;
    },
    get client() {
      return client!;
    },
  };
}

/** A chat.completion answer from `model` saying `content`. */
export const chatCompletion = (content: string, model = 'qwen3') => ({
  id: 'c1',
  object: 'chat.completion',
  created: 1,
  model,
  choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
});

/** An upstream (not yet listening) that reads each request whole, counts it, and answers JSON as `answer` says. */
export function countingUpstream(answer: (req: http.IncomingMessage, body: string) => { status: number; json: unknown }): { server: http.Server; readonly calls: number } {
  let calls = 0;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      calls++;
      const { status, json } = answer(req, body);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(json));
    });
  });
  return {
    server,
    get calls() {
      return calls;
    },
  };
}

/** `server` listening on a free local port, as useCacheGateway's `start` wants it; close() drops its sockets. */
export async function listening(server: http.Server): Promise<{ port: number; close(): Promise<void> }> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

/** Cosine similarity of two vectors (the cache's measure; not assumed to be unit length). */
export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(na * nb);
}

/**
 * For a "not served" case: `a` and `b` embed (with `deps`' own embedding pack, as the cache does) at or
 * above the threshold an entry of `category` is served at (no category: the strictest any entry could
 * need), so the question checks (word swaps, signs, names, numbers...) are what refuses `b` the answer
 * to `a`, not the embedding keeping them apart: else the case could not fail on the check it is about.
 */
export async function expectPairOverThreshold(deps: AppDeps, a: string, b: string, category?: string): Promise<void> {
  const cfg = deps.config.semantic_cache!;
  const threshold = category !== undefined ? thresholdFor(cfg, category) : Math.max(cfg.similarity_threshold, ...Object.values(cfg.category_thresholds));
  const embedder = deps.classifiers.embedder((deps.config as { packs?: { embedding?: string } }).packs?.embedding);
  expect(embedder, 'the embedding pack').toBeDefined();
  const s = cosine(await embedder!.embed(a), await embedder!.embed(b));
  expect(s, `similarity of "${a}" and "${b}" (threshold ${threshold})`).toBeGreaterThanOrEqual(threshold);
}

/** For the tests of questions that must not share an answer (a sign, a negation, a name), on the mock. */
export function questionAsker(gw: CacheGateway<MockServer>) {
  /** Asks (routed: MoM); the answer's headers. */
  const ask = async (question: string): Promise<Headers> => {
    const { response } = await gw.client.chat.completions.create({ model: 'MoM', messages: [{ role: 'user', content: question }] }).withResponse();
    return response.headers;
  };
  /** Asks (routed: MoM); the answer's x-vsr-cache-hit. */
  const hit = async (question: string): Promise<string | null> => (await ask(question)).get('x-vsr-cache-hit');
  /** Asks once (a miss) and waits for the answer to be stored; the category it was stored under. */
  const store = async (question: string): Promise<string | undefined> => {
    const size = gw.deps.cache!.size();
    const headers = await ask(question);
    expect(headers.get('x-vsr-cache-hit'), question).toBeNull();
    await until(() => gw.deps.cache!.size() > size, 5000);
    return headers.get('x-vsr-selected-category') ?? undefined;
  };
  /**
   * `q` is stored and then served (also in lower case); `other` is not: it goes upstream. First the
   * pair must reach the threshold `q`'s entry is served at, so only the question checks (word swaps,
   * signs, names...) can be what refuses it, not the embedding keeping the two apart.
   */
  const notServedFor = async (q: string, other: string): Promise<void> => {
    const category = await store(q);
    await expectPairOverThreshold(gw.deps, q, other, category);
    expect(await hit(q), 'the same question').toBe('true');
    expect(await hit(q.toLowerCase()), 'the same question in lower case').toBe('true');
    const calls = gw.up.mock.requests.length;
    expect(await hit(other), other).toBeNull();
    expect(gw.up.mock.requests.length).toBe(calls + 1);
  };
  /** `q` is stored, and `other` is served its answer: a hit, nothing sent upstream. */
  const servedFor = async (q: string, other: string): Promise<void> => {
    await store(q);
    const calls = gw.up.mock.requests.length;
    expect(await hit(other), other).toBe('true');
    expect(gw.up.mock.requests.length).toBe(calls);
  };
  return { hit, store, notServedFor, servedFor };
}
