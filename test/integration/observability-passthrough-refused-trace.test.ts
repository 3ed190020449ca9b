// A passed-through request refused before it reaches the upstream is traced too, as chat's are since
// 25614ed: passthrough.ts opened the request span only after the body was read and its model checked,
// so a body past server.max_body_bytes (413, declared or chunked) or an auto model name on
// /v1/completions (400) left no span, though the caller sent a traceparent and the log line said
// 'rejected'. Real sockets (gateway, mock upstream), the Node tracer provider exporting to memory.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpanKind } from '@opentelemetry/api';
import { startGateway, testConfig, type Gateway } from './gateway-harness.ts';
import { useMemoryTracing } from './helpers/memory-tracing.ts';

const CALLER = '0af7651916cd43dd8448eb211c80319c';
let gw: Gateway;

const { requestSpan } = useMemoryTracing();
beforeAll(async () => {
  gw = await startGateway({
    config: (port) => testConfig({ server: { max_body_bytes: 1000 } }, [{ name: 'production-stack', address: '127.0.0.1', port }]),
  });
});
afterAll(() => gw?.close());

/** The status of a request written on a raw socket (fetch refuses a transfer coding). */
function rawStatus(path: string, head: Record<string, string>, body: string): Promise<number> {
  const { port } = new URL(gw.url);
  return new Promise((resolve, reject) => {
    const sock = net.connect(Number(port), '127.0.0.1');
    let got = '';
    sock.on('data', (d) => (got += d.toString('latin1')));
    sock.on('end', () => resolve(Number(got.split(' ')[1])));
    sock.on('error', reject);
    const lines = Object.entries({ host: 'localhost', connection: 'close', ...head }).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    sock.write(`POST ${path} HTTP/1.1\r\n${lines}\r\n${Buffer.byteLength(body).toString(16)}\r\n${body}\r\n0\r\n\r\n`);
  });
}

const CASES: Array<[string, string, Record<string, string>, string, number]> = [
  ['an auto model name on /v1/completions', '/v1/completions', {}, JSON.stringify({ model: 'MoM', prompt: 'x' }), 400],
  ['a body past server.max_body_bytes', '/v1/completions', {}, JSON.stringify({ model: 'qwen3', prompt: 'x'.repeat(2000) }), 413],
  ['a chunked body past server.max_body_bytes', '/v1/embeddings', { 'transfer-encoding': 'chunked' }, JSON.stringify({ model: 'qwen3', input: 'x'.repeat(2000) }), 413],
];

describe('a passed-through request refused before the upstream', () => {
  it.each(CASES)('%s: the caller\'s trace, its status on the request span, the log line names it', async (_name, path, extra, body, status) => {
    const id = `pt-refused-${status}-${path.length}-${Object.keys(extra).length}`;
    const headers = { 'content-type': 'application/json', 'x-request-id': id, traceparent: `00-${CALLER}-b7ad6b7169203331-01`, ...extra };
    if (extra['transfer-encoding']) expect(await rawStatus(path, headers, body)).toBe(status);
    else {
      const res = await fetch(`${gw.url}${path}`, { method: 'POST', headers, body });
      await res.text();
      expect(res.status).toBe(status);
    }
    const root = await requestSpan(id);
    expect(root.kind).toBe(SpanKind.SERVER);
    expect(root.spanContext().traceId).toBe(CALLER);
    expect(root.attributes['http.status_code']).toBe(status);
    expect(root.attributes['http.path']).toBe(path);
    const line = gw.logs.lines.find((l) => l.obj.event === 'request' && l.obj.request_id === id)!.obj;
    expect([line.outcome, line.trace_id]).toEqual(['rejected', CALLER]);
  });
});
