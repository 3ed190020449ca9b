// Behind Envoy, a streamed chat request whose client did not ask for usage: ext_proc asks the upstream
// for it (stream_options.include_usage) when the answer's body will come back to it, counts the tokens,
// and takes the usage out of what the client gets, as the HTTP gateway does (src/upstream/usage-strip.ts).
// When the body will not come back (Envoy's response_body_mode NONE and no declared mode override) it
// does not ask: the client must never see a chunk it did not ask for. Real gRPC (Envoy played by a
// grpc-js client), real pipeline.
import { describe, expect, it } from 'vitest';
import { completionChunks } from '../../src/mock/answers.ts';
import { packsAvailable } from './gateway-harness.ts';
import { clientBytes, requestBody, requestHeaders, responseBody, responseHeaders, setHeaders, type EnvoyStream, type Msg } from './helpers/envoy-client.ts';
import { useRealExtProc } from './helpers/extproc-real-pipeline.ts';
import { until } from './helpers/until.ts';

const CHAT = { ':method': 'POST', ':path': '/v1/chat/completions', 'content-type': 'application/json', 'accept-encoding': 'gzip' };
const dec = new TextDecoder();

/** Envoy >= 1.34 says its body modes in the first message of each stream (ProcessingRequest.protocol_config). */
function withModes(msg: Msg, response: string, request = 'BUFFERED'): Msg {
  return { ...msg, protocol_config: { request_body_mode: request, response_body_mode: response } };
}

/** The SSE events of a vLLM answer (usage chunk included), as bytes cut every `cut` bytes. */
function upstreamAnswer(cut: number): { text: string; parts: string[]; usage: { prompt_tokens: number; completion_tokens: number } } {
  const text = completionChunks('c1', 'qwen3', 1, 9, true).map((p) => `data: ${p}\n\n`).join('');
  const parts: string[] = [];
  for (let i = 0; i < text.length; i += cut) parts.push(text.slice(i, i + cut));
  const usage = JSON.parse(text.split('\n\n').at(-3)!.slice(6)).usage;
  return { text, parts, usage };
}

/** What the client gets of one response_body answer: the chunk as it came, its replacement, or nothing. */
async function forwardedBody(s: EnvoyStream, headers: Msg, body: object): Promise<{ json: Record<string, any>; reply: Msg; headersReply: Msg }> {
  const headersReply = await s.send(headers);
  const reply = await s.send(requestBody(JSON.stringify(body)));
  const m = reply.request_body.response.body_mutation;
  return { json: JSON.parse(m ? dec.decode(m.body) : JSON.stringify(body)), reply, headersReply };
}

const setup = (extproc: Record<string, unknown>, extra: Record<string, unknown> = {}, packs = false) => useRealExtProc({ extproc, ...extra }, packs);

const ask = (id: string, extra: Record<string, unknown> = {}) => ({ model: 'qwen3', stream: true, messages: [{ role: 'user', content: `Name three rivers ${id}` }], ...extra });

describe('ext_proc asks for a stream\'s usage when Envoy will send the answer back (protocol_config)', () => {
  const h = setup({});

  it('STREAMED: include_usage asked upstream, accept-encoding dropped, the usage chunk taken out of the client\'s stream, tokens counted', async () => {
    const s = h.envoy.open();
    const { json, headersReply } = await forwardedBody(s, withModes(requestHeaders({ ...CHAT, 'x-request-id': 'u-streamed' }), 'BUFFERED'), ask('a'));
    expect(json.stream_options).toEqual({ include_usage: true });
    // The answer must come back readable (uncompressed) for its usage to be taken out; removed at the
    // request headers, as the gateway never forwards it (body-time header mutations apply in BUFFERED only).
    expect(headersReply.request_headers.response.header_mutation.remove_headers).toContain('accept-encoding');
    const rh = await s.send(responseHeaders({ ':status': '200', 'content-type': 'text/event-stream; charset=utf-8', 'content-length': '999' }));
    expect(rh.mode_override?.response_body_mode).toBe('STREAMED');
    expect(rh.response_headers.response.header_mutation.remove_headers).toContain('content-length');
    const { text, parts, usage } = upstreamAnswer(13);
    let client = '';
    for (const [i, p] of parts.entries()) client += clientBytes(p, await s.send(responseBody(p, i === parts.length - 1)));
    s.end();
    // Exactly the stream the client would have had without include_usage.
    expect(client).toBe(completionChunks('c1', 'qwen3', 1, 9, false).map((p) => `data: ${p}\n\n`).join(''));
    expect(client).not.toContain('usage');
    expect(text).toContain('"usage"');
    expect(h.metrics.value('llm_model_prompt_tokens_total', { model: 'qwen3' })).toBe(usage.prompt_tokens);
    expect(h.metrics.value('llm_model_completion_tokens_total', { model: 'qwen3' })).toBe(usage.completion_tokens);
    const line = h.logs.lines.find((l) => l.msg === 'request' && l.obj.request_id === 'u-streamed');
    expect(line?.obj.tokens).toEqual({ prompt: usage.prompt_tokens, completion: usage.completion_tokens, total: usage.prompt_tokens + usage.completion_tokens });
  });

  it('Envoy closes each stream with a half-close then a reset (client_impl.cc close()): the answer still counts once, not as a cancellation', async () => {
    const s = h.envoy.open();
    const cancelled = () => h.metrics.value('llm_request_errors_total', { model: 'qwen3', reason: 'cancellation' }) ?? 0;
    const before = { tokens: h.metrics.value('llm_model_completion_tokens_total', { model: 'qwen3' }) ?? 0, cancelled: cancelled() };
    await forwardedBody(s, withModes(requestHeaders({ ...CHAT, 'x-request-id': 'u-reset' }), 'BUFFERED'), ask('r'));
    await s.send(responseHeaders({ ':status': '200', 'content-type': 'text/event-stream' }));
    const { parts, usage } = upstreamAnswer(50);
    for (const [i, p] of parts.entries()) await s.send(responseBody(p, i === parts.length - 1));
    s.end();
    s.cancel();
    // The count and the line come as ext_proc handles the end (polled: a fixed 50 ms was the wait for
    // them on a loaded box); the 50 ms stays, for a cancellation wrongly counted after them to show.
    await until(() => h.logs.lines.some((l) => l.msg === 'request' && l.obj.request_id === 'u-reset'), 5_000).catch(() => {});
    await new Promise((r) => setTimeout(r, 50));
    expect(h.metrics.value('llm_model_completion_tokens_total', { model: 'qwen3' })).toBe(before.tokens + usage.completion_tokens);
    expect(cancelled()).toBe(before.cancelled);
    expect(h.logs.lines.filter((l) => l.msg === 'request' && l.obj.request_id === 'u-reset')).toHaveLength(1);
  });

  it('BUFFERED (the override not honoured): the whole stream in one message, the usage chunk out of it', async () => {
    const s = h.envoy.open();
    const before = h.metrics.value('llm_model_completion_tokens_total', { model: 'qwen3' }) ?? 0;
    const { json } = await forwardedBody(s, withModes(requestHeaders(CHAT), 'BUFFERED'), ask('b', { stream_options: { include_usage: false } }));
    expect(json.stream_options).toEqual({ include_usage: true });
    await s.send(responseHeaders({ ':status': '200', 'content-type': 'text/event-stream' }));
    const { text, usage } = upstreamAnswer(1 << 20);
    const client = clientBytes(text, await s.send(responseBody(text, true)));
    s.end();
    expect(client).toBe(completionChunks('c1', 'qwen3', 1, 9, false).map((p) => `data: ${p}\n\n`).join(''));
    expect(h.metrics.value('llm_model_completion_tokens_total', { model: 'qwen3' })).toBe(before + usage.completion_tokens);
  });

  it('response headers skipped (response_header_mode SKIP): the body still comes, and is still stripped', async () => {
    const s = h.envoy.open();
    const { json } = await forwardedBody(s, withModes(requestHeaders(CHAT), 'STREAMED'), ask('c'));
    expect(json.stream_options).toEqual({ include_usage: true });
    const { parts } = upstreamAnswer(40);
    let client = '';
    for (const [i, p] of parts.entries()) client += clientBytes(p, await s.send(responseBody(p, i === parts.length - 1)));
    s.end();
    expect(client).toBe(completionChunks('c1', 'qwen3', 1, 9, false).map((p) => `data: ${p}\n\n`).join(''));
  });

  it('a client that asked for usage gets its stream untouched', async () => {
    const s = h.envoy.open();
    const body = ask('d', { stream_options: { include_usage: true } });
    const { json } = await forwardedBody(s, withModes(requestHeaders(CHAT), 'BUFFERED'), body);
    expect(json.stream_options).toEqual({ include_usage: true });
    await s.send(responseHeaders({ ':status': '200', 'content-type': 'text/event-stream' }));
    const { text } = upstreamAnswer(1 << 20);
    expect(clientBytes(text, await s.send(responseBody(text, true)))).toBe(text);
    s.end();
  });

  it('response_body_mode NONE and no declared override: nothing asked, the stream goes by unseen', async () => {
    const s = h.envoy.open();
    const body = ask('e');
    const { json } = await forwardedBody(s, withModes(requestHeaders(CHAT), 'NONE'), body);
    expect(json).not.toHaveProperty('stream_options');
    const rh = await s.send(responseHeaders({ ':status': '200', 'content-type': 'text/event-stream' }));
    expect(rh.mode_override?.response_body_mode).toBe('NONE');
    s.end();
  });

  it('response_body_mode NONE (no override): a JSON answer that will not come is accounted at its head, not as a cancellation at Envoy\'s reset', async () => {
    const cancelled = () => h.metrics.value('llm_request_errors_total', { model: 'qwen3', reason: 'cancellation' }) ?? 0;
    const before = cancelled();
    const s = h.envoy.open();
    await forwardedBody(s, withModes(requestHeaders({ ...CHAT, 'x-request-id': 'u-none-json' }), 'NONE'), ask('n', { stream: false }));
    await s.send(responseHeaders({ ':status': '200', 'content-type': 'application/json' }));
    s.end();
    s.cancel();
    await until(() => h.logs.lines.some((l) => l.msg === 'request' && l.obj.request_id === 'u-none-json'), 5_000).catch(() => {});
    await new Promise((r) => setTimeout(r, 50));
    expect(cancelled()).toBe(before);
    expect(h.logs.lines.filter((l) => l.msg === 'request' && l.obj.request_id === 'u-none-json')).toEqual([expect.objectContaining({ obj: expect.objectContaining({ status: 200 }) })]);
    expect(h.logs.lines.find((l) => l.obj.request_id === 'u-none-json' && l.msg === 'request')?.obj.error).toBeUndefined();
  });

  it('an Envoy that does not say its modes (before 1.34), no declared override: nothing asked', async () => {
    const s = h.envoy.open();
    const { json } = await forwardedBody(s, requestHeaders(CHAT), ask('f'));
    expect(json).not.toHaveProperty('stream_options');
    s.end();
  });

  it('request_body_mode STREAMED (body-time header mutations are ignored there): accept-encoding removed at the headers', async () => {
    const s = h.envoy.open();
    const headers = { ...withModes(requestHeaders(CHAT), 'BUFFERED'), protocol_config: { request_body_mode: 'STREAMED', response_body_mode: 'BUFFERED' } };
    const { json, headersReply } = await forwardedBody(s, headers, ask('k'));
    expect(json.stream_options).toEqual({ include_usage: true });
    expect(headersReply.request_headers.response.header_mutation?.remove_headers ?? []).toContain('accept-encoding');
    s.end();
  });

  it('a non-streamed request is not touched', async () => {
    const s = h.envoy.open();
    const { json } = await forwardedBody(s, withModes(requestHeaders(CHAT), 'BUFFERED'), ask('g', { stream: false }));
    expect(json).not.toHaveProperty('stream_options');
    s.end();
  });
});

describe('extproc.allow_mode_override: true (Envoy\'s allow_mode_override, as in k8s/overlays/sidecar)', () => {
  const h = setup({ allow_mode_override: true });

  it('asks even when Envoy does not say its modes, and overrides the response body to STREAMED', async () => {
    const s = h.envoy.open();
    const { json } = await forwardedBody(s, requestHeaders(CHAT), ask('h'));
    expect(json.stream_options).toEqual({ include_usage: true });
    const rh = await s.send(responseHeaders({ ':status': '200', 'content-type': 'text/event-stream' }));
    expect(rh.mode_override?.response_body_mode).toBe('STREAMED');
    const { parts, usage } = upstreamAnswer(7);
    let client = '';
    for (const [i, p] of parts.entries()) client += clientBytes(p, await s.send(responseBody(p, i === parts.length - 1)));
    s.end();
    expect(client).toBe(completionChunks('c1', 'qwen3', 1, 9, false).map((p) => `data: ${p}\n\n`).join(''));
    expect(h.metrics.value('llm_model_completion_tokens_total', { model: 'qwen3' })).toBe(usage.completion_tokens);
  });

  it('an upstream error answer (JSON) is asked for whole and given as the gateway gives it (error-answer.ts)', async () => {
    const s = h.envoy.open();
    await forwardedBody(s, requestHeaders(CHAT), ask('i'));
    const rh = await s.send(responseHeaders({ ':status': '503', 'content-type': 'application/json' }));
    expect(rh.mode_override?.response_body_mode).toBe('BUFFERED');
    expect(setHeaders(rh.response_headers.response.header_mutation)['x-request-id']).toBeTruthy();
    const body = '{"detail":"overloaded"}';
    const rb = await s.send(responseBody(body, true));
    expect(JSON.parse(clientBytes(body, rb))).toEqual({ error: { message: 'overloaded', type: 'upstream_error', param: null, code: 503 } });
    s.end();
  });
});

describe.skipIf(!packsAvailable())('with the semantic cache recording the stream (a tap reads it)', () => {
  const h = setup({}, { semantic_cache: { enabled: true, backend_type: 'memory' } }, true);

  it('the recorded answer keeps the usage (a later client that asks gets it), this client does not see it', async () => {
    const entries = () => h.metrics.value('llm_cache_entries', { backend: 'memory' }) ?? 0;
    const entries0 = entries();
    const s = h.envoy.open();
    const { json } = await forwardedBody(s, withModes(requestHeaders(CHAT), 'BUFFERED'), ask('j'));
    expect(json.stream_options).toEqual({ include_usage: true });
    const rh = await s.send(responseHeaders({ ':status': '200', 'content-type': 'text/event-stream' }));
    expect(rh.mode_override?.response_body_mode).toBe('STREAMED');
    const { parts } = upstreamAnswer(11);
    let client = '';
    for (const [i, p] of parts.entries()) client += clientBytes(p, await s.send(responseBody(p, i === parts.length - 1)));
    s.end();
    expect(client).toBe(completionChunks('c1', 'qwen3', 1, 9, false).map((p) => `data: ${p}\n\n`).join(''));
    // The store runs after the last chunk's answer; the same question again is then a hit (polled,
    // not a fixed 100 ms: the store tap scans the question for PII first).
    await until(() => entries() > entries0, 10_000);
    const replay = async (extra: Record<string, unknown>) => {
      const again = h.envoy.open();
      await again.send(withModes(requestHeaders(CHAT), 'BUFFERED'));
      const hit = await again.send(requestBody(JSON.stringify(ask('j', extra))));
      again.end();
      expect(hit.response).toBe('immediate_response');
      return dec.decode(hit.immediate_response.body);
    };
    expect(await replay({ stream_options: { include_usage: true } })).toContain('"usage"');
    expect(await replay({})).not.toContain('"usage"');
  });
});
