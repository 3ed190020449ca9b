// Odd and slow peers on real sockets (HTTP-layer QA): an upstream whose JSON answer decodes past
// what fits in memory. A scripted node:http upstream, raw
// net sockets as the client where node:http would not misbehave.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import zlib from 'node:zlib';
import { MAX_ANSWER_BYTES } from '../../runtimes/node/upstream-client.ts';
import { postJson } from './gateway-harness.ts';
import { ask, startScriptedUpstream, type ScriptedUpstream } from './helpers/scripted-upstream.ts';

let up: ScriptedUpstream;

beforeAll(async () => {
  up = await startScriptedUpstream({});
});
afterAll(async () => {
  await up?.close();
});

const completion = JSON.stringify({ id: 'c1', object: 'chat.completion', created: 1, model: 'qwen3', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }] });

describe('a non-streamed answer larger than the gateway reads', () => {
  it('a gzip answer that decodes to 600 MB: 502 upstream_response_too_large, and the gateway lives on', async () => {
    // Gzip members concatenated decode as one body: 600 x 1 MiB of spaces is ~600 KB on the wire.
    // Whole, it is past V8's longest string: the read's toString threw in a stream event and the
    // uncaught exception ended the process.
    const member = zlib.gzipSync(Buffer.alloc(1 << 20, 0x20));
    up.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      const write = (i: number): void => {
        if (res.destroyed) return;
        if (i === 600) return void res.end();
        if (res.write(member)) return write(i + 1);
        res.once('drain', () => write(i + 1));
      };
      write(0);
    };
    const r = await postJson(up.gw.url, '/v1/chat/completions', ask);
    expect(r.status).toBe(502);
    expect(r.json.error.code).toBe('upstream_response_too_large');
    expect(r.json.error.message).toContain(String(MAX_ANSWER_BYTES));
    // The upstream socket of the refused answer is closed, not left half read.
    expect(await up.openSockets(0)).toBe(0);

    up.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(completion);
    };
    const next = await postJson(up.gw.url, '/v1/chat/completions', ask);
    expect(next.status).toBe(200);
    expect(next.json.choices[0].message.content).toBe('ok');
  });
});
