// temperature as text (issue #3): vLLM's pydantic reads "0.7" as 0.7, so the answer is sampled; the
// semantic cache, told to keep sampled answers out (cache_non_deterministic: false), read only a JSON
// number, stored the answer to "temperature": "0.7" and served it to the next such ask. The gateway
// now writes the temperature back as the number vLLM reads (lax-values.ts), so the cache sees it.
import { describe, expect, it } from 'vitest';
import { packsAvailable } from './gateway-harness.ts';
import { useCacheGateway } from './helpers/cache-gateway.ts';
import { startRecordingUpstream } from './helpers/recording-upstream.ts';

const gw = useCacheGateway(() => startRecordingUpstream(), { cache_non_deterministic: false });
const size = () => gw.deps.cache?.size() ?? 0;

async function ask(question: string, temperature: unknown): Promise<string | null> {
  const res = await fetch(`${gw.served.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: question }], temperature }),
  });
  const before = size();
  expect(res.status).toBe(200);
  await res.text();
  const hit = res.headers.get('x-vsr-cache-hit');
  // A miss is stored (if it is) after its answer ends: wait up to 1 s for it.
  const deadline = Date.now() + 1000;
  while (!hit && size() === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  return hit;
}

describe.skipIf(!packsAvailable())('cache_non_deterministic: false and a temperature sent as text', () => {
  for (const t of ['0.7', '1', ' .3 ']) {
    it(`${JSON.stringify(t)}: never served from the cache`, async () => {
      const q = `What is the capital city of France? (${t})`;
      const before = gw.up.bodies.length;
      expect(await ask(q, t)).toBeNull();
      expect(await ask(q, t)).toBeNull();
      expect(gw.up.bodies.length).toBe(before + 2);
    });
  }

  it('"0" is deterministic: the second ask is served from the cache', async () => {
    const q = 'What is the capital city of Italy?';
    expect(await ask(q, '0')).toBeNull();
    expect(await ask(q, '0')).toBe('true');
  });
});
