// The semantic cache's PII check before it stores an answer reads the same texts as the PII policy
// (redaction.ts collectTextSlots). Since 5ed945a those include the strings of tool definitions, one
// text per string: a request with 100 tools of a 30-value enum (3,100 strings) was past the PII
// scan's max_texts (2,000), so its answer was never stored (llm_cache_write_skipped_total
// {reason="pii_unchecked"}), though such a tool list was cached before. The check now reads the texts
// as the PII stage does (pii-slots.ts): a message's parts and a definition's strings as one text.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { createApp } from '../../src/app.ts';
import type { AppDeps } from '../../src/deps.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { buildNodeDeps } from '../../runtimes/node/deps.ts';
import { serveFetch, type Served } from '../../runtimes/node/serve.ts';
import { startMockServer, type MockServer } from '../../runtimes/node/mock-server.ts';
import { captureLogger, packsAvailable, realClassifiers, testConfig } from './gateway-harness.ts';

let mock: MockServer;
let deps: AppDeps & { close(): Promise<void> };
let served: Served;

const skipped = (reason: string) => Number(deps.metrics.render().match(new RegExp(`llm_cache_write_skipped_total\\{reason="${reason}"\\} (\\d+)`))?.[1] ?? 0);

describe.skipIf(!packsAvailable())('the cache PII check reads a tool list tool by tool', () => {
  beforeAll(async () => {
    mock = await startMockServer();
    const config = testConfig({ semantic_cache: { enabled: true } }, [{ name: 'production-stack', address: '127.0.0.1', port: mock.port, weight: 1 }]);
    deps = await buildNodeDeps(config, { classifiers: await realClassifiers(), logger: captureLogger(), metrics: createMetrics({ config }) });
    served = await serveFetch(createApp(deps).fetch, { port: 0 });
  }, 120_000);
  afterAll(async () => {
    await served?.close();
    await deps?.close();
    await mock?.close();
  });

  it('an answer to a request with 3,100 tool strings and no personal data is stored', async () => {
    const units = Array.from({ length: 30 }, (_, i) => `unit_${i}`);
    const tools = Array.from({ length: 100 }, (_, i) => ({
      type: 'function' as const,
      function: { name: `tool_${i}`, description: `Converts a value (${i}).`, parameters: { type: 'object', properties: { unit: { type: 'string', enum: units } } } },
    }));
    const client = new OpenAI({ baseURL: `${served.url}/v1`, apiKey: 'x', maxRetries: 0 });
    const size = deps.cache!.size();
    await client.chat.completions.create({ model: 'MoM', messages: [{ role: 'user', content: 'How do I convert miles to kilometres?' }], tools });
    const t0 = Date.now();
    while (deps.cache!.size() === size && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 20));
    expect(skipped('pii_unchecked')).toBe(0);
    expect(deps.cache!.size()).toBe(size + 1);
  });
});
