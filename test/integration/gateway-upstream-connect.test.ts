// Connection failures on the Node upstream client (undici) over real sockets: a refused port, a name
// that does not resolve, an upstream that takes the request and drops the socket before any byte of
// an answer. Each gives an OpenAI-shaped 502 when no endpoint is left; the first two move to the next
// endpoint (nothing was sent), the dropped one does not (upstream-socket-reuse.test.ts); and each leaves the client's single connection (keep_alive_connections:
// 1) able to serve the next request.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import http from 'node:http';
import net from 'node:net';
import OpenAI from 'openai';
import { startGateway, testConfig, type Gateway } from './gateway-harness.ts';
import { ask, chunk } from './helpers/scripted-upstream.ts';
import { refusedPort } from './helpers/refused-port.ts';

const completion = (content: string) =>
  JSON.stringify({ id: 'c1', object: 'chat.completion', created: 1, model: 'qwen3', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }] });

let good: http.Server;
let goodPort: number;
let served = 0;
let handler: (req: http.IncomingMessage, res: http.ServerResponse) => void;
/** Accepts the connection, reads the request, closes the socket without a byte back. */
let dropper: net.Server;
let dropPort: number;
let dropped = 0;

beforeAll(async () => {
  good = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      served++;
      handler(req, res);
    });
  });
  await new Promise<void>((r) => good.listen(0, '127.0.0.1', () => r()));
  goodPort = (good.address() as net.AddressInfo).port;
  dropper = net.createServer((s) => {
    s.once('data', () => {
      dropped++;
      s.destroy();
    });
    s.on('error', () => {});
  });
  await new Promise<void>((r) => dropper.listen(0, '127.0.0.1', () => r()));
  dropPort = (dropper.address() as net.AddressInfo).port;
});
afterAll(async () => {
  good?.closeAllConnections();
  await new Promise((r) => good?.close(r));
  await new Promise((r) => dropper?.close(r));
});
beforeEach(() => {
  served = 0;
  dropped = 0;
  handler = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(completion('ok'));
  };
});

/** A gateway whose qwen3 tries `first` and then the good upstream (weights make the order fixed). */
async function gatewayWith(first: Record<string, unknown>, second = true): Promise<Gateway> {
  // The first keeps the default config's endpoint name, which the other models name as theirs.
  const endpoints = [{ name: 'production-stack', weight: 100, ...first }];
  if (second) endpoints.push({ name: 'good', address: '127.0.0.1', port: goodPort, weight: 1 } as never);
  return startGateway({
    config: () =>
      testConfig(
        { upstream: { keep_alive_connections: 1, timeout_ms: 3000, down_ms: 60_000 }, model_config: { qwen3: { reasoning_family: 'qwen3', preferred_endpoints: endpoints.map((e) => e.name) } } },
        endpoints,
      ),
  });
}

const post = async (gw: Gateway, stream = false) => {
  const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...ask, stream }), signal: AbortSignal.timeout(5000) });
  return { status: res.status, body: await res.text() };
};
const retries = (gw: Gateway) => gw.metrics.render().match(/^llm_upstream_retries_total\{[^}]*\} (\d+)/m)?.[1];

/** Endpoints that fail before any byte of an answer; dropPort is read when the test runs. */
const FAILING_ENDPOINTS = [
  ['a refused port', async () => ({ address: '127.0.0.1', port: await refusedPort() })],
  ['a name that does not resolve', async () => ({ address: 'no-such-upstream.invalid', port: 80 })],
  ['an upstream that drops the socket before answering', async () => ({ address: '127.0.0.1', port: dropPort })],
] as const;

describe('no endpoint reachable: 502, OpenAI-shaped', () => {
  for (const [what, first] of FAILING_ENDPOINTS) {
    it(what, async () => {
      const gw = await gatewayWith(await first(), false);
      try {
        for (const stream of [false, true]) {
          const r = await post(gw, stream);
          expect(r.status).toBe(502);
          const err = await new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'k', maxRetries: 0 }).chat.completions.create(ask).catch((e) => e);
          expect(err).toBeInstanceOf(OpenAI.APIError);
          expect(err.status).toBe(502);
          expect(JSON.parse(r.body).error).toMatchObject({ type: 'upstream_error', message: expect.any(String) });
        }
      } finally {
        await gw.close();
      }
    });
  }
});

describe('the next endpoint, before the first byte only', () => {
  // Not the drop after the request was read: the upstream may have started on it.
  for (const [what, first] of FAILING_ENDPOINTS.slice(0, 2)) {
    it(`${what}: the good endpoint answers; then it is skipped while down, and the pool keeps serving`, async () => {
      const gw = await gatewayWith(await first());
      try {
        const r = await post(gw);
        expect(r.status).toBe(200);
        expect(JSON.parse(r.body).choices[0].message.content).toBe('ok');
        expect(retries(gw)).toBe('1');
        for (let i = 0; i < 5; i++) expect((await post(gw, i % 2 === 1)).status).toBe(200);
        expect(served).toBe(6);
        expect(retries(gw)).toBe('1');
      } finally {
        await gw.close();
      }
    });
  }

  it('an SSE answer the upstream cuts after the first event is not retried on the next endpoint', async () => {
    const cutter = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(chunk('a'));
        setTimeout(() => res.destroy(), 20);
      });
    });
    await new Promise<void>((r) => cutter.listen(0, '127.0.0.1', () => r()));
    const gw = await gatewayWith({ address: '127.0.0.1', port: (cutter.address() as net.AddressInfo).port });
    try {
      const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'k', maxRetries: 0 });
      let text = '';
      const err = await (async () => {
        for await (const c of await client.chat.completions.create({ ...ask, stream: true })) text += c.choices[0]?.delta?.content ?? '';
      })().catch((e) => e);
      expect(err).toBeInstanceOf(Error);
      expect(text).toBe('a');
      expect(served).toBe(0);
    } finally {
      await gw.close();
      cutter.closeAllConnections();
      await new Promise((r) => cutter.close(r));
    }
  });
});
