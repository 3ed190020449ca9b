// A body that stops coming past server.request_timeout_ms: Node answers 408 (client-errors.ts counts
// it in semroute_http_client_errors_total{code="408",reason="request_timeout"}), and the handler that
// was reading the body must log and count the same thing: status 408, a request_timeout reason, not a
// 499 client_closed_request and llm_request_errors_total{reason="cancellation"} (the client did not
// leave). On chat, the classification API and a passed-through route. A real gateway process, raw sockets.
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { useProcessBehindUpstream, type GatewayProcess } from './helpers/gateway-process.ts';

let gw: GatewayProcess;
useProcessBehindUpstream('semroute-body-timeout-', (req, res) => req.resume().on('end', () => res.end('{}')), 'server: { request_timeout_ms: 1000 }\n', (g) => (gw = g));

/** Sends a head and the start of a 100-byte body, then waits: what came back once the gateway closed. */
function stall(path: string, id: string): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const s = net.connect(gw.port, '127.0.0.1', () =>
      s.write(`POST ${path} HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nX-Request-Id: ${id}\r\nContent-Length: 100\r\n\r\n{"model":`),
    );
    const timer = setTimeout(() => s.destroy(), 8_000);
    s.setEncoding('latin1').on('data', (c: string) => (text += c));
    s.on('error', () => {});
    s.on('close', () => {
      clearTimeout(timer);
      resolve(text);
    });
  });
}

async function metric(name: string, labels: string): Promise<number> {
  const text = await (await fetch(`${gw.base}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
  return line ? Number(line.split(' ').pop()) : 0;
}

/** The gateway's log line for the request (JSON lines on its output), once it is written. */
async function lineFor(id: string): Promise<Record<string, unknown> | undefined> {
  for (let i = 0; i < 40; i++) {
    for (const l of gw.out().split('\n')) {
      if (!l.includes(id)) continue;
      try {
        const o = JSON.parse(l) as Record<string, unknown>;
        if (o.request_id === id && typeof o.status === 'number') return o;
      } catch {
        // Not a JSON line.
      }
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return undefined;
}

describe('a body past server.request_timeout_ms is logged and counted as a timeout, not a client cancel', () => {
  it.each([
    ['chat', '/v1/chat/completions', true],
    ['the classification API', '/api/v1/classify/intent', false],
    ['a passed-through route', '/v1/completions', true],
  ])('%s: 408 request_timeout in the log and the metric', async (_name, path, counted) => {
    const id = `body-timeout-${path.replace(/\W/g, '-')}`;
    const cancel0 = await metric('llm_request_errors_total', 'model="unknown",reason="cancellation"');
    const timeout0 = await metric('llm_request_errors_total', 'model="unknown",reason="request_timeout"');
    const client0 = await metric('semroute_http_client_errors_total', 'code="408",reason="request_timeout"');
    const text = await stall(path, id);
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    const line = await lineFor(id);
    expect(line, 'the request line').toBeDefined();
    expect(line!.status).toBe(408);
    if (line!.error !== undefined || line!.error_reason !== undefined) expect(line!.error ?? line!.error_reason).toBe('request_timeout');
    expect(JSON.stringify(line)).not.toMatch(/client_closed|cancel/);
    expect(await metric('semroute_http_client_errors_total', 'code="408",reason="request_timeout"')).toBe(client0 + 1);
    expect(await metric('llm_request_errors_total', 'model="unknown",reason="cancellation"')).toBe(cancel0);
    // The classification API counts no llm_request_errors_total (it is no LLM request).
    expect(await metric('llm_request_errors_total', 'model="unknown",reason="request_timeout"')).toBe(timeout0 + (counted ? 1 : 0));
  });
});
