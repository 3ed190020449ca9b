// Mutation audit 3 (src/cache/sse.ts): SSE line shapes the spec allows, through the two paths that
// read a stream with cache/sse.ts rather than the watch's splitter. A stream with CR-only line ends
// answered to a request without `stream` (read whole, splitSse) was one event, so a 502
// upstream_stream_incomplete; and a streamed answer whose chunk JSON spans two data lines was stored
// fine but replayed from the cache with its second line bare (no `data:`), so the openai SDK threw on
// the cut JSON of the hit. Real sockets: the `openai` SDK -> the gateway (cache on, real packs) -> a
// raw SSE upstream.
import { describe, expect, it } from 'vitest';
import { packsAvailable } from './gateway-harness.ts';
import { useCacheGateway } from './helpers/cache-gateway.ts';
import { startRawSseUpstream } from './helpers/raw-sse-upstream.ts';
import { ev, USAGE } from './helpers/raw-sse-gateway.ts';

const gw = useCacheGateway(() => startRawSseUpstream());
const size = () => gw.deps.cache?.size() ?? 0;

describe.skipIf(!packsAvailable())('SSE line shapes read by cache/sse.ts', () => {
  it('CR-only line ends, answered to a JSON request: the SDK gets the chat.completion', async () => {
    const cr = (e: string) => e.replace(/\n/g, '\r');
    gw.up.script = () => ({ pieces: [cr(ev('Hel')), cr(ev('lo', 'stop')), cr(USAGE), cr('data: [DONE]\n\n')] });
    const data = await gw.client.chat.completions.create({ model: 'qwen3', messages: [{ role: 'user', content: 'Which planet is called the red planet?' }] });
    expect(data).toMatchObject({ object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'Hello' }, finish_reason: 'stop' }] });
    expect(data.usage).toEqual({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 });
  });

  it('a chunk whose JSON spans two data lines: stored, and the cache hit replays it as the SDK reads it', async () => {
    const json = JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: 'lo' }, finish_reason: 'stop' }] });
    const cut = json.indexOf('"choices"');
    const twoLines = `data: ${json.slice(0, cut)}\ndata: ${json.slice(cut)}\n\n`;
    gw.up.script = () => ({ pieces: [ev('Hel'), twoLines, 'data: [DONE]\n\n'] });
    const question = { model: 'qwen3', messages: [{ role: 'user' as const, content: 'What is the boiling point of water at sea level?' }], stream: true as const };
    const read = async () => {
      const { data, response } = await gw.client.chat.completions.create(question).withResponse();
      let text = '';
      for await (const c of data) text += c.choices[0]?.delta?.content ?? '';
      return { text, hit: response.headers.get('x-vsr-cache-hit') };
    };
    const before = size();
    expect(await read()).toEqual({ text: 'Hello', hit: null });
    const deadline = Date.now() + 5000;
    while (size() === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(size()).toBe(before + 1);
    const accepted = gw.up.accepted;
    const bodies = gw.up.bodies.length;
    expect(await read()).toEqual({ text: 'Hello', hit: 'true' });
    expect({ accepted: gw.up.accepted, bodies: gw.up.bodies.length }).toEqual({ accepted, bodies });
  });

  it('a streamed answer past the record cap (8 MiB) reaches the client whole, is not stored, and is counted as skipped too_large', async () => {
    // 9 chunks of 1 MiB of text: the record stops past the cap; the client still gets every byte.
    const piece = 'x'.repeat(1024 * 1024);
    gw.up.script = () => ({ pieces: [...Array.from({ length: 9 }, () => ev(piece)), ev('', 'stop'), 'data: [DONE]\n\n'], gapMs: 1 });
    const tooLarge = () => Number(/llm_cache_write_skipped_total\{reason="too_large"\} (\d+)/.exec(gw.deps.metrics.render())?.[1] ?? 0);
    const before = { skipped: tooLarge(), size: size() };
    let length = 0;
    const stream = await gw.client.chat.completions.create({ model: 'qwen3', messages: [{ role: 'user', content: 'Write the longest text you can about the sea.' }], stream: true });
    for await (const c of stream) length += c.choices[0]?.delta?.content?.length ?? 0;
    expect(length).toBe(9 * piece.length);
    const deadline = Date.now() + 5000;
    while (tooLarge() === before.skipped && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect({ skipped: tooLarge(), size: size() }).toEqual({ skipped: before.skipped + 1, size: before.size });
  });
});
