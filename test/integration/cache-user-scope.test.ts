// Semantic cache under scope: user (issue #4): the partition was the session header's value alone
// (x-user-id by default), which the client sends, so user B, with a key of his own the upstream
// accepts, read user A's cached answers by sending x-user-id: alice. The partition is now the header's
// value together with a SHA-256 of the request's credentials (Authorization, x-api-key, api-key): a
// forged id lands in the forger's own partition. Clients behind a proxy that authenticates the users,
// sets the header and sends one shared key keep one partition per user, as before.
// Real gateway, real embedding pack, the openai SDK as client.
import { describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { packsAvailable } from './gateway-harness.ts';
import { chatCompletion, countingUpstream, listening, useCacheGateway } from './helpers/cache-gateway.ts';
import { until } from './helpers/until.ts';

/** Keys the upstream accepts, and whose answer it gives (each user's own calendar). */
const OWNERS: Record<string, string> = { 'Bearer sk-alice': 'alice', 'Bearer sk-bob': 'bob', 'Bearer sk-shared': 'proxy' };
const up = countingUpstream((req) => {
  const owner = OWNERS[req.headers.authorization ?? ''];
  if (!owner) return { status: 401, json: { error: { message: 'Invalid API key', type: 'invalid_request_error', code: 'invalid_api_key' } } };
  const who = owner === 'proxy' ? String(req.headers['x-user-id']) : owner;
  return { status: 200, json: chatCompletion(`${who}: dentist at 3pm.`) };
});
const gw = useCacheGateway(() => listening(up.server), { scope: 'user' });

async function ask(apiKey: string, user: string, q: string): Promise<{ answer: string | null | undefined; hit: string | null }> {
  const client = new OpenAI({ baseURL: `${gw.served.url}/v1`, apiKey, maxRetries: 0, defaultHeaders: { 'x-user-id': user } });
  const before = gw.deps.cache!.size();
  const { data, response } = await client.chat.completions.create({ model: 'qwen3', messages: [{ role: 'user', content: q }] }).withResponse();
  const hit = response.headers.get('x-vsr-cache-hit');
  if (!hit) await until(() => gw.deps.cache!.size() > before, 5000);
  return { answer: data.choices[0]?.message.content, hit };
}

describe.skipIf(!packsAvailable())('scope: user and a forged user id', () => {
  it("user B sending user A's id is not served A's answer", async () => {
    const q = 'What is on my calendar today?';
    expect(await ask('sk-alice', 'alice', q)).toEqual({ answer: 'alice: dentist at 3pm.', hit: null });
    expect(await ask('sk-alice', 'alice', q)).toEqual({ answer: 'alice: dentist at 3pm.', hit: 'true' });
    // Bob's key is good (the upstream answers him); his own id is his own partition.
    expect(await ask('sk-bob', 'bob', q)).toEqual({ answer: 'bob: dentist at 3pm.', hit: null });
    const before = up.calls;
    // Before: { answer: 'alice: dentist at 3pm.', hit: 'true' }.
    const forged = await ask('sk-bob', 'alice', q);
    expect(forged.answer).toBe('bob: dentist at 3pm.');
    expect(up.calls).toBe(before + 1);
    // Alice's partition is hers still.
    expect(await ask('sk-alice', 'alice', q)).toEqual({ answer: 'alice: dentist at 3pm.', hit: 'true' });
  });

  it('behind a proxy that sends one key and sets the header, each user keeps a partition that hits', async () => {
    const q = 'When is my next team meeting?';
    expect(await ask('sk-shared', 'carol', q)).toEqual({ answer: 'carol: dentist at 3pm.', hit: null });
    expect(await ask('sk-shared', 'carol', q)).toEqual({ answer: 'carol: dentist at 3pm.', hit: 'true' });
    expect(await ask('sk-shared', 'dave', q)).toEqual({ answer: 'dave: dentist at 3pm.', hit: null });
    expect(await ask('sk-shared', 'dave', q)).toEqual({ answer: 'dave: dentist at 3pm.', hit: 'true' });
  });
});
