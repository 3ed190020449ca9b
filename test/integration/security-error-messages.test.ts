// An error thrown while classifying or embedding a request may quote the text it was given (a
// featurizer's or tokenizer library's message about the input): the log line about it names the error,
// never its message. The jailbreak guard and the PII scan did so already; the category classifier and
// the cache's embedding did not. A real gateway on a socket, the `openai` SDK as the client, packs that
// fail the way such a library would.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import type { Classifiers, Embedder, SequenceClassifier } from '../../src/classify/types.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { buildNodeDeps } from '../../runtimes/node/deps.ts';
import { serveFetch, type Served } from '../../runtimes/node/serve.ts';
import { startMockServer, type MockServer } from '../../runtimes/node/mock-server.ts';
import { captureLogger, testConfig, type LogCapture } from './gateway-harness.ts';

const EMAIL = 'zq.canary.6604@leakcheck.example';

class FeaturizerError extends Error {
  override name = 'FeaturizerError';
}

const quoting = (what: string) => (text: string) => Promise.reject(new FeaturizerError(`${what}: cannot read "${text}"`));
const category: SequenceClassifier = { name: 'domain', labels: ['other'], threshold: 0.5, classify: quoting('category') };
const embedder: Embedder = { name: 'embedding', dimensions: 8, embed: quoting('embedding') };
const classifiers: Classifiers = { sequence: (n) => (n === 'domain' ? category : undefined), pii: () => undefined, embedder: () => embedder, info: () => [] };

let mock: MockServer;
let served: Served;
let logs: LogCapture;
let close: () => Promise<void>;

beforeAll(async () => {
  mock = await startMockServer();
  const config = testConfig(
    { semantic_cache: { enabled: true, similarity_threshold: 0.8 }, packs: { category: 'domain', embedding: 'embedding' } },
    [{ name: 'production-stack', address: '127.0.0.1', port: mock.port, weight: 1 }],
  );
  logs = captureLogger();
  const deps = await buildNodeDeps(config, { classifiers, logger: logs, metrics: createMetrics({ config }) });
  served = await serveFetch(createApp(deps).fetch, { port: 0 });
  close = () => deps.close();
});

afterAll(async () => {
  await served?.close();
  await close?.();
  await mock?.close();
});

describe('errors about a request text', () => {
  // Was a leak: 'category classification failed' and 'cache embedding failed' logged err.message.
  it('a failing category classifier and cache embedder: the request is served, the log names the error only', async () => {
    const client = new OpenAI({ baseURL: `${served.url}/v1`, apiKey: 'k', maxRetries: 0 });
    const r = await client.chat.completions.create({ model: 'MoM', messages: [{ role: 'user', content: `Mail ${EMAIL} please` }] }).withResponse();
    expect(r.response.status).toBe(200);
    const lines = logs.lines.filter((l) => /category classification failed|cache embedding failed/.test(l.msg ?? ''));
    expect(lines.map((l) => l.msg).sort()).toEqual(['cache embedding failed; continuing uncached', 'category classification failed']);
    for (const l of lines) expect(l.obj.err).toBe('FeaturizerError');
    expect(JSON.stringify(logs.lines)).not.toContain(EMAIL);
  });
});
