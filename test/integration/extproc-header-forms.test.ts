// How Envoy spells request headers on the wire, and what the pipeline must see: values in `raw_value`
// bytes (Envoy >= 1.27) or in the `value` string (older Envoy), a header sent twice (one HeaderValue per
// occurrence: joined with ", " as HTTP allows, as Node joins them for the gateway), pseudo-headers
// (:authority, :path) kept. Real gRPC, Envoy played by a grpc-js client.
import { describe, expect, it } from 'vitest';
import { requestBody } from './helpers/envoy-client.ts';
import { fakeDeps, forward, recordingPipeline } from './helpers/extproc-fakes.ts';
import { useExtProc } from './helpers/extproc-server.ts';

const CHAT = [
  [':method', 'POST'],
  [':path', '/v1/chat/compl%65tions?x=1'],
  [':authority', 'llm.example.com'],
  ['content-type', 'application/json'],
];

describe('ext_proc request header forms', () => {
  const pipeline = recordingPipeline({ outcome: () => forward({ model: 'qwen3-math', messages: [] }) });
  const ext = useExtProc(fakeDeps(), { pipeline });

  async function send(headers: Array<Record<string, unknown>>) {
    const s = ext.client.open();
    await s.send({ request_headers: { headers: { headers }, end_of_stream: false } });
    const b = await s.send(requestBody('{"model":"MoM","messages":[{"role":"user","content":"hi"}]}'));
    s.end();
    return { b, seen: pipeline.calls.at(-1)!.headers };
  }

  it('values in `value` (older Envoy) are read as in `raw_value`', async () => {
    const { b, seen } = await send([...CHAT, ['x-user-id', 'u-1']].map(([key, value]) => ({ key, value })));
    expect(b.response).toBe('request_body');
    expect(seen).toMatchObject({ ':authority': 'llm.example.com', ':path': '/v1/chat/compl%65tions?x=1', 'x-user-id': 'u-1' });
  });

  it('raw_value wins over value; a repeated header is joined with ", "; keys compared lower-cased', async () => {
    const raw = (key: string, v: string, value = '') => ({ key, raw_value: Buffer.from(v), value });
    const { seen } = await send([...CHAT.map(([k, v]) => raw(k!, v!)), raw('X-Tag', 'a', 'ignored'), raw('x-tag', 'b')]);
    expect(seen['x-tag']).toBe('a, b');
    expect(seen[':authority']).toBe('llm.example.com');
  });
});
