// Mutation audit 3 (src/upstream/sse.ts): the end of an answer a tap rewrites (model A: PII redact
// and restore). Such a watch splits the stream into events itself, so at the upstream's clean end it
// still holds two things: an event with no blank line after it (the splitter's rest) and text the
// restore tap held back (it may begin a placeholder). Both are the client's: the rest decides whether
// the answer is whole, and what the tap held goes out before the gateway's cut event. Real sockets:
// the `openai` SDK -> the gateway -> a raw SSE upstream.
import { describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import type { Gateway } from './gateway-harness.ts';
import type { RawUpstream } from './helpers/raw-sse-upstream.ts';
import { ev, useRawSseGateway, PROMPT } from './helpers/raw-sse-gateway.ts';

let up: RawUpstream;
let gw: Gateway;
let client: OpenAI;
useRawSseGateway({}, (rig) => ({ up, gw, client } = rig));

async function read(): Promise<{ text: string; err?: unknown }> {
  let text = '';
  try {
    for await (const c of await client.chat.completions.create({ model: 'A', messages: [{ role: 'user', content: PROMPT }], stream: true })) text += c.choices[0]?.delta?.content ?? '';
    return { text };
  } catch (err) {
    return { text, err };
  }
}
const cuts = () => gw.metrics.value('llm_request_errors_total', { model: 'A', reason: 'upstream_5xx' }) ?? 0;

describe('a rewritten stream at the upstream clean end', () => {
  it('a last event (finish_reason stop) with no blank line after it makes the answer whole: no cut event', async () => {
    up.script = () => ({ pieces: [ev('Hel'), ev('lo', 'stop').trimEnd()] });
    const before = cuts();
    const { text, err } = await read();
    expect(err).toBeUndefined();
    expect(text).toBe('Hello');
    expect(cuts()).toBe(before);
  });

  it('text the restore tap held back (a placeholder begun, never finished) reaches the client before the cut error', async () => {
    // The upstream quotes the start of the masked address the gateway sent it, then ends cleanly with
    // no finish_reason and no [DONE]: a cut answer. The held start is no placeholder after all.
    let start = '';
    up.script = (body) => {
      const sent = String(body.messages[0].content);
      const placeholder = sent.slice('Mail '.length, sent.length - ' please.'.length);
      start = placeholder.slice(0, Math.max(2, placeholder.length - 3));
      return { pieces: [ev('Hi '), ev(start)] };
    };
    const before = cuts();
    const { text, err } = await read();
    expect(start.length).toBeGreaterThan(1);
    expect(start).not.toContain('jane');
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as Error).message).toContain('ended before it was complete');
    expect(text).toBe(`Hi ${start}`);
    expect(cuts()).toBe(before + 1);
  });
});
