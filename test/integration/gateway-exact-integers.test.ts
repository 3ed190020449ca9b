// Integers beyond 2^53 reach the upstream as the client wrote them (issue #3). OpenAI and vLLM accept a
// 64-bit `seed`; vLLM's Python json reads any integer literal exactly. The gateway parsed the body
// with JSON.parse and re-serialised it, so 9223372036854775807 would have gone out as ...5808: such
// bodies were refused with 400 invalid_number. Now the literal digits travel through the rewrite.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/observability/metrics.ts';
import { captureLogger, EMPTY_CLASSIFIERS, rawRequest, startGateway, testConfig, type Gateway } from './gateway-harness.ts';
import { requestBody, requestHeaders } from './helpers/envoy-client.ts';
import { startRealExtProc } from './helpers/extproc-real-pipeline.ts';

let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(() => gw?.close());

const post = (body: string) => rawRequest(`${gw.url}/v1/chat/completions`, { headers: { 'content-type': 'application/json' }, body });
const lastRaw = () => gw.mock.mock.requests.at(-1)!.raw;
const MSGS = '[{"role":"user","content":"hi"}]';

describe('integers beyond 2^53', () => {
  it.each([
    ['an explicit model (forwarded as parsed)', 'qwen3', false],
    ['an auto name (the body is rewritten: model, reasoning)', 'MoM', false],
    ['an auto name, streamed (include_usage asked for on the client\'s behalf)', 'MoM', true],
  ])('%s: seed, negative seed, vendor fields and 1e20 reach the upstream as written', async (_, model, stream) => {
    const res = await post(
      `{"model":"${model}","messages":${MSGS},"stream":${stream},"seed":9223372036854775807,` +
        `"x_vendor":{"ids":[18446744073709551615,-9223372036854775808,12345678901234567.5],"big":1e20},"top_k":40,"temperature":0}`,
    );
    expect(res.status).toBe(200);
    const raw = lastRaw();
    expect(raw).toContain('"seed":9223372036854775807');
    expect(raw).toContain('"ids":[18446744073709551615,-9223372036854775808,12345678901234567.5]');
    expect(raw).toContain('"big":1e20');
    // Everything else is what it was: safe numbers as JSON writes them.
    expect(raw).toContain('"top_k":40');
    if (model === 'MoM') expect(JSON.parse(raw).model).toBe('qwen3');
    if (stream) expect(JSON.parse(raw).stream_options).toEqual({ include_usage: true });
  });

  it('streamed with stream_options: the rewrite through the object keeps the literal too', async () => {
    const res = await post(`{"model":"qwen3","messages":${MSGS},"stream":true,"stream_options":{"include_usage":false},"seed":-9223372036854775808}`);
    expect(res.status).toBe(200);
    expect(lastRaw()).toContain('"seed":-9223372036854775808');
    expect(lastRaw()).toContain('"stream_options":{"include_usage":true}');
  });

  it('digits inside strings are not numbers: left alone, and a string never turns into a number', async () => {
    const content = 'card 4111111111111111, seed 9223372036854775807 \\" 18446744073709551615';
    const res = await post(`{"model":"qwen3","messages":[{"role":"user","content":"${content}"}],"user":"9223372036854775807","seed":9223372036854775807}`);
    expect(res.status).toBe(200);
    const raw = lastRaw();
    expect(JSON.parse(raw).messages[0].content).toBe('card 4111111111111111, seed 9223372036854775807 " 18446744073709551615');
    expect(raw).toContain('"user":"9223372036854775807"');
    expect(raw).toContain('"seed":9223372036854775807');
  });

  it('a non-finite number (1e400, Python reads inf) is still refused, naming its field', async () => {
    const res = await post(`{"model":"qwen3","messages":${MSGS},"seed":9223372036854775807,"temperature":-1e400}`);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).error).toMatchObject({ code: 'invalid_number', param: 'temperature' });
  });
});

describe('behind Envoy (ext_proc)', () => {
  it('the body mutation carries the literal digits', async () => {
    const config = testConfig({}, [{ name: 'production-stack', address: '127.0.0.1', port: 9, weight: 1 }]);
    const ext = await startRealExtProc(config, { classifiers: EMPTY_CLASSIFIERS, logger: captureLogger(), metrics: createMetrics({ config }), noCache: true });
    try {
      const s = ext.envoy.open();
      await s.send(requestHeaders({ ':method': 'POST', ':path': '/v1/chat/completions', ':authority': 'semroute', 'content-type': 'application/json' }));
      const b = await s.send(requestBody(`{"model":"MoM","messages":${MSGS},"seed":9223372036854775807}`));
      s.end();
      const sent = Buffer.from(b.request_body.response.body_mutation.body).toString('utf8');
      expect(sent).toContain('"seed":9223372036854775807');
      expect(JSON.parse(sent).model).toBe('qwen3');
    } finally {
      await ext.close();
    }
  });
});
