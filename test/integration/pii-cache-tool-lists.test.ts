// The semantic cache's PII check before it stores an answer reads the same texts as the PII policy
// (redaction.ts collectTextSlots). Since 5ed945a those include the strings of tool definitions, one
// text per string: a request with 100 tools of a 30-value enum (3,100 strings) was past the PII
// scan's max_texts (2,000), so its answer was never stored (llm_cache_write_skipped_total
// {reason="pii_unchecked"}), though such a tool list was cached before. The check now reads the texts
// as the PII stage does (pii-slots.ts): a message's parts and a definition's strings as one text.
import { describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { startMockServer } from '../../runtimes/node/mock-server.ts';
import { packsAvailable } from './gateway-harness.ts';
import { useCacheGateway, type CacheGateway } from './helpers/cache-gateway.ts';

let gw: CacheGateway<unknown>;

const skipped = (reason: string) => Number(gw.deps.metrics.render().match(new RegExp(`llm_cache_write_skipped_total\\{reason="${reason}"\\} (\\d+)`))?.[1] ?? 0);

describe.skipIf(!packsAvailable())('the cache PII check reads a tool list tool by tool', () => {
  gw = useCacheGateway(() => startMockServer());

  it('an answer to a request with 3,100 tool strings and no personal data is stored', async () => {
    const units = Array.from({ length: 30 }, (_, i) => `unit_${i}`);
    const tools = Array.from({ length: 100 }, (_, i) => ({
      type: 'function' as const,
      function: { name: `tool_${i}`, description: `Converts a value (${i}).`, parameters: { type: 'object', properties: { unit: { type: 'string', enum: units } } } },
    }));
    const client = new OpenAI({ baseURL: `${gw.served.url}/v1`, apiKey: 'x', maxRetries: 0 });
    const size = gw.deps.cache!.size();
    await client.chat.completions.create({ model: 'MoM', messages: [{ role: 'user', content: 'How do I convert miles to kilometres?' }], tools });
    const t0 = Date.now();
    while (gw.deps.cache!.size() === size && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 20));
    expect(skipped('pii_unchecked')).toBe(0);
    expect(gw.deps.cache!.size()).toBe(size + 1);
  });
});
