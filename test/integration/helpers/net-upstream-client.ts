// A real gateway with one kept-alive socket per upstream, in front of a raw net.Server the test scripts
// byte by byte (which requests a socket answers, reads, drops), and an openai client on it: the rig of
// the stale-reuse tests (upstream-stale-idle, upstream-stale-adapts, upstream-stale-reset).
import { afterAll, beforeAll } from 'vitest';
import net from 'node:net';
import OpenAI from 'openai';
import { startGateway, testConfig, type Gateway } from '../gateway-harness.ts';

/** Starts both around the describe block; `ask(id)` sends a chat whose text carries `id`. */
export function useNetUpstreamClient(server: net.Server): { ask: (id: string) => Promise<OpenAI.Chat.Completions.ChatCompletion> } {
  let gw: Gateway | undefined;
  let client: OpenAI | undefined;
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as net.AddressInfo).port;
    gw = await startGateway({ config: () => testConfig({ upstream: { keep_alive_connections: 1 } }, [{ name: 'production-stack', address: '127.0.0.1', port }]) });
    client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'k', maxRetries: 0 });
  });
  afterAll(async () => {
    await gw?.close();
    await new Promise((r) => server.close(r));
  });
  return { ask: (id) => client!.chat.completions.create({ model: 'qwen3', messages: [{ role: 'user', content: `hi ${id}` }] }) };
}

const completion = JSON.stringify({ id: 'c1', object: 'chat.completion', created: 1, model: 'qwen3', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }] });
/** A whole chat answer, as the raw upstreams write it. */
export const answer = `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${completion.length}\r\n\r\n${completion}`;

/** A raw upstream: `onRequest(sock, id, n)` for each whole request read on a socket (n counts from 1). */
export function rawUpstream(onRequest: (sock: net.Socket, id: string, n: number, idleMs: number) => void, onIdle?: (sock: net.Socket) => void) {
  return net.createServer((sock) => {
    sock.on('error', () => {});
    let buf = '';
    let n = 0;
    let idleSince = -1;
    let timer: NodeJS.Timeout | undefined;
    sock.on('close', () => clearTimeout(timer));
    sock.on('data', (d) => {
      buf += d;
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const len = Number(/content-length: *(\d+)/i.exec(buf.slice(0, end))?.[1] ?? 0);
      if (buf.length < end + 4 + len) return;
      const id = /kid-\w+/.exec(buf.slice(end + 4))?.[0] ?? '';
      buf = '';
      clearTimeout(timer);
      onRequest(sock, id, ++n, idleSince < 0 ? -1 : performance.now() - idleSince);
      if (sock.destroyed) return;
      idleSince = performance.now();
      if (onIdle) timer = setTimeout(onIdle, 0, sock);
    });
  });
}
