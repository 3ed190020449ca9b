// upstream.idle_timeout_ms: an upstream that sends its headers (and maybe a chunk) and then goes
// silent. A scripted node:http upstream on a real socket; the `openai` SDK, fetch and raw node:http
// as clients. Also the mock's abortable x-mock-delay-ms, used to check upstream cancellation.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { rawRequest, startGateway, type Gateway } from './gateway-harness.ts';
import { ask, chunk, startScriptedUpstream, type ScriptedUpstream } from './helpers/scripted-upstream.ts';

const IDLE_MS = 300;
let up: ScriptedUpstream;
let gw: Gateway;
let client: OpenAI;

// The idle error's time is bounded generously: it shows the idle timer ended the answer, not another
// (the SDK's minutes); a loaded 2-core box took 2.8 s for a 300 ms idle.
const timeouts = () => gw.metrics.value('llm_request_errors_total', { model: 'qwen3', reason: 'timeout' }) ?? 0;

beforeAll(async () => {
  up = await startScriptedUpstream({ idle_timeout_ms: IDLE_MS });
  ({ gw, client } = up);
});
afterAll(async () => {
  await up?.close();
});
beforeEach(() => {
  up.handler = (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(chunk('a'));
    // then nothing, with the socket held open
  };
});

describe('upstream.idle_timeout_ms', () => {
  it('a stream that stalls after one chunk ends with an SSE error event the SDK raises; upstream socket closed; counted as timeout', async () => {
    const before = timeouts();
    const t0 = performance.now();
    let text = '';
    const err = await (async () => {
      for await (const c of await client.chat.completions.create({ ...ask, stream: true })) text += c.choices[0]?.delta?.content ?? '';
    })().catch((e) => e);
    expect(text).toBe('a');
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(err.error).toMatchObject({ type: 'timeout_error', code: 'upstream_idle_timeout' });
    expect(performance.now() - t0).toBeLessThan(IDLE_MS + 5000);
    expect(await up.openSockets(0)).toBe(0);
    expect(timeouts()).toBe(before + 1);
  });

  it('raw bytes: the chunk, then one error event, then a clean end of the response', async () => {
    const res = await rawRequest(`${gw.url}/v1/chat/completions`, { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...ask, stream: true }) });
    expect(res.status).toBe(200);
    const events = res.body.split('\n\n').filter(Boolean);
    expect(events).toHaveLength(2);
    expect(events[0]).toBe(chunk('a').trim());
    expect(JSON.parse(events[1].replace(/^data: /, '')).error).toMatchObject({ type: 'timeout_error', code: 'upstream_idle_timeout', message: expect.any(String) });
  });

  it('a stall in the middle of an event: the partial event is dropped, the error event stands alone (SDKs parse it, not broken JSON)', async () => {
    up.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(chunk('a') + 'data: {"id":"c1"');
    };
    const res = await rawRequest(`${gw.url}/v1/chat/completions`, { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...ask, stream: true }) });
    const events = res.body.split('\n\n').filter(Boolean);
    expect(events).toHaveLength(2);
    expect(events[1]).toMatch(/^data: \{"error":/);
  });

  it('a JSON body that stalls after the headers: 504 OpenAI-shaped, upstream socket closed', async () => {
    up.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '500' });
      res.write('{"id":"c1","object":');
    };
    const before = timeouts();
    const t0 = performance.now();
    const res = await rawRequest(`${gw.url}/v1/chat/completions`, { headers: { 'content-type': 'application/json' }, body: JSON.stringify(ask) });
    expect(res.status).toBe(504);
    expect(JSON.parse(res.body).error).toMatchObject({ type: 'timeout_error', code: 'upstream_idle_timeout' });
    expect(performance.now() - t0).toBeLessThan(IDLE_MS + 5000);
    expect(await up.openSockets(0)).toBe(0);
    expect(timeouts()).toBe(before + 1);
  });

  it('chunks that keep coming, each within the limit, stream to the end even when the whole answer takes longer', async () => {
    // Its own gateway with a longer limit: each 200 ms gap keeps 1.3 s of margin, where IDLE_MS/2 kept
    // 150 ms and a process off the CPU that long on a loaded box timed a healthy stream out. The
    // answer still takes longer than the limit (9 gaps, 1.8 s), so a limit on the whole answer, not on
    // each gap, cuts it.
    const LIMIT_MS = 1500;
    const GAP_MS = 200;
    const slow = await startScriptedUpstream({ idle_timeout_ms: LIMIT_MS });
    try {
      const letters = 'abcdefghi';
      slow.handler = (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        const parts = [...[...letters].map((l, j) => chunk(l, j === letters.length - 1 ? 'stop' : null)), 'data: [DONE]\n\n'];
        let i = 0;
        const next = () => {
          res.write(parts[i++]);
          if (i === parts.length) res.end();
          else setTimeout(next, GAP_MS);
        };
        next();
      };
      const slowTimeouts = () => slow.gw.metrics.value('llm_request_errors_total', { model: 'qwen3', reason: 'timeout' }) ?? 0;
      const t0 = performance.now();
      let text = '';
      for await (const c of await slow.client.chat.completions.create({ ...ask, stream: true })) text += c.choices[0]?.delta?.content ?? '';
      expect(text).toBe(letters);
      expect(performance.now() - t0).toBeGreaterThan(LIMIT_MS);
      expect(slowTimeouts()).toBe(0);
    } finally {
      await slow.close();
    }
  });
});

describe('mock router: x-mock-delay-ms is abortable', () => {
  it('a client that leaves during the delay: the gateway cancels its upstream request and the mock records it', async () => {
    const g = await startGateway();
    try {
      const ctl = new AbortController();
      const sent = fetch(`${g.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-mock-delay-ms': '5000' },
        body: JSON.stringify(ask),
        signal: ctl.signal,
      }).catch((e) => e);
      const deadline = Date.now() + 2000;
      while (g.mock.mock.requests.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(g.mock.mock.requests).toHaveLength(1);
      ctl.abort();
      expect((await sent).name).toBe('AbortError');
      const t0 = Date.now();
      while (!g.mock.mock.requests[0].cancelled && Date.now() - t0 < 1500) await new Promise((r) => setTimeout(r, 10));
      expect(g.mock.mock.requests[0].cancelled).toBe(true);
      expect(g.mock.mock.requests[0].completed).toBeUndefined();
    } finally {
      await g.close();
    }
  });
});
