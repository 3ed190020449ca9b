// Streams that end before they are whole, on the Worker as on Node (shared code: src/upstream/sse.ts,
// stream-whole.ts): a close-delimited SSE body closed after two chunks (no [DONE], no finish_reason),
// and a chunked one closed in the middle of an event. Both runtimes give the client its whole events
// and then the upstream_stream_cut error event on its own (the openai SDK raises it), whether the
// gateway takes the usage out (the default) or passes the stream through (include_usage).
import { describe, expect, it } from 'vitest';
import { chatReq, compare } from './parity-client.ts';

// Neither read from nor stored in the semantic cache: these cases are about how a stream ends. (When one
// Node gateway served every file, a whole answer stored here was a hit for parity-surface's same
// question on Node; each file now has its own: parity-client.ts nodeUrl.)
const ask = (body: Record<string, unknown>) => chatReq(body, { 'x-vsr-cache-control': 'bypass' });

describe('Node vs Worker: an upstream stream that ends before it is whole', () => {
  for (const model of ['raw-sse-close-delimited', 'raw-sse-cut-mid-event']) {
    for (const extra of [{}, { stream_options: { include_usage: true } }]) {
      it(`${model}${'stream_options' in extra ? ', usage asked' : ''}: same answer; the whole events, then the error event alone`, async () => {
        const { node, worker, diff } = await compare(ask({ model, messages: [{ role: 'user', content: 'hi' }], stream: true, ...extra }));
        expect(diff).toEqual([]);
        for (const seen of [node, worker]) {
          expect(seen.status).toBe(200);
          const events = seen.body as Array<Record<string, any>>;
          expect(events.map((e) => (typeof e === 'string' ? e : 'json'))).toEqual(['json', ...(model === 'raw-sse-close-delimited' ? ['json'] : []), 'json']);
          expect(events.at(-1)!.error.code).toBe('upstream_stream_cut');
        }
      });
    }
  }
});

describe('Node vs Worker: streams that are whole', () => {
  for (const extra of [{}, { stream_options: { include_usage: true } }]) {
    it(`[DONE], then the connection closed before the chunked end${'stream_options' in extra ? ', usage asked' : ''}: same answer, whole (no error event)`, async () => {
      const { node, worker, diff } = await compare(ask({ model: 'raw-sse-done-then-cut', messages: [{ role: 'user', content: 'hi' }], stream: true, ...extra }));
      expect(diff).toEqual([]);
      for (const seen of [node, worker]) expect((seen.body as unknown[]).at(-1)).toBe('[DONE]');
      expect(JSON.stringify(node.body)).not.toContain('error');
    });
  }

  it('JSON answered to a stream request: the same stream of chunks ending in [DONE] on both', async () => {
    const { node, worker, diff } = await compare(ask({ model: 'raw-json-for-stream', messages: [{ role: 'user', content: 'hi' }], stream: true }));
    expect(diff).toEqual([]);
    expect(worker.headers['content-type']).toContain('text/event-stream');
    const events = worker.body as Array<Record<string, any> | string>;
    expect(events.at(-1)).toBe('[DONE]');
    expect(events.map((e) => (typeof e === 'string' ? '' : (e.choices?.[0]?.delta?.content ?? ''))).join('')).toBe('ok');
  });
});
