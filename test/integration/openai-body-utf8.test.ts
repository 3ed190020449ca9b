// A chat body that is not UTF-8 (issue #3): vLLM (Starlette's request.json(), Python's json.loads on
// the bytes) refuses one with 400, so a client that sends Latin-1 learns its mistake there. The
// gateway decoded it with replacement characters and forwarded "caf\uFFFD": the model answered a
// prompt the client never wrote. Now 400 invalid_json, nothing forwarded; valid UTF-8 (a literal
// U+FFFD included) is read as before. With a content-length and chunked alike.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, startGateway, testConfig, type Gateway } from './gateway-harness.ts';
import { plainAnswer, startRecordingUpstream, type RecordingUpstream } from './helpers/recording-upstream.ts';

let up: RecordingUpstream;
let gw: Gateway;
beforeAll(async () => {
  up = await startRecordingUpstream(plainAnswer);
  gw = await startGateway({ config: () => testConfig({}, [{ name: 'production-stack', address: '127.0.0.1', port: up.port, weight: 1 }]) });
});
afterAll(async () => {
  await gw?.close();
  await up?.close();
});

const bodyWith = (text: Buffer) => Buffer.concat([Buffer.from('{"model":"qwen3","messages":[{"role":"user","content":"'), text, Buffer.from('"}]}')]);
const send = (body: Buffer, chunked: boolean) =>
  rawRequest(`${gw.url}/v1/chat/completions`, chunked ? { headers: { 'content-type': 'application/json' }, chunks: [body.subarray(0, 20), body.subarray(20)] } : { headers: { 'content-type': 'application/json' }, body });

describe('a body that is not UTF-8', () => {
  for (const [name, bytes] of [
    ['Latin-1 é', Buffer.from('caf\xe9 au lait', 'latin1')],
    ['a cut 3-byte sequence', Buffer.from([0x61, 0xe2, 0x82, 0x62])],
    ['an overlong encoding', Buffer.from([0xc0, 0xaf])],
  ] as const) {
    for (const chunked of [false, true]) {
      it(`${name}${chunked ? ', chunked' : ''}: 400 invalid_json, nothing forwarded`, async () => {
        const before = up.bodies.length;
        const res = await send(bodyWith(bytes), chunked);
        expect(res.status).toBe(400);
        expect(JSON.parse(res.body).error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_json' });
        expect(up.bodies.length).toBe(before);
      });
    }
  }
});

describe('valid UTF-8 is read as before', () => {
  for (const chunked of [false, true]) {
    it(`é, 漢字, an emoji and a literal U+FFFD${chunked ? ', chunked' : ''}`, async () => {
      const text = 'café 漢字 🙂 \uFFFD';
      const res = await send(bodyWith(Buffer.from(text, 'utf8')), chunked);
      expect(res.status, res.body).toBe(200);
      expect(up.bodies.at(-1)!.messages[0].content).toBe(text);
    });
  }

  it('a UTF-8 byte order mark in front is still tolerated', async () => {
    const res = await send(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bodyWith(Buffer.from('hi'))]), false);
    expect(res.status, res.body).toBe(200);
  });
});
