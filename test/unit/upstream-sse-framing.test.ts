// watchStream's event framing when a tap reads the events (cache store, PII restore): whatever line
// endings the upstream uses and wherever TCP splits the bytes, every event is seen once, whole.
import { describe, expect, it } from 'vitest';
import { watchStream } from '../../src/upstream/sse.ts';
import type { ResponseTap } from '../../src/pipeline/context.ts';

const payload = (content: string, finish: string | null = null) =>
  JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: finish }] });

/** The stream cut into two reads at `cut`. */
function split(text: string, cut: number): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  const parts = [bytes.slice(0, cut), bytes.slice(cut)].filter((p) => p.length);
  return new ReadableStream({ pull: (c) => void (parts.length ? c.enqueue(parts.shift()!) : c.close()) });
}

async function run(body: ReadableStream<Uint8Array>, tap: ResponseTap) {
  let ended: { events: string[]; completion?: Record<string, unknown> } | undefined;
  const text = await new Response(watchStream(body, [tap], { onFirstByte() {}, onEnd: (i) => void (ended = i), onError() {} })).text();
  const content = (ended!.completion?.choices as Array<{ message: { content: string } }> | undefined)?.[0]?.message.content;
  return { text, events: ended!.events, content };
}

const upper: ResponseTap = {
  name: 'upper',
  chunk: (c) => {
    for (const ch of c.choices as Array<{ delta: { content?: string } }>) if (ch.delta.content) ch.delta.content = ch.delta.content.toUpperCase();
    return c;
  },
};
const watchOnly: ResponseTap = { name: 'watch', done() {} };

describe('watchStream framing', () => {
  const crlf = `data: ${payload('Hel')}\r\n\r\ndata: ${payload('lo', 'stop')}\r\n\r\ndata: [DONE]\r\n\r\n`;

  it('CRLF events split at every byte position are each seen whole (watching and rewriting)', async () => {
    const bytes = new TextEncoder().encode(crlf).length;
    for (let cut = 1; cut < bytes; cut++) {
      const seen = await run(split(crlf, cut), watchOnly);
      expect(seen.events.length, `cut ${cut}`).toBe(3);
      expect(seen.content, `cut ${cut}`).toBe('Hello');
      expect(seen.text, `cut ${cut}`).toBe(crlf);
      const rewritten = await run(split(crlf, cut), upper);
      expect(rewritten.content, `cut ${cut}`).toBe('HELLO');
      expect(rewritten.text.split('\n\n').filter(Boolean).length, `cut ${cut}`).toBe(3);
    }
  });

  it('comment, id and event lines and multi-line data inside one event still reach the chunk tap', async () => {
    const text = `: keep-alive\n\nid: 1\ndata: ${payload('ab')}\n\n: ping\ndata: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m",\ndata: "choices":[{"index":0,"delta":{"content":"cd"},"finish_reason":"stop"}]}\n\ndata: [DONE]`;
    const seen = await run(split(text, 20), upper);
    expect(seen.content).toBe('ABCD');
    expect(seen.text).toContain(': keep-alive\n\n');
    expect(seen.text).toContain('id: 1\ndata: {');
    expect(seen.text).toContain(': ping\ndata: {');
    // The last event came without its blank line; it is still delivered, and terminated.
    expect(seen.text.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('a lone CR line ending (allowed by the SSE spec) frames events too', async () => {
    const text = `data: ${payload('x')}\r\rdata: ${payload('y', 'stop')}\r\rdata: [DONE]\r\r`;
    const seen = await run(split(text, 10), watchOnly);
    expect(seen.content).toBe('xy');
    expect(seen.events.length).toBe(3);
  });
});
