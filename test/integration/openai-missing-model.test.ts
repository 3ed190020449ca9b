// A chat request that names no model (issue #3). vLLM's `model` is optional: left out, null or ""
// it answers with its served model, so a client written against one vLLM (curl examples, scripts)
// sends none, and the gateway refused it with 400 missing_required_parameter. Now such a request
// gets default_model, named in the forwarded body (the Production Stack router picks the engine by
// it) and in x-vsr-selected-model. A model of another type is refused as vLLM refuses it (400).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { rawRequest, startGateway, testConfig, type Gateway } from './gateway-harness.ts';
import { plainAnswer, startRecordingUpstream, type RecordingUpstream } from './helpers/recording-upstream.ts';

let up: RecordingUpstream;
let gw: Gateway;
let defaultModel: string;
beforeAll(async () => {
  up = await startRecordingUpstream(plainAnswer);
  const config = testConfig({}, [{ name: 'production-stack', address: '127.0.0.1', port: up.port, weight: 1 }]);
  defaultModel = config.default_model;
  gw = await startGateway({ config: () => config });
});
afterAll(async () => {
  await gw?.close();
  await up?.close();
});

const messages = [{ role: 'user', content: 'hi' }];
const post = (body: Record<string, unknown>) =>
  rawRequest(`${gw.url}/v1/chat/completions`, { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('no model named: default_model', () => {
  for (const [name, body] of [
    ['model left out', { messages }],
    ['model null', { model: null, messages }],
    ['model ""', { model: '', messages }],
  ] as const) {
    it(name, async () => {
      const res = await post(body);
      expect(res.status, res.body).toBe(200);
      expect(res.headers['x-vsr-selected-model']).toBe(defaultModel);
      expect(up.bodies.at(-1)!.model).toBe(defaultModel);
      expect(JSON.parse(res.body).choices[0].message.content).toBe('ok');
    });
  }

  it('streamed, through the openai SDK (model cast away)', async () => {
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'k', maxRetries: 0 });
    const s = await client.chat.completions.create({ messages: [{ role: 'user', content: 'hi' }], stream: true } as never as OpenAI.Chat.ChatCompletionCreateParamsStreaming);
    let text = '';
    for await (const c of s) text += c.choices[0]?.delta?.content ?? '';
    expect(text).toBe('ok');
    expect(up.bodies.at(-1)!.model).toBe(defaultModel);
  });
});

describe('a model vLLM refuses: 400, nothing forwarded', () => {
  for (const model of [7, true, ['qwen3'], { id: 'qwen3' }]) {
    it(JSON.stringify(model), async () => {
      const before = up.bodies.length;
      const res = await post({ model, messages });
      expect(res.status).toBe(400);
      expect(JSON.parse(res.body).error).toMatchObject({ type: 'invalid_request_error', param: 'model', code: 'invalid_type' });
      expect(up.bodies.length).toBe(before);
    });
  }
});

describe('a blank model name: 404 model_not_found, as vLLM answers it', () => {
  // vLLM serves its model for a missing or "" model only (`if not model_name`); "   " is a name no
  // engine serves: 404 NotFoundError "The model `   ` does not exist.". The gateway said 400.
  for (const model of ['   ', '\t', ' \n ']) {
    it(JSON.stringify(model), async () => {
      const before = up.bodies.length;
      const res = await post({ model, messages });
      expect(res.status, res.body).toBe(404);
      expect(JSON.parse(res.body).error).toMatchObject({ type: 'invalid_request_error', param: 'model', code: 'model_not_found', message: `The model \`${model}\` does not exist.` });
      expect(up.bodies.length).toBe(before);
    });
  }

  it('the openai SDK reads it as NotFoundError; a long blank name is not echoed whole', async () => {
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'k', maxRetries: 0 });
    const err = await client.chat.completions.create({ model: ' '.repeat(100_000), messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect((err as InstanceType<typeof OpenAI.NotFoundError>).message.length).toBeLessThan(200);
  });
});
