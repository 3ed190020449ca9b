// A caller of the Worker's fetch handler that aborts its request's signal: while the body of a
// classification API request or of a chat request is being read, and in the middle of a streamed chat
// answer without cancelling the answer's reader. Each is what an operator should see as a client that
// left (499 client_closed_request, reason cancellation), not a failed classification, a server error or
// an upstream fault; the upstream request is cancelled and the isolate serves on. On Node a cut body
// read carries ECONNRESET, so only here is the signal's own check exercised (`signal?.aborted` in
// src/api/classify.ts handle, src/api/openai.ts's chat handler, src/upstream/stream-failure.ts).
// And a client that cancels the answer's reader once it has [DONE], the upstream still open: a whole
// answer, not a cancellation (src/upstream/sse.ts cancel's after-[DONE] branch; Node's side:
// test/integration/stream-after-done.test.ts). Leaving by cancelling the reader mid-answer:
// node-parity-leave.test.ts. What workerd itself tells a Worker when a real client disconnects
// (nothing, for a body or a stream): runtimes/worker/README.md.
import { createExecutionContext } from 'cloudflare:test';
import { describe, expect, it, vi } from 'vitest';
import worker from '../../runtimes/worker/index.ts';
import { until } from '../integration/helpers/until.ts';
import { parityEnv, upstreamClosed } from './parity-client.ts';

type Line = Record<string, unknown>;
// The stall-body streams below are neither served from the semantic cache nor stored: the after-[DONE]
// answer is whole and was stored, and the mid-stream case after it (in a shuffled order) was that hit.
const NO_CACHE = { 'x-vsr-cache-control': 'bypass' };

/** Every log line the Worker writes (info to console.log, warn and error to their own), parsed. */
function captureAll(): { lines: Line[]; restore(): void } {
  const lines: Line[] = [];
  const keep = (l: unknown) => {
    try {
      lines.push(JSON.parse(String(l)) as Line);
    } catch {
      // not a log line
    }
  };
  const spies = (['log', 'warn', 'error'] as const).map((m) => vi.spyOn(console, m).mockImplementation(keep));
  return { lines, restore: () => spies.forEach((s) => s.mockRestore()) };
}

const call = (req: Request) => worker.fetch(req, parityEnv, createExecutionContext());
const metrics = async () => (await call(new Request('https://semroute.test/metrics'))).text();
const errorsOf = (text: string, model: string, reason: string) =>
  Number(text.match(new RegExp(`^llm_request_errors_total\\{model="${model}",reason="${reason}"\\} (\\S+)$`, 'm'))?.[1] ?? 0);

/**
 * Sends half a JSON body, then nothing until the client leaves (its signal aborts once the body's
 * first chunk was taken): then the body read fails as a cut upload does, with an error that is no
 * ECONNRESET (only the signal says the client left). The answer is what the caller's fetch got.
 */
async function leaveDuringBody(path: string, id: string, half: string): Promise<Response> {
  const ac = new AbortController();
  let sent!: () => void;
  const firstSent = new Promise<void>((r) => (sent = r));
  const body = new ReadableStream<Uint8Array>({
    start(ctl) {
      ctl.enqueue(new TextEncoder().encode(half));
      ac.signal.addEventListener('abort', () => ctl.error(new Error('body stream cut')), { once: true });
    },
    pull() {
      sent();
    },
  });
  const pending = call(
    new Request(`https://semroute.test${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': id },
      body,
      signal: ac.signal,
      duplex: 'half',
    } as RequestInit),
  );
  await firstSent;
  ac.abort();
  return pending;
}

describe('Worker: a client that aborts its request', () => {
  it('while its classification request body is read: 499 client_closed_request, logged as such, not a failed classification', async () => {
    const { lines, restore } = captureAll();
    try {
      const id = `abort-classify-${crypto.randomUUID()}`;
      const res = await leaveDuringBody('/api/v1/classify/intent', id, '{"text":"Explain supply');
      expect(res.status).toBe(499);
      expect(res.headers.get('x-request-id')).toBe(id);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('client_closed_request');
      const line = lines.find((l) => l.event === 'classify' && l.request_id === id);
      expect(line).toMatchObject({ path: '/api/v1/classify/intent', status: 499 });
      // Not an error for the operator: no 'classification failed' line at any level for this request.
      expect(lines.filter((l) => l.request_id === id && l.level === 'error')).toEqual([]);
      expect(lines.some((l) => l.msg === 'classification failed')).toBe(false);

      // The isolate serves the next classification as usual.
      const next = await call(
        new Request('https://semroute.test/api/v1/classify/intent', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ text: 'Explain supply and demand' }),
        }),
      );
      expect(next.status).toBe(200);
      expect(((await next.json()) as { classification: { category: string } }).classification.category).toEqual(expect.any(String));
    } finally {
      restore();
    }
  });

  it('while its chat request body is read: 499 client_closed_request, counted as a cancellation, not a server error', async () => {
    const { lines, restore } = captureAll();
    try {
      const c0 = errorsOf(await metrics(), 'unknown', 'cancellation');
      const id = `abort-chat-${crypto.randomUUID()}`;
      const res = await leaveDuringBody('/v1/chat/completions', id, '{"model":"qwen3","messages":[{"role":"user","content":"Explain');
      expect(res.status).toBe(499);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('client_closed_request');
      expect(lines.find((l) => l.request_id === id && l.msg === 'request cancelled')).toMatchObject({ status: 499, error: 'client_closed_request' });
      expect(lines.filter((l) => l.request_id === id && l.level === 'error')).toEqual([]);
      expect(errorsOf(await metrics(), 'unknown', 'cancellation')).toBe(c0 + 1);
    } finally {
      restore();
    }
  });

  it('mid-stream of a chat answer: upstream cancelled, counted and logged as a cancellation, not an upstream failure', async () => {
    const { lines, restore } = captureAll();
    try {
      const model = 'stall-body';
      const before = await metrics();
      const c0 = errorsOf(before, model, 'cancellation');
      const u0 = errorsOf(before, model, 'upstream_5xx');
      const ac = new AbortController();
      const id = `abort-stream-${crypto.randomUUID()}`;
      const res = await call(
        new Request('https://semroute.test/v1/chat/completions', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-request-id': id, 'x-stall-id': id, ...NO_CACHE },
          body: JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
          signal: ac.signal,
        }),
      );
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      const first = await reader.read();
      expect(new TextDecoder().decode(first.value)).toContain('first');
      // The client leaves by its signal only: the answer's reader is not cancelled (that path is
      // node-parity-leave.test.ts's). The stalled upstream sends nothing more, so the next read ends
      // only through the abort.
      ac.abort();
      await reader.read().catch(() => undefined);
      expect(await upstreamClosed(id, 10_000)).toBe(true);
      await until(async () => lines.some((l) => l.event === 'request' && l.request_id === id), 10_000).catch(() => {});
      const line = lines.find((l) => l.event === 'request' && l.request_id === id);
      expect(line).toMatchObject({ error_reason: 'cancellation' });
      const after = await metrics();
      expect(errorsOf(after, model, 'cancellation')).toBe(c0 + 1);
      expect(errorsOf(after, model, 'upstream_5xx')).toBe(u0);
      // Not an upstream fault for the operator: no 'upstream answer failed mid-stream' warning.
      expect(lines.some((l) => l.request_id === id && l.msg === 'upstream answer failed mid-stream')).toBe(false);

      // The isolate serves the next streamed answer as usual.
      const next = await call(
        new Request('https://semroute.test/v1/chat/completions', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'qwen3', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
        }),
      );
      expect(next.status).toBe(200);
      expect(await next.text()).toContain('data: [DONE]');
    } finally {
      restore();
    }
  });
  it('after the [DONE] of a stream whose upstream stays open: the answer is whole, not a cancellation', async () => {
    // The upstream is this isolate's fetch (upstream-fetch.ts calls it at each request): one event and
    // [DONE], then open and silent, as an upstream that keeps its connection after the answer.
    const realFetch = globalThis.fetch;
    let upstreamCancelled = false;
    const enc = new TextEncoder();
    const spy = vi.spyOn(globalThis, 'fetch').mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = input instanceof Request ? input.url : String(input);
      if (!url.endsWith('/v1/chat/completions')) return realFetch(input, init);
      const body = new ReadableStream<Uint8Array>({
        start(ctl) {
          ctl.enqueue(enc.encode('data: {"id":"d","object":"chat.completion.chunk","created":1,"model":"stall-body","choices":[{"index":0,"delta":{"content":"whole"},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n'));
        },
        cancel() {
          upstreamCancelled = true;
        },
      });
      return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } });
    });
    const { lines, restore } = captureAll();
    try {
      const model = 'stall-body';
      const c0 = errorsOf(await metrics(), model, 'cancellation');
      const id = `after-done-${crypto.randomUUID()}`;
      const res = await call(
        new Request('https://semroute.test/v1/chat/completions', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-request-id': id, ...NO_CACHE },
          body: JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
        }),
      );
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      let text = '';
      while (!text.includes('[DONE]')) {
        const r = await reader.read();
        if (r.done) break;
        text += new TextDecoder().decode(r.value);
      }
      expect(text).toContain('whole');
      // The client leaves once it has [DONE] (as the openai SDK does), before the gateway gave the
      // silent upstream up: the answer was whole, so it is logged and counted as one.
      await reader.cancel();
      await until(() => lines.some((l) => l.event === 'request' && l.request_id === id), 10_000).catch(() => {});
      const line = lines.find((l) => l.event === 'request' && l.request_id === id);
      expect(line).toMatchObject({ status: 200 });
      expect(line?.error_reason).toBeUndefined();
      expect(errorsOf(await metrics(), model, 'cancellation')).toBe(c0);
      // And the upstream answer is not left open.
      await until(() => upstreamCancelled, 10_000).catch(() => {});
      expect(upstreamCancelled).toBe(true);
    } finally {
      restore();
      spy.mockRestore();
    }
  });
});
