// Semantic cache and keys the upstream limits to some models (issue #3/#4): the credential check served
// a hit to any key the upstream had accepted lately, for whatever model; a key the engine or the proxy
// behind semroute (LiteLLM, an OpenAI project key, a vLLM deployment per key) allows only one model was
// then served another model's cached answers, which the upstream refuses it (403). A key now counts as
// accepted for the requested model it was answered for. Real gateway, real embedding pack, the openai
// SDK as client.
import { describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { packsAvailable } from './gateway-harness.ts';
import { chatCompletion, countingUpstream, listening, useCacheGateway } from './helpers/cache-gateway.ts';
import { until } from './helpers/until.ts';

/** Key -> the models it may use (undefined: any). */
const ALLOWED: Record<string, string[] | undefined> = { 'Bearer sk-all': undefined, 'Bearer sk-qwen-only': ['qwen3'] };
const up = countingUpstream((req, body) => {
  const key = req.headers.authorization ?? '';
  const model = JSON.parse(body).model as string;
  if (!(key in ALLOWED) || (ALLOWED[key] && !ALLOWED[key]!.includes(model))) {
    return { status: 403, json: { error: { message: `key may not use ${model}`, type: 'permission_error', code: 'model_not_allowed' } } };
  }
  return { status: 200, json: chatCompletion(`${model} says: 42.`, model) };
});
const gw = useCacheGateway(() => listening(up.server));

async function ask(apiKey: string, model: string, q: string): Promise<{ status: number; hit: string | null }> {
  const client = new OpenAI({ baseURL: `${gw.served.url}/v1`, apiKey, maxRetries: 0 });
  try {
    const { response } = await client.chat.completions.create({ model, messages: [{ role: 'user', content: q }] }).withResponse();
    return { status: response.status, hit: response.headers.get('x-vsr-cache-hit') };
  } catch (err) {
    return { status: (err as { status?: number }).status ?? 0, hit: null };
  }
}

describe.skipIf(!packsAvailable())('a key limited to some models', () => {
  it("is not served another model's cached answer", async () => {
    const q = 'What is the answer to life, the universe and everything?';
    expect(await ask('sk-all', 'deepseek-v3', q)).toEqual({ status: 200, hit: null });
    await until(() => gw.deps.cache!.size() === 1, 5000);
    expect(await ask('sk-all', 'deepseek-v3', q)).toEqual({ status: 200, hit: 'true' });
    // The limited key is good for qwen3: the upstream answers it there.
    expect(await ask('sk-qwen-only', 'qwen3', 'Name a prime number between 10 and 20.')).toEqual({ status: 200, hit: null });
    const before = up.calls;
    // Before: { status: 200, hit: 'true' }, deepseek-v3's answer to a key the upstream refuses for it.
    expect(await ask('sk-qwen-only', 'deepseek-v3', q)).toEqual({ status: 403, hit: null });
    expect(up.calls).toBe(before + 1);
  });

  it('a key accepted for a model is served that model\'s hits', async () => {
    const q = 'How many moons does Mars have?';
    expect(await ask('sk-all', 'qwen3', q)).toEqual({ status: 200, hit: null });
    await until(() => gw.deps.cache!.size() === 3, 5000);
    expect(await ask('sk-qwen-only', 'qwen3', q)).toEqual({ status: 200, hit: 'true' });
  });
});
