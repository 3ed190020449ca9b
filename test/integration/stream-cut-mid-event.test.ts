// An upstream stream that fails (a socket closed before the chunked end, or a stall past
// upstream.idle_timeout_ms) in the middle of an event. The client has whole events and then the
// gateway's error event on its own, which the `openai` SDK raises as an APIError; before, the part of
// the event the client already had was closed off with a blank line, so the SDK got a broken JSON
// event ("Unterminated string in JSON", printed to stderr) in place of the gateway's error.
import { describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { rawRequest, type Gateway } from './gateway-harness.ts';
import type { RawUpstream } from './helpers/raw-sse-upstream.ts';
import { useRawSseGateway, PROMPT } from './helpers/raw-sse-gateway.ts';

let up: RawUpstream;
let gw: Gateway;
let client: OpenAI;
useRawSseGateway({ upstream: { idle_timeout_ms: 400 } }, (rig) => ({ up, gw, client } = rig));

const ev = (content: string) => `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;

// The model names the ways the gateway reads the stream: usage asked on the client's behalf and
// taken out (the default), passed through as it comes (the client asked for usage), rewritten (PII restore).
const WAYS = [
  ['usage taken out', 'qwen3', {}],
  ['passed through', 'qwen3', { stream_options: { include_usage: true } }],
  ['PII restored', 'A', {}],
] as const;

for (const [ending, code, message] of [
  ['fin', 'upstream_stream_cut', 'The upstream answer ended before it was complete.'],
  ['rst', 'upstream_stream_cut', 'The upstream answer ended before it was complete.'],
  ['hang', 'upstream_idle_timeout', 'The upstream sent nothing for 400 ms.'],
] as const) {
  describe(`an upstream stream that ${ending === 'hang' ? 'stalls' : `is cut (${ending})`} in the middle of an event`, () => {
    for (const [way, model, extra] of WAYS) {
      it(`${way}: the SDK raises the gateway's APIError after the whole events; the raw body has only whole JSON events`, async () => {
        up.script = () => ({ pieces: [ev('He'), ev('llo').slice(0, 30)], end: ending });
        const printed: unknown[] = [];
        const orig = console.error;
        console.error = (...a: unknown[]) => void printed.push(a);
        let text = '';
        let err: unknown;
        try {
          const stream = await client.chat.completions.create({ model, messages: [{ role: 'user', content: PROMPT }], stream: true, ...extra });
          for await (const c of stream) text += c.choices[0]?.delta?.content ?? '';
        } catch (e) {
          err = e;
        } finally {
          console.error = orig;
        }
        expect(text).toBe('He');
        expect(err).toBeInstanceOf(OpenAI.APIError);
        expect((err as Error).message).toContain(message);
        expect(printed).toEqual([]);

        const res = await rawRequest(`${gw.url}/v1/chat/completions`, {
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model, messages: [{ role: 'user', content: PROMPT }], stream: true, ...extra }),
        });
        const events = res.body.split('\n\n').filter((e) => e.trim());
        for (const e of events) expect(() => JSON.parse(e.replace(/^data: ?/, ''))).not.toThrow();
        expect(JSON.parse(events.at(-1)!.slice(6)).error.code).toBe(code);
        expect(events).toHaveLength(2);
      });
    }
  });
}

describe('a passed-through SSE answer (/v1/completions) cut in the middle of an event', () => {
  it('the client has the whole events, then the error event on its own', async () => {
    const text = (t: string) => `data: ${JSON.stringify({ id: 'c1', object: 'text_completion', created: 1, model: 'm', choices: [{ index: 0, text: t, finish_reason: null }] })}\n\n`;
    up.script = () => ({ pieces: [text('He'), text('llo').slice(0, 30)], end: 'fin' });
    const res = await rawRequest(`${gw.url}/v1/completions`, {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'qwen3', prompt: 'hi', stream: true }),
    });
    const events = res.body.split('\n\n').filter((e) => e.trim());
    expect(events).toHaveLength(2);
    expect(JSON.parse(events[0]!.slice(6)).choices[0].text).toBe('He');
    expect(JSON.parse(events[1]!.slice(6)).error.code).toBe('upstream_stream_cut');
  });
});
