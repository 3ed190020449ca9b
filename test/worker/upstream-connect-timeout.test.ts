// upstream.connect_timeout_ms on the Worker: an endpoint that never takes the connection (SYNs
// dropped: blackhole-setup.ts) is given up after connect_timeout_ms and the model's next endpoint
// answers, as on Node. fetch has no connect phase of its own; the Worker sees the connection by how
// far workerd read the request body (runtimes/worker/sent-body.ts).
import { describe, expect, inject, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { chatReq, onWorker, parityEnv } from './parity-client.ts';

function yaml(connectMs: number): string {
  const doc = parseYaml(inject('parityYaml')) as Record<string, any>;
  // Weighted so that the rotation picks it first for every request the test times (100 to 1).
  doc.vllm_endpoints.push({ name: 'blackhole', address: '127.0.0.1', port: inject('blackholePort'), weight: 100 });
  doc.model_config['odd-headers'] = { ...doc.model_config['odd-headers'], preferred_endpoints: ['blackhole', 'stall'] };
  doc.upstream = { ...doc.upstream, timeout_ms: 4000, connect_timeout_ms: connectMs };
  return stringifyYaml(doc);
}

describe('Worker: an endpoint that never takes the connection', () => {
  it('is given up after connect_timeout_ms: the next endpoint answers', async () => {
    const env = { ...parityEnv, SEMROUTE_CONFIG: yaml(300) };
    const ask = () => onWorker(chatReq({ model: 'odd-headers', messages: [{ role: 'user', content: 'hi' }] }, { 'x-vsr-cache-control': 'bypass' }), env);
    await onWorker({ path: '/health' }, env); // the app's start (packs) is not what is timed
    const t0 = Date.now();
    const seen = await ask();
    const ms = Date.now() - t0;
    console.log(`[connect timeout] 300 ms, blackhole then stall: ${seen.status} after ${ms} ms`);
    expect(seen.status).toBe(200);
    expect((seen.body as { model?: string }).model).toBe('odd-headers');
    // Within the connect timeout and a margin for a loaded box, far below the 4 s head timeout.
    expect(ms).toBeLessThan(2500);
  });
});
