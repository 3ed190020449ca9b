// The rig of the tests of the cache under pii_policy (pii-cache-allowed-types, pii-cache-identity):
// the cache gateway on the mock, testConfig's models with `policies` over them, and servedAgain, which
// asks twice and says whether the second was served from the cache. Between the two it waits for the
// store's decision (an entry stored, or a skip counted): the store runs after the answer is sent, so
// asking again at once would miss an entry about to be stored.
import { expect } from 'vitest';
import { startMockServer } from '../../../runtimes/node/mock-server.ts';
import { testConfig } from '../gateway-harness.ts';
import { useCacheGateway } from './cache-gateway.ts';
import { until } from './until.ts';

export function usePolicyCacheGateway(policies: Record<string, unknown>) {
  const gw = useCacheGateway(() => startMockServer(), {}, { model_config: { ...testConfig().model_config, ...policies } });
  const skipped = () => Number(gw.deps.metrics.render().match(/llm_cache_write_skipped_total\{reason="(?:pii|withdrawn)"\} (\d+)/g)?.reduce((n, l) => n + Number(l.split(' ')[1]), 0) ?? 0);

  /** Asks `question` (with the body's other `fields`) twice: whether the second was served from the cache. */
  async function servedAgain(model: string, question: string, fields: Record<string, unknown> = {}): Promise<boolean> {
    const body = { model, messages: [{ role: 'user', content: question }], ...fields } as never;
    const size = gw.deps.cache!.size();
    const skips = skipped();
    const first = await gw.client.chat.completions.create(body).withResponse();
    expect(first.response.status).toBe(200);
    expect(first.response.headers.get('x-vsr-cache-hit')).toBeNull();
    await until(() => gw.deps.cache!.size() > size || skipped() > skips, 10_000);
    const before = gw.up.mock.requests.length;
    const again = await gw.client.chat.completions.create(body).withResponse();
    const hit = again.response.headers.get('x-vsr-cache-hit') === 'true';
    expect(gw.up.mock.requests.length).toBe(before + (hit ? 0 : 1));
    return hit;
  }
  return { gw, servedAgain };
}
