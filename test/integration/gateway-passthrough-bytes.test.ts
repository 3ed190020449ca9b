// Passed-through routes as bytes: a node:http upstream (real socket) records exactly what arrives.
// Multipart audio keeps its bytes and boundary, the query stays, hop-by-hop headers go, the endpoint
// follows the body's model (preferred_endpoints), a refused connection moves to the next endpoint.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI, { toFile } from 'openai';
import { rawRequest, startGateway, testConfig, type Gateway } from './gateway-harness.ts';
import { refusedPort } from './helpers/refused-port.ts';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

const SPEECH = Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 131 + (i >> 8)) % 256));

/** Every request either upstream saw, in arrival order. */
const arrivals: Seen[] = [];

async function recordingUpstream(name: string) {
  // `a` is the endpoint named production-stack (the default config's models prefer it).
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const s = { method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(parts) };
      seen.push(s);
      arrivals.push(s);
      if (req.url === '/version') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"version":"0.8.5"}');
      if (req.url === '/v1/audio/speech') {
        // Binary audio in several writes, as an engine streams it.
        res.writeHead(200, { 'content-type': 'audio/mpeg' });
        for (let i = 0; i < 4; i++) res.write(SPEECH.subarray(i * 25_000, (i + 1) * 25_000));
        return void res.end();
      }
      res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': name, connection: 'keep-alive, x-hop-back', 'x-hop-back': 'no' });
      res.end(JSON.stringify({ text: `heard by ${name}`, usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 } }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return { seen, port, close: () => new Promise((r) => server.close(r)) };
}

let a: Awaited<ReturnType<typeof recordingUpstream>>;
let b: Awaited<ReturnType<typeof recordingUpstream>>;
let gw: Gateway;
let dead: number;

beforeAll(async () => {
  a = await recordingUpstream('a');
  b = await recordingUpstream('b');
  dead = await refusedPort();
  gw = await startGateway({
    config: () =>
      testConfig(
        {
          model_config: { 'whisper-large': { preferred_endpoints: ['b'] } },
          server: { max_body_bytes: 64 * 1024 },
        },
        [
          { name: 'production-stack', address: '127.0.0.1', port: a.port },
          { name: 'b', address: '127.0.0.1', port: b.port },
        ],
      ),
  });
});
afterAll(async () => {
  await gw?.close();
  await a?.close();
  await b?.close();
});

describe('multipart audio', () => {
  it('reaches the endpoint of the form\'s model with the same bytes, boundary and query', async () => {
    const audio = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 31) % 256));
    const form = new FormData();
    form.append('model', 'whisper-large');
    form.append('file', new Blob([audio], { type: 'audio/wav' }), 'clip.wav');
    const req = new Request(`${gw.url}/v1/audio/transcriptions?lang=en&x=1`, { method: 'POST', body: form, headers: { 'x-user-id': 'bob' } });
    const sent = Buffer.from(await req.clone().arrayBuffer());
    const res = await fetch(req);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ text: 'heard by b' });
    const seen = b.seen.at(-1)!;
    expect(seen.url).toBe('/v1/audio/transcriptions?lang=en&x=1');
    expect(seen.headers['content-type']).toBe(req.headers.get('content-type'));
    expect(seen.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(seen.body.equals(sent)).toBe(true);
    expect(seen.headers['x-user-id']).toBe('bob');
    expect(seen.headers['x-request-id']).toBe(res.headers.get('x-request-id'));
  });

  it('the openai SDK transcription call', async () => {
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'k', maxRetries: 0 });
    const out = await client.audio.transcriptions.create({ model: 'whisper-large', file: await toFile(Buffer.from('RIFF....WAVE'), 'a.wav') });
    expect(out.text).toBe('heard by b');
    expect(b.seen.at(-1)!.body.includes(Buffer.from('RIFF....WAVE'))).toBe(true);
  });
});

describe('headers and methods', () => {
  it('drops hop-by-hop headers both ways, keeps end-to-end ones', async () => {
    const res = await rawRequest(`${gw.url}/v1/embeddings`, {
      headers: { 'content-type': 'application/json', connection: 'keep-alive, x-hop', 'x-hop': 'secret', te: 'trailers', 'x-end-to-end': 'kept' },
      body: JSON.stringify({ model: 'qwen3', input: 'x' }),
    });
    expect(res.status).toBe(200);
    const seen = a.seen.at(-1)!;
    expect(seen.headers['x-hop']).toBeUndefined();
    expect(seen.headers['te']).toBeUndefined();
    expect(seen.headers['x-end-to-end']).toBe('kept');
    expect(res.headers['x-upstream']).toBe('a');
    expect(res.headers['x-hop-back']).toBeUndefined();
  });

  it('a binary answer (audio/speech) comes back byte for byte', async () => {
    const res = await fetch(`${gw.url}/v1/audio/speech`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'qwen3', input: 'hello', voice: 'alloy' }) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('audio/mpeg');
    expect(Buffer.from(await res.arrayBuffer()).equals(SPEECH)).toBe(true);
  });

  it('GET /version goes upstream with no body', async () => {
    const res = await fetch(`${gw.url}/version`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ version: '0.8.5' });
    const seen = arrivals.find((s) => s.url === '/version')!;
    expect(seen.method).toBe('GET');
    expect(seen.body.byteLength).toBe(0);
  });

  it('HEAD /version goes upstream as HEAD and comes back without a body', async () => {
    const res = await rawRequest(`${gw.url}/version`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.body).toBe('');
    expect(arrivals.at(-1)!.method).toBe('HEAD');
  });

  it('a body that is not JSON goes as it is, to the default pool', async () => {
    const res = await fetch(`${gw.url}/tokenize`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'not { json' });
    expect(res.status).toBe(200);
    const seen = arrivals.at(-1)!;
    expect(seen.url).toBe('/tokenize');
    expect(seen.body.toString()).toBe('not { json');
    expect(seen.headers['content-type']).toBe('text/plain');
  });

  it('a chunked body (no Content-Length) goes whole; past the cap it is 413', async () => {
    const parts = ['{"model":"qwen3",', '"input":"chunk', 'ed body"}'];
    const res = await rawRequest(`${gw.url}/v1/embeddings`, { headers: { 'content-type': 'application/json' }, chunks: parts });
    expect(res.status).toBe(200);
    const seen = a.seen.at(-1)!;
    expect(seen.body.toString()).toBe(parts.join(''));
    expect(seen.headers['content-length']).toBe(String(parts.join('').length));
    const big = await rawRequest(`${gw.url}/v1/embeddings`, { headers: { 'content-type': 'application/json' }, chunks: ['{"model":"qwen3","input":"', 'x'.repeat(40 * 1024), 'y'.repeat(40 * 1024), '"}'] });
    expect(big.status).toBe(413);
  });

  it('a body over server.max_body_bytes is refused with 413 before any upstream', async () => {
    const before = a.seen.length + b.seen.length;
    const res = await fetch(`${gw.url}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'qwen3', prompt: 'x'.repeat(70 * 1024) }) });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('request_too_large');
    expect(a.seen.length + b.seen.length).toBe(before);
  });
});

describe('endpoint choice', () => {
  it('a refused connection moves to the next endpoint, before any byte', async () => {
    // The dead endpoint comes first in the default pool's rotation (equal weights: the first listed).
    const gw2 = await startGateway({
      config: () => testConfig({}, [{ name: 'production-stack', address: '127.0.0.1', port: dead }, { name: 'b', address: '127.0.0.1', port: b.port }]),
    });
    try {
      const before = b.seen.length;
      const res = await fetch(`${gw2.url}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'any-model', prompt: 'hi' }) });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ text: 'heard by b' });
      expect(b.seen.length).toBe(before + 1);
      expect(await (await fetch(`${gw2.url}/metrics`)).text()).toMatch(/llm_upstream_retries_total\{model="other"\} 1/);
    } finally {
      await gw2.close();
    }
  });

  it('no endpoint accepting: 502 upstream_unavailable, OpenAI-shaped; the outage warned once, not per request', async () => {
    const only = await startGateway({ config: () => testConfig({}, [{ name: 'production-stack', address: '127.0.0.1', port: dead }]) });
    try {
      for (let i = 0; i < 10; i++) {
        const res = await fetch(`${only.url}/v1/embeddings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'qwen3', input: 'x' }) });
        expect(res.status).toBe(502);
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe('upstream_unavailable');
      }
      // As chat's (upstream/forward.ts): the first refused connection warns, the rest are debug.
      expect(only.logs.lines.filter((l) => l.level === 'warn' && l.msg?.startsWith('upstream connect failed'))).toHaveLength(1);
      expect(only.logs.lines.filter((l) => l.msg === 'request' && l.obj.status === 502)).toHaveLength(10);
    } finally {
      await only.close();
    }
  });
});
