// The cache key and a chat_template_kwargs reasoning switch sent as a word (issue #3/#4). Routing
// forwards enable_thinking / thinking "false", 0 or "off" as false (src/pipeline/reasoning-switch.ts,
// 7b6ce13), but the key was built before that from the client's form, so the same ask in two forms
// missed each other. The key now reads the switch as it is forwarded; values meaning something else
// ("true", or a value the gateway forwards as sent) still get keys of their own.
import { describe, expect, it } from 'vitest';
import { packsAvailable } from './gateway-harness.ts';
import { useCacheGateway } from './helpers/cache-gateway.ts';
import { startRecordingUpstream } from './helpers/recording-upstream.ts';

const gw = useCacheGateway(() => startRecordingUpstream());
const size = () => gw.deps.cache?.size() ?? 0;

/** Asks with the openai SDK; the x-vsr-cache-hit header (null on a miss, once the miss is stored). */
async function ask(model: string, question: string, kwargs: Record<string, unknown>): Promise<string | null> {
  const before = size();
  const { response } = await gw.client.chat.completions
    .create({ model, messages: [{ role: 'user', content: question }], chat_template_kwargs: kwargs } as never)
    .withResponse();
  const hit = response.headers.get('x-vsr-cache-hit');
  // A miss is stored after its answer ends: wait for it, so the next request can meet it.
  const deadline = Date.now() + 5000;
  while (!hit && size() === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  return hit;
}

describe.skipIf(!packsAvailable())('a reasoning switch in two forms of the same meaning shares one cache key', () => {
  it('qwen3 enable_thinking: false, "false", 0 and "off" meet; "true" and "sometimes" do not', async () => {
    const q = 'What is the tallest mountain in Africa?';
    expect(await ask('qwen3', q, { enable_thinking: false }), 'first ask').toBeNull();
    expect(await ask('qwen3', q, { enable_thinking: 'false' }), '"false"').toBe('true');
    expect(await ask('qwen3', q, { enable_thinking: 0 }), '0').toBe('true');
    expect(await ask('qwen3', q, { enable_thinking: 'off' }), '"off"').toBe('true');
    expect(await ask('qwen3', q, { enable_thinking: 'true' }), '"true" is another ask').toBeNull();
    expect(await ask('qwen3', q, { enable_thinking: true }), 'true meets "true"').toBe('true');
    // Not a boolean word: forwarded as sent (the template reads it its own way), so its own key.
    expect(await ask('qwen3', q, { enable_thinking: 'sometimes' }), '"sometimes"').toBeNull();
  });

  it('deepseek thinking: "true" then true meet; other kwargs stay in the key', async () => {
    const q = 'How many bones are in the adult human body?';
    expect(await ask('deepseek-v3', q, { thinking: 'true', style: 'short' }), 'first ask').toBeNull();
    expect(await ask('deepseek-v3', q, { thinking: true, style: 'short' }), 'true').toBe('true');
    expect(await ask('deepseek-v3', q, { thinking: true, style: 'long' }), 'another kwarg').toBeNull();
  });
});
