// `user`, `safety_identifier` and `metadata` hold personal data the provider logs, so the PII policy
// reads them (src/guard/identity-slots.ts), but the model never reads them: the answer does not
// depend on them, and the cache stores no part of them. semantic_cache.skip_pii_types (an answer to
// a request carrying an e-mail address is never stored) is about the texts the answer was made
// from, so an e-mail address as the `user` id must not keep every answer of that client uncached.
import { describe, expect, it } from 'vitest';
import { packsAvailable } from './gateway-harness.ts';
import { useCacheGateway } from './helpers/cache-gateway.ts';
import { startRecordingUpstream } from './helpers/recording-upstream.ts';

const EMAIL = 'jane.doe@example.com';
const gw = useCacheGateway(() => startRecordingUpstream());
const size = () => gw.deps.cache?.size() ?? 0;

async function ask(content: string, extra: Record<string, unknown>): Promise<string | null> {
  const before = size();
  const { response } = await gw.client.chat.completions.create({ model: 'qwen3', messages: [{ role: 'user', content }], ...extra } as never).withResponse();
  const hit = response.headers.get('x-vsr-cache-hit');
  const deadline = Date.now() + 2000;
  while (!hit && size() === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  return hit;
}

describe.skipIf(!packsAvailable())('an e-mail address outside the texts does not keep an answer out of the cache', () => {
  it('user, safety_identifier and metadata values', async () => {
    expect(gw.deps.config.semantic_cache?.skip_pii_types).toContain('EMAIL_ADDRESS');
    const q = 'What is the capital city of Australia?';
    const extra = { user: EMAIL, safety_identifier: EMAIL, metadata: { owner: EMAIL } };
    expect(await ask(q, extra), 'first ask').toBeNull();
    expect(await ask(q, extra), 'stored and served').toBe('true');
  });

  it('an address in the question still keeps its answer out', async () => {
    const q = `Write a short greeting for ${EMAIL} please.`;
    expect(await ask(q, {})).toBeNull();
    expect(await ask(q, {})).toBeNull();
  });
});
