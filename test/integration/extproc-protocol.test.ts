// The ext_proc protocol layer over a real gRPC socket, with Envoy played message by message. The
// pipeline here is a recording stand-in (the routing test drives the real one): this file checks
// the mapping of each pipeline outcome onto Envoy's messages, and the stream rules; extproc-response
// the response path (taps on buffered and streamed answers).
import { describe, expect, it } from 'vitest';
import { requestBody, requestHeaders, responseHeaders, setHeaders } from './helpers/envoy-client.ts';
import { CHAT, fakeDeps, forward, recordingPipeline, type Script } from './helpers/extproc-fakes.ts';
import { useExtProc } from './helpers/extproc-server.ts';

describe('ext_proc protocol (Envoy played by a grpc-js client)', () => {
  let script: Script = { outcome: () => ({ kind: 'pass', reason: 'unset' }) };
  const pipeline = recordingPipeline({ outcome: (i) => script.outcome(i) });
  const deps = fakeDeps({ clear_route_cache: true });

  const ext = useExtProc(deps, { pipeline });

  it('routed chat: headers CONTINUE, then body mutation with content-length, x-selected-model, endpoint, clear_route_cache', async () => {
    const rewritten = { model: 'qwen3-math', messages: [{ role: 'user', content: 'integrate x^2 ü' }] };
    script = { outcome: () => forward(rewritten) };
    const s = ext.client.open();
    const h = await s.send(requestHeaders(CHAT));
    expect(h.response).toBe('request_headers');
    expect(h.request_headers.response.status).toBe('CONTINUE');

    const original = JSON.stringify({ model: 'MoM', messages: [{ role: 'user', content: 'integrate x^2 ü' }] });
    const b = await s.send(requestBody(original));
    expect(b.response).toBe('request_body');
    const common = b.request_body.response;
    expect(common.status).toBe('CONTINUE');
    expect(common.clear_route_cache).toBe(true);
    const body = Buffer.from(common.body_mutation.body);
    expect(JSON.parse(body.toString('utf8'))).toEqual(rewritten);
    const set = setHeaders(common.header_mutation);
    // content-length counts bytes, not characters (the body has a non-ASCII letter).
    expect(set['content-length']).toBe(String(body.length));
    expect(body.length).toBeGreaterThan(JSON.stringify(rewritten).length);
    expect(set['x-selected-model']).toBe('qwen3-math');
    expect(set['x-gateway-destination-endpoint']).toBe('10.0.0.7:8000');
    expect(set['x-vsr-selected-category']).toBe('math');
    expect(set['x-request-id']).toBe('req-1');
    // The pipeline saw the body bytes and the decoded headers, pseudo-headers included.
    const call = pipeline.calls.at(-1)!;
    expect(Buffer.from(call.body).toString('utf8')).toBe(original);
    expect(call.headers[':path']).toBe('/v1/chat/completions');
    expect(call.headers['x-request-id']).toBe('req-1');

    // Response phase: the x-vsr-* headers go to the client; no tap wants the body, so Envoy is told not to send it.
    const r = await s.send(responseHeaders({ ':status': '200', 'content-type': 'application/json' }));
    expect(r.response).toBe('response_headers');
    expect(setHeaders(r.response_headers.response.header_mutation)).toMatchObject({
      'x-vsr-selected-model': 'qwen3-math',
      'x-vsr-selected-category': 'math',
    });
    expect(r.mode_override?.response_body_mode).toBe('NONE');
    s.end();
    expect((await s.closed).code).toBe(0);
  });

  it('an upstream error answer gets the request id but not the decision headers (2xx only, as the reference and the HTTP gateway)', async () => {
    script = { outcome: () => forward({ model: 'qwen3-math', messages: [{ role: 'user', content: 'x' }] }) };
    const s = ext.client.open();
    await s.send(requestHeaders(CHAT));
    await s.send(requestBody(JSON.stringify({ model: 'MoM', messages: [{ role: 'user', content: 'x' }] })));
    const r = await s.send(responseHeaders({ ':status': '500', 'content-type': 'application/json' }));
    const set = setHeaders(r.response_headers.response.header_mutation);
    expect(set['x-request-id']).toBe('req-1');
    expect(Object.keys(set).filter((k) => k.startsWith('x-vsr-'))).toEqual([]);
    s.end();
    expect((await s.closed).code).toBe(0);
  });

  it('blocks and cache hits become an immediate_response with status, headers and body', async () => {
    const blockBody = JSON.stringify({ id: 'chatcmpl-jailbreak-blocked-1', choices: [{ finish_reason: 'content_filter' }] });
    script = {
      outcome: () => ({
        kind: 'respond',
        response: { status: 200, headers: { 'x-vsr-jailbreak-blocked': 'true' }, contentType: 'application/json', body: blockBody, reason: 'jailbreak_block' },
      }),
    };
    const s = ext.client.open();
    await s.send(requestHeaders(CHAT));
    const b = await s.send(requestBody('{"model":"MoM","messages":[{"role":"user","content":"x"}]}'));
    expect(b.response).toBe('immediate_response');
    const ir = b.immediate_response;
    expect(ir.status.code).toBe('OK');
    expect(Buffer.from(ir.body).toString('utf8')).toBe(blockBody);
    expect(setHeaders(ir.headers)).toMatchObject({ 'x-vsr-jailbreak-blocked': 'true', 'content-type': 'application/json' });
    expect(ir.details).toMatch(/^[A-Za-z0-9_]+$/);
    s.end();
  });

  it('an immediate response with a status Envoy does not define is mapped to a defined one', async () => {
    script = { outcome: () => ({ kind: 'respond', response: { status: 499, headers: {}, contentType: 'application/json', body: '{}', reason: 'x y' } }) };
    const s = ext.client.open();
    await s.send(requestHeaders(CHAT));
    const b = await s.send(requestBody('{}'));
    expect(b.immediate_response.status.code).toBe('BadRequest');
    expect(b.immediate_response.details).toBe('semroute_x_y');
    s.end();
  });

  it('GET /v1/models is answered at the headers message, without a body', async () => {
    const before = pipeline.calls.length;
    const s = ext.client.open();
    const h = await s.send(requestHeaders({ ':method': 'GET', ':path': '/v1/models?x=1' }, true));
    expect(h.response).toBe('immediate_response');
    expect(h.immediate_response.status.code).toBe('OK');
    expect(JSON.parse(Buffer.from(h.immediate_response.body).toString('utf8')).data[0].id).toBe('MoM');
    expect(pipeline.calls.length).toBe(before);
    s.end();
  });

  it('body-less chat POST (end_of_stream on headers): the pipeline judges the empty body (counted, refused while a guard is on); passed, the headers continue', async () => {
    const before = pipeline.calls.length;
    script = { outcome: () => ({ kind: 'pass', reason: 'invalid_json' }) };
    const s = ext.client.open();
    const h = await s.send(requestHeaders(CHAT, true));
    expect(h.request_headers.response.status).toBe('CONTINUE');
    expect(h.request_headers.response.header_mutation).toBeFalsy();
    expect(pipeline.calls.map((c) => c.body.byteLength).slice(before)).toEqual([0]);
    s.end();
    // Refused (a guard on): the refusal answers the headers.
    script = { outcome: () => ({ kind: 'respond', response: { status: 400, headers: {}, contentType: 'application/json', body: '{}', reason: 'invalid_json' } }) };
    const r = ext.client.open();
    expect((await r.send(requestHeaders(CHAT, true))).response).toBe('immediate_response');
    r.end();
  });

  it('other paths continue and ask Envoy (mode_override) not to buffer their bodies', async () => {
    const before = pipeline.calls.length;
    const s = ext.client.open();
    const h = await s.send(requestHeaders({ ':method': 'POST', ':path': '/v1/embeddings' }));
    expect(h.request_headers.response.status).toBe('CONTINUE');
    expect(h.mode_override.request_body_mode).toBe('NONE');
    // An Envoy without allow_mode_override still sends the body: it is passed on untouched.
    const b = await s.send(requestBody('{"input":"hi"}'));
    expect(b.request_body.response.body_mutation).toBeFalsy();
    expect(pipeline.calls.length).toBe(before);
    s.end();
  });

  it("'pass' (malformed body) gives a plain CONTINUE", async () => {
    script = { outcome: () => ({ kind: 'pass', reason: 'invalid_json' }) };
    const s = ext.client.open();
    await s.send(requestHeaders(CHAT));
    const b = await s.send(requestBody('{"model": "MoM", "messages": ['));
    expect(b.request_body.response).toMatchObject({ status: 'CONTINUE', clear_route_cache: false });
    expect(b.request_body.response.body_mutation).toBeFalsy();
    expect(b.request_body.response.header_mutation).toBeFalsy();
    s.end();
  });

  it("a pipeline that throws ends the stream with gRPC INTERNAL: Envoy's failure_mode_allow decides (true: on unchanged; false: 500)", async () => {
    script = { outcome: () => Promise.reject(Object.assign(new Error('secret prompt text'), { name: 'Boom' })) };
    const s = ext.client.open();
    await s.send(requestHeaders(CHAT));
    await expect(s.send(requestBody('{"model":"MoM","messages":[{"role":"user","content":"hi"}]}'))).rejects.toThrow(/stream closed: 13/);
    expect((await s.closed).code).toBe(13);
    expect(deps.logs.some((l) => l.includes('Boom'))).toBe(true);
    expect(deps.logs.some((l) => l.includes('secret prompt text'))).toBe(false);
    // The server serves on.
    script = { outcome: () => ({ kind: 'pass', reason: 'x' }) };
    const next = ext.client.open();
    await next.send(requestHeaders(CHAT));
    expect((await next.send(requestBody('{}'))).response).toBe('request_body');
    next.end();
  });

  it('end_of_stream: chunks before the last are held (clear_body); the pipeline reads the whole body, the last answer carries it', async () => {
    script = { outcome: () => forward({ model: 'qwen3-math', messages: [] }) };
    const before = pipeline.calls.length;
    const s = ext.client.open();
    await s.send(requestHeaders(CHAT));
    const first = await s.send(requestBody('{"model":"MoM",', false));
    expect(first.request_body.response.status).toBe('CONTINUE');
    expect(first.request_body.response.body_mutation).toEqual(expect.objectContaining({ clear_body: true }));
    const last = await s.send(requestBody('"messages":[{"role":"user","content":"hi"}]}', true));
    expect(JSON.parse(Buffer.from(last.request_body.response.body_mutation.body).toString())).toEqual({ model: 'qwen3-math', messages: [] });
    expect(pipeline.calls.length).toBe(before + 1);
    expect(Buffer.from(pipeline.calls.at(-1)!.body).toString()).toBe('{"model":"MoM","messages":[{"role":"user","content":"hi"}]}');
    s.end();
  });

  it('held chunks of a body the pipeline passes on unread go on whole with the last answer', async () => {
    script = { outcome: () => ({ kind: 'pass', reason: 'invalid_json' }) };
    const s = ext.client.open();
    await s.send(requestHeaders(CHAT));
    await s.send(requestBody('{"model": "MoM", ', false));
    const last = await s.send(requestBody('"messages": [', true));
    expect(Buffer.from(last.request_body.response.body_mutation.body).toString()).toBe('{"model": "MoM", "messages": [');
    s.end();
  });

  it('unknown fields at the top level and inside HttpHeaders are skipped, not fatal', async () => {
    script = { outcome: () => forward({ model: 'qwen3-math', messages: [] }) };
    const s = ext.client.open();
    const framed = ext.client.encode(requestHeaders(CHAT));
    // framed = [0x12, len, HttpHeaders...]: rebuild it with an unknown varint field 15 inside HttpHeaders...
    expect(framed[0]).toBe(0x12);
    const { value: len, size } = readVarint(framed, 1);
    const inner = Buffer.concat([framed.subarray(1 + size, 1 + size + len), Buffer.from([15 << 3, 1])]);
    // ...and an unknown length-delimited field 99 at the top level (what a newer Envoy might add).
    const unknownTop = Buffer.concat([varint((99 << 3) | 2), varint(3), Buffer.from('new')]);
    const msg = Buffer.concat([Buffer.from([0x12]), varint(inner.length), inner, unknownTop]);
    const h = await s.send(msg);
    expect(h.response).toBe('request_headers');
    const b = await s.send(requestBody('{"model":"MoM","messages":[{"role":"user","content":"hi"}]}'));
    expect(setHeaders(b.request_body.response.header_mutation)['x-selected-model']).toBe('qwen3-math');
    s.end();
  });

  it('a message with no request field we know closes the stream cleanly (Envoy proceeds without us)', async () => {
    const s = ext.client.open();
    const closed = s.closed;
    await expect(s.send(Buffer.concat([varint((42 << 3) | 0), varint(1)]))).rejects.toThrow(/stream closed: 0/);
    expect((await closed).code).toBe(0);
  });

  it('trailers get a TrailersResponse; observability_mode messages get no answer', async () => {
    const s = ext.client.open();
    const t = await s.send({ request_trailers: { trailers: { headers: [] } } });
    expect(t.response).toBe('request_trailers');
    s.end();

    // The observed message gets no answer: the next answer on the stream belongs to the next message.
    const o = ext.client.open();
    const observed = o.send({ ...requestHeaders({ ':method': 'GET', ':path': '/v1/models' }, true), observability_mode: true });
    const next = o.send({ response_trailers: { trailers: { headers: [] } } });
    next.catch(() => {});
    // Answers are handed out in order, so the only answer lands in the observed message's slot.
    expect((await observed).response).toBe('response_trailers');
    o.end();
    await expect(next).rejects.toThrow(/stream closed: 0/);
  });

});

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return Buffer.from(out);
}

function readVarint(buf: Buffer, at: number): { value: number; size: number } {
  let value = 0;
  let shift = 0;
  let size = 0;
  for (;;) {
    const b = buf[at + size]!;
    value |= (b & 0x7f) << shift;
    size++;
    if (!(b & 0x80)) return { value, size };
    shift += 7;
  }
}
