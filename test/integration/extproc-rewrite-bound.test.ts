// ext_proc's STREAMED rewriter holds the one unfinished SSE event whole for the restore tap, so an
// upstream that never ends an event grew the server's memory for as long as it sent. Past its bound
// (a quarter of extproc.max_message_bytes, at most the gateway's MAX_HELD_EVENT_CHARS: the reply that
// lets it go must fit one gRPC message) the held event goes out as it came and later chunks pass
// untouched. Real gRPC socket, Envoy played message by message, as in extproc-restore.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.ts';
import type { AppDeps } from '../../src/deps.ts';
import { restoreTap } from '../../src/guard/redaction.ts';
import { heldEventBound } from '../../runtimes/node/extproc/sse-rewrite.ts';
import { requestBody, requestHeaders, responseHeaders } from './helpers/envoy-client.ts';
import { forwardingPipeline, useExtProc } from './helpers/extproc-server.ts';

const MAX_MESSAGE = 4 * 1024 * 1024;
const CHAT = { ':method': 'POST', ':path': '/v1/chat/completions', 'content-type': 'application/json', 'x-request-id': 'req-1' };
const quiet = () => {};
const counted: Array<{ name: string; labels?: Record<string, string> }> = [];
const warned: Array<{ obj: object; msg?: string }> = [];
const deps: AppDeps = {
  config: configSchema.parse({ default_model: 'qwen3', extproc: { max_message_bytes: MAX_MESSAGE } }),
  classifiers: {} as AppDeps['classifiers'],
  upstream: { send: () => Promise.reject(new Error('ext_proc never forwards')) },
  metrics: { inc: (name: string, labels?: Record<string, string>) => void counted.push({ name, labels }), observe() {}, set() {}, render: () => '' },
  logger: { debug: quiet, info: quiet, warn: (obj: object, msg?: string) => void warned.push({ obj, msg }), error: quiet },
  clock: { now: () => performance.now(), wallMs: () => Date.now() },
  runtime: { name: 'node' },
};
const pipeline = forwardingPipeline([restoreTap(new Map([['<EMAIL_ADDRESS_2>', 'ann@example.com']]))]);

describe('ext_proc SSE rewriter bounds the unfinished event it holds', () => {
  const ext = useExtProc(deps, { pipeline });

  it('an endless event: what was held goes out as it came, cut characters too, then chunks pass untouched', async () => {
    const s = ext.client.open();
    await s.send(requestHeaders(CHAT));
    await s.send(requestBody(JSON.stringify({ model: 'MoM', stream: true, messages: [{ role: 'user', content: 'hi' }] })));
    await s.send(responseHeaders({ ':status': '200', 'content-type': 'text/event-stream' }));

    const bound = heldEventBound(MAX_MESSAGE);
    expect(bound).toBe(1024 * 1024);
    // The restore tap restores the first placeholder and holds back the start of the second.
    const first = `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: 'Write to <EMAIL_ADDRESS_2> or <EMAIL_ADD' }, finish_reason: null }] })}\n\n`;
    const unit = 'lorem é ipsum <EMAIL_ADDRESS_2> 日本 dolor ';
    const endless =
      `data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"` +
      unit.repeat(Math.ceil((bound + 600_000) / unit.length)) +
      `"},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n`;
    const bytes = Buffer.from(first + endless);
    // Chunks of about 256 KiB, each cut inside a 3-byte character (the first one of the next 日).
    const cuts: number[] = [];
    for (let at = 262144; at < bytes.length; at += 262144) {
      const i = bytes.indexOf('日', at);
      if (i < 0) break;
      cuts.push(i + 1);
      at = i + 1;
    }
    cuts.push(bytes.length);

    const sent: Buffer[] = [];
    const untouched: boolean[] = [];
    let at = 0;
    for (const cut of cuts) {
      const rb = await s.send({ response_body: { body: bytes.subarray(at, cut), end_of_stream: false } });
      const m = rb.response_body.response?.body_mutation;
      untouched.push(!m);
      sent.push(m?.body?.length ? Buffer.from(m.body) : m?.clear_body ? Buffer.alloc(0) : bytes.subarray(at, cut));
      at = cut;
    }
    const last = await s.send({ response_body: { body: Buffer.alloc(0), end_of_stream: true } });
    expect(last.response_body.response?.body_mutation).toBeFalsy();
    s.end();

    // Rewriting stopped once the held event passed the bound, well before it ended: from that chunk
    // on, every chunk went on as it came.
    const stoppedAt = untouched.indexOf(true);
    expect(stoppedAt).toBeGreaterThan(0);
    expect(stoppedAt).toBeLessThan(cuts.length - 1);
    expect(untouched.slice(stoppedAt).every(Boolean)).toBe(true);
    expect(cuts[stoppedAt - 1]!).toBeLessThan(first.length + bound * 3 + 262144 * 2);

    // The client's bytes: the first event restored, what the tap held, then the endless event byte
    // for byte (placeholders unrestored, no character broken at the cut where rewriting stopped).
    const out = Buffer.concat(sent);
    const raw = Buffer.from(endless);
    expect(out.subarray(out.length - raw.length).equals(raw)).toBe(true);
    const head = out.subarray(0, out.length - raw.length).toString('utf8');
    expect(head.endsWith('\n\n')).toBe(true);
    const content = head.split('\n\n').filter((e) => e.trim()).map((e) => JSON.parse(e.slice(6)).choices[0].delta.content).join('');
    expect(content).toBe('Write to ann@example.com or <EMAIL_ADD');

    expect(counted.filter((c) => c.name === 'llm_stream_rewrite_stopped_total')).toEqual([{ name: 'llm_stream_rewrite_stopped_total', labels: { reason: 'event_too_large' } }]);
    const warns = warned.filter((w) => w.msg?.includes('rewrite bound'));
    expect(warns).toHaveLength(1);
    expect(JSON.stringify(warns)).not.toMatch(/lorem|ann@|EMAIL/);
  }, 60_000);
});
