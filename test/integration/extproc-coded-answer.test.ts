// A compressed JSON answer (content-encoding gzip, deflate, br) on chat. accept-encoding is not sent
// upstream, but a proxy between may compress anyway. The HTTP gateway's upstream client decodes it, so
// the PII restore, the usage and the cache read it and the client gets it plain. Behind Envoy ext_proc
// held it and could not parse it: the client got the upstream's compressed bytes with the placeholders
// in them (its own e-mail address never restored), and no tokens were counted. Where Envoy sends the
// answer whole (BUFFERED) and holds its head for it, ext_proc now decodes it and sends it plain, the
// head changed in the same answer (no content-encoding, the new content-length); in STREAMED chunks
// its head loses content-encoding when it is answered (extproc-coded-json-chunks.test.ts).
// Real gRPC, both doors over one deps with the real packs; a node:http upstream that answers with the
// text it got (the masked prompt) in a compressed JSON completion.
import http from 'node:http';
import zlib from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/observability/metrics.ts';
import { captureLogger, packsAvailable, realClassifiers, testConfig } from './gateway-harness.ts';
import { requestBody, requestHeaders, responseHeaders, setHeaders } from './helpers/envoy-client.ts';
import { startBothDoors } from './helpers/extproc-real-pipeline.ts';

const EMAIL = 'ann.lee@example.com';
const PROMPT = `Write a short note to ${EMAIL} about the invoice.`;
type Coding = 'gzip' | 'deflate' | 'br' | 'identity';

const encode = (b: Buffer, c: Coding) => (c === 'gzip' ? zlib.gzipSync(b) : c === 'deflate' ? zlib.deflateSync(b) : c === 'br' ? zlib.brotliCompressSync(b) : b);
const decode = (b: Buffer, c: string) => (c === 'gzip' ? zlib.gunzipSync(b) : c === 'deflate' ? zlib.inflateSync(b) : c === 'br' ? zlib.brotliDecompressSync(b) : b);

/** The completion the upstream answers to a chat body: the last user text it got, and a usage block. */
function completionFor(body: { model?: string; messages?: Array<{ content?: unknown }> }): Buffer {
  const text = String(body.messages?.at(-1)?.content ?? '');
  return Buffer.from(JSON.stringify({ id: 'c1', object: 'chat.completion', created: 1, model: body.model, choices: [{ index: 0, message: { role: 'assistant', content: `Sent: ${text}` }, finish_reason: 'stop' }], usage: { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 } }));
}

let upstream: http.Server;
let doors: Awaited<ReturnType<typeof startBothDoors>>;
let metrics: ReturnType<typeof createMetrics>;

beforeAll(async () => {
  if (!packsAvailable()) return;
  upstream = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const coding = String(req.headers['x-coding']) as Coding;
      // x-type: the answer's content type ('none': no content-type at all).
      const type = String(req.headers['x-type'] ?? 'application/json');
      const out = encode(completionFor(JSON.parse(Buffer.concat(chunks).toString())), coding);
      res.writeHead(200, { ...(type === 'none' ? {} : { 'content-type': type }), ...(coding === 'identity' ? {} : { 'content-encoding': coding }), 'content-length': out.length });
      res.end(out);
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
  const config = testConfig(
    { routing: { enabled: false }, model_config: { qwen3: { reasoning_family: 'qwen3', preferred_endpoints: ['production-stack'], pii_policy: { allow_by_default: false, action: 'redact', restore: true } } } },
    [{ name: 'production-stack', address: '127.0.0.1', port: (upstream.address() as AddressInfo).port, weight: 1 }],
  );
  metrics = createMetrics({ config });
  doors = await startBothDoors(config, { classifiers: await realClassifiers(), logger: captureLogger(), metrics, noCache: true });
}, 120_000);
afterAll(async () => {
  await doors?.close();
  upstream?.closeAllConnections();
  await new Promise((r) => upstream?.close(r ?? (() => {})));
});

const CHAT = { model: 'qwen3', messages: [{ role: 'user', content: PROMPT }] };

async function tokens(): Promise<number> {
  const text = await metrics.render();
  return [...text.matchAll(/^llm_model_completion_tokens_total\{[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
}

describe.skipIf(!packsAvailable())('a compressed JSON answer is read and sent plain, as the gateway sends it', () => {
  for (const coding of ['gzip', 'deflate', 'br'] as const) {
    it(`${coding}, BUFFERED: restored, plain, usage counted`, async () => {
      const r = await fetch(`${doors.gateway.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-coding': coding }, body: JSON.stringify(CHAT) });
      const gateway = await r.json();
      expect(r.headers.get('content-encoding')).toBeNull();
      expect(gateway.choices[0].message.content).toBe(`Sent: ${PROMPT}`);

      const before = await tokens();
      const s = doors.envoy.open();
      await s.send({ ...requestHeaders({ ':method': 'POST', ':path': '/v1/chat/completions', 'content-type': 'application/json' }), protocol_config: { request_body_mode: 'BUFFERED', response_body_mode: 'BUFFERED' } });
      const b = await s.send(requestBody(JSON.stringify(CHAT)));
      const sent = JSON.parse(Buffer.from(b.request_body.response.body_mutation.body).toString());
      expect(JSON.stringify(sent)).not.toContain(EMAIL);
      const answer = encode(completionFor(sent), coding);
      const head: Record<string, string> = { ':status': '200', 'content-type': 'application/json', 'content-encoding': coding, 'content-length': String(answer.length) };
      const h = await s.send(responseHeaders(head));
      const headers = { ...head, ...setHeaders(h.response_headers.response?.header_mutation) };
      for (const k of h.response_headers.response?.header_mutation?.remove_headers ?? []) delete headers[k];
      const rb = await s.send({ response_body: { body: answer, end_of_stream: true } });
      s.end();
      // Envoy holds the head for a BUFFERED body: the body answer's header mutation applies to it.
      const m = rb.response_body.response?.header_mutation;
      Object.assign(headers, setHeaders(m));
      for (const k of m?.remove_headers ?? []) delete headers[k];
      const bytes = rb.response_body.response?.body_mutation?.body ? Buffer.from(rb.response_body.response.body_mutation.body) : answer;
      if (headers['content-length'] !== undefined) expect(Number(headers['content-length'])).toBe(bytes.length);
      const client = JSON.parse(decode(bytes, headers['content-encoding'] ?? 'identity').toString());
      expect(client.choices[0].message.content).toBe(`Sent: ${PROMPT}`);
      expect(headers['content-encoding']).toBeUndefined();
      expect(await tokens()).toBe(before + 7);
    });
  }
});

describe.skipIf(!packsAvailable())('in STREAMED chunks (its head answered before the body is read)', () => {
  // (Was: it went on as it came, unread, the placeholder to the client. Now read decoded and sent plain: extproc-coded-json-chunks.test.ts.)
  it('its head loses content-encoding and the client gets the restored answer plain', async () => {
    const s = doors.envoy.open();
    await s.send({ ...requestHeaders({ ':method': 'POST', ':path': '/v1/chat/completions', 'content-type': 'application/json' }), protocol_config: { request_body_mode: 'BUFFERED', response_body_mode: 'STREAMED' } });
    const b = await s.send(requestBody(JSON.stringify(CHAT)));
    const answer = encode(completionFor(JSON.parse(Buffer.from(b.request_body.response.body_mutation.body).toString())), 'gzip');
    const h = await s.send(responseHeaders({ ':status': '200', 'content-type': 'application/json', 'content-encoding': 'gzip' }));
    expect(h.response_headers.response?.header_mutation?.remove_headers ?? []).toContain('content-encoding');
    let out = Buffer.alloc(0) as Buffer;
    for (const [i, p] of [answer.subarray(0, 10), answer.subarray(10)].entries()) {
      const m = (await s.send({ response_body: { body: p, end_of_stream: i === 1 } })).response_body.response?.body_mutation;
      out = Buffer.concat([out, m?.clear_body ? Buffer.alloc(0) : m?.body ? Buffer.from(m.body) : p]);
    }
    s.end();
    expect(JSON.parse(out.toString()).choices[0].message.content).toBe(`Sent: ${PROMPT}`);
  });
});

// A completion whose head does not call it JSON (a proxy that drops or rewrites the content type): the
// gateway parses any 2xx answer that is no event stream, restores it and says application/json.
describe.skipIf(!packsAvailable())('a JSON answer under another content type is read as the gateway reads it', () => {
  for (const type of ['text/plain', 'none'] as const) {
    for (const mode of ['BUFFERED', 'STREAMED'] as const) {
      it(`${type}, ${mode}: restored, usage counted`, async () => {
        const r = await fetch(`${doors.gateway.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-coding': 'identity', 'x-type': type }, body: JSON.stringify(CHAT) });
        expect((await r.json()).choices[0].message.content).toBe(`Sent: ${PROMPT}`);
        expect(r.headers.get('content-type')).toBe('application/json');

        const before = await tokens();
        const s = doors.envoy.open();
        await s.send({ ...requestHeaders({ ':method': 'POST', ':path': '/v1/chat/completions', 'content-type': 'application/json' }), protocol_config: { request_body_mode: 'BUFFERED', response_body_mode: mode } });
        const b = await s.send(requestBody(JSON.stringify(CHAT)));
        const answer = completionFor(JSON.parse(Buffer.from(b.request_body.response.body_mutation.body).toString()));
        const head: Record<string, string> = { ':status': '200', ...(type === 'none' ? {} : { 'content-type': type }) };
        const h = await s.send(responseHeaders(head));
        const headers = { ...head, ...setHeaders(h.response_headers.response?.header_mutation) };
        const cut = mode === 'BUFFERED' ? [answer] : [answer.subarray(0, 20), answer.subarray(20)];
        let out = Buffer.alloc(0) as Buffer;
        for (const [i, p] of cut.entries()) {
          const rb = await s.send({ response_body: { body: p, end_of_stream: i === cut.length - 1 } });
          const c = rb.response_body.response;
          if (mode === 'BUFFERED') Object.assign(headers, setHeaders(c?.header_mutation));
          out = Buffer.concat([out, c?.body_mutation?.clear_body ? Buffer.alloc(0) : c?.body_mutation?.body ? Buffer.from(c.body_mutation.body) : p]);
        }
        s.end();
        expect(JSON.parse(out.toString()).choices[0].message.content).toBe(`Sent: ${PROMPT}`);
        expect(await tokens()).toBe(before + 7);
        // Where Envoy holds the head for the body, it says JSON too; in STREAMED the head has gone on.
        if (mode === 'BUFFERED') expect(headers['content-type']).toBe('application/json');
      });
    }
  }
});
