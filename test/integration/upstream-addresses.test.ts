// Endpoint addresses on real sockets: a DNS name (localhost), IPv6 literals written "::1" and "[::1]",
// each answered with the Host header the upstream expects; the same on a passed-through path.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import type net from 'node:net';
import { lookup } from 'node:dns/promises';
import { startGateway, testConfig } from './gateway-harness.ts';

const hosts: string[] = [];
function server(): http.Server {
  return http.createServer((req, res) => {
    hosts.push(String(req.headers.host));
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'c', object: 'chat.completion', created: 1, model: 'qwen3', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }] }));
    });
  });
}
const listen = (s: http.Server, host: string) =>
  new Promise<number | undefined>((resolve) => {
    s.once('error', () => resolve(undefined));
    s.listen(0, host, () => resolve((s.address() as net.AddressInfo).port));
  });

let v4: http.Server;
let v6: http.Server;
let v4Port: number | undefined;
let v6Port: number | undefined;
let localhostIs: string;
beforeAll(async () => {
  v4 = server();
  v6 = server();
  v4Port = await listen(v4, '127.0.0.1');
  v6Port = await listen(v6, '::1');
  localhostIs = (await lookup('localhost')).address;
});
afterAll(async () => {
  for (const s of [v4, v6]) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function through(address: string, port: number): Promise<string[]> {
  hosts.length = 0;
  const gw = await startGateway({ config: () => testConfig({}, [{ name: 'production-stack', address, port }]) });
  try {
    const chat = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: 'hi' }] }) });
    expect(chat.status).toBe(200);
    await chat.text();
    const pass = await fetch(`${gw.url}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'qwen3', prompt: 'hi' }) });
    expect(pass.status).toBe(200);
    await pass.text();
    return [...hosts];
  } finally {
    await gw.close();
  }
}

describe('endpoint addresses', () => {
  it('a DNS name: localhost', async () => {
    const port = localhostIs.includes(':') ? v6Port : v4Port;
    expect(await through('localhost', port!)).toEqual([`localhost:${port}`, `localhost:${port}`]);
  });

  it.each(['::1', '[::1]'])('an IPv6 literal written %s', async (address) => {
    if (v6Port === undefined) return; // no IPv6 loopback on this machine
    expect(await through(address, v6Port)).toEqual([`[::1]:${v6Port}`, `[::1]:${v6Port}`]);
  });
});
