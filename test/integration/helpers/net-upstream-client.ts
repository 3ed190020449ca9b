// A real gateway with one kept-alive socket per upstream, in front of a raw net.Server the test scripts
// byte by byte (which requests a socket answers, reads, drops), and an openai client on it: the rig of
// the stale-reuse tests (upstream-stale-idle, upstream-stale-adapts).
import { afterAll, beforeAll } from 'vitest';
import type net from 'node:net';
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
