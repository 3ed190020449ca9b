// Request values vLLM reads in pydantic's lax mode (issue #3): `"stream": "true"` streams on vLLM and
// `"n": "2"` asks for two choices, so a gateway in front of it must not refuse them (it answered 400
// invalid_type for the string stream) nor read them otherwise. What vLLM refuses is refused, 400.
// The client is the openai SDK (values cast through its types) or a raw POST; the upstream records
// what reached it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { rawRequest, startGateway, testConfig, type Gateway } from './gateway-harness.ts';
import { plainAnswer, startRecordingUpstream, type RecordingUpstream } from './helpers/recording-upstream.ts';

let up: RecordingUpstream;
let gw: Gateway;
let client: OpenAI;
beforeAll(async () => {
  up = await startRecordingUpstream(plainAnswer);
  gw = await startGateway({ config: () => testConfig({}, [{ name: 'production-stack', address: '127.0.0.1', port: up.port, weight: 1 }]) });
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'k', maxRetries: 0 });
});
afterAll(async () => {
  await gw?.close();
  await up?.close();
});

const messages = [{ role: 'user' as const, content: 'hi' }];
const post = (body: Record<string, unknown>) =>
  rawRequest(`${gw.url}/v1/chat/completions`, { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'qwen3', messages, ...body }) });

describe('stream values vLLM reads as true: the answer streams', () => {
  for (const stream of ['true', 'True', '1', 1, 'yes', 'on', 't', 'Y']) {
    it(JSON.stringify(stream), async () => {
      // The SDK streams on any truthy `stream`, as vLLM does on these.
      const s = await client.chat.completions.create({ model: 'qwen3', messages, stream: stream as unknown as true });
      let text = '';
      for await (const c of s) text += c.choices[0]?.delta?.content ?? '';
      expect(text).toBe('ok');
      // The upstream reads the same meaning, in the JSON type.
      expect(up.bodies.at(-1)!.stream).toBe(true);
    });
  }
});

describe('stream values vLLM reads as false (or None): one JSON answer', () => {
  for (const stream of ['false', 'False', '0', 0, 'no', 'off', 'f', null]) {
    it(JSON.stringify(stream), async () => {
      const res = await post({ stream });
      expect(res.status, res.body).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(JSON.parse(res.body).choices[0].message.content).toBe('ok');
      // As sent: every such value reads as false (vLLM's own stream_options check reads it raw).
      expect(up.bodies.at(-1)!.stream).toBe(stream);
    });
  }

  it('"false" with stream_options goes on as sent (vLLM checks stream_options against the raw value, which "false" passes)', async () => {
    const res = await post({ stream: 'false', stream_options: { include_usage: true } });
    expect(res.status, res.body).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(up.bodies.at(-1)).toMatchObject({ stream: 'false', stream_options: { include_usage: true } });
  });
});

describe('n as vLLM reads it', () => {
  for (const [n, read] of [['2', 2], [' 3 ', 3], ['2.0', 2], [2.0, 2], [true, 1], ['1_0', 10], ['-1', -1]] as const) {
    it(`${JSON.stringify(n)} reaches the upstream as ${read}`, async () => {
      const res = await post({ n });
      expect(res.status, res.body).toBe(200);
      expect(up.bodies.at(-1)!.n).toBe(read);
    });
  }
});

describe('temperature as vLLM reads it', () => {
  for (const [t, read] of [['0.7', 0.7], [' .5 ', 0.5], ['1e-1', 0.1], ['1_0.5', 10.5], ['5.', 5], [true, 1], [0.2, 0.2]] as const) {
    it(`${JSON.stringify(t)} reaches the upstream as ${read}`, async () => {
      const res = await post({ temperature: t });
      expect(res.status, res.body).toBe(200);
      expect(up.bodies.at(-1)!.temperature).toBe(read);
    });
  }

  it('"nan" / "inf" (no JSON number holds them) go on as written, for vLLM to judge', async () => {
    for (const t of ['nan', '-Infinity', '1e400']) {
      const res = await post({ temperature: t });
      expect(res.status, res.body).toBe(200);
      expect(up.bodies.at(-1)!.temperature).toBe(t);
    }
  });
});

describe('values vLLM refuses: 400 invalid_request_error naming the field, nothing forwarded', () => {
  for (const [field, value] of [
    ['stream', ' true'],
    ['stream', 'maybe'],
    ['stream', 2],
    ['stream', 0.5],
    ['stream', []],
    ['n', 'two'],
    ['n', 2.5],
    ['n', '2.5'],
    ['n', '1e1'],
    ['n', {}],
    ['temperature', 'warm'],
    ['temperature', '0x1'],
    ['temperature', ''],
    ['temperature', [0.5]],
  ] as const) {
    it(`${field}: ${JSON.stringify(value)}`, async () => {
      const before = up.bodies.length;
      const res = await post({ [field]: value });
      expect(res.status).toBe(400);
      expect(JSON.parse(res.body).error).toMatchObject({ type: 'invalid_request_error', param: field, code: 'invalid_type' });
      expect(up.bodies.length).toBe(before);
    });
  }
});
