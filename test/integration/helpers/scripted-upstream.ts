// A node:http upstream on a real socket whose answer each test scripts, with a gateway routed to it
// and an `openai` client on the gateway: for what a real upstream can do that the mock does not.
// useScriptedUpstream is the usual rig: one for the file's tests, started in beforeAll, closed after.
import http from 'node:http';
import { afterAll, beforeAll } from 'vitest';
import OpenAI from 'openai';
import type { Classifiers } from '../../../src/classify/types.ts';
import { startGateway, testConfig, type Gateway } from '../gateway-harness.ts';

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

export const chunk = (content: string, finish: string | null = null) =>
  `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'qwen3', choices: [{ index: 0, delta: { content }, finish_reason: finish }] })}\n\n`;
export const ask = { model: 'qwen3', messages: [{ role: 'user' as const, content: 'hi' }] };

export interface ScriptedUpstream {
  gw: Gateway;
  client: OpenAI;
  /** Answers every request from now on; called once the request body has been read. */
  handler: Handler;
  /** Polls until the upstream holds `want` open sockets or `withinMs` passes; returns the last count. */
  openSockets(want: number, withinMs?: number): Promise<number>;
  /** The model="qwen3" series of metric `name` on the gateway's GET /metrics (0 while it has none). */
  scraped(name: string): Promise<number>;
  close(): Promise<void>;
}

/** `upstreamConfig` is merged into the gateway's `upstream` config section, `gateway.config` into the
 *  rest (e.g. a PII policy, with real `classifiers` to detect what it redacts). */
export async function startScriptedUpstream(
  upstreamConfig: Record<string, unknown>,
  gateway: { config?: Record<string, unknown>; classifiers?: Classifiers } = {},
): Promise<ScriptedUpstream> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => up.handler(req, res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  const gw = await startGateway({
    classifiers: gateway.classifiers,
    config: () => testConfig({ ...gateway.config, upstream: upstreamConfig }, [{ name: 'production-stack', address: '127.0.0.1', port }]),
  });
  const up: ScriptedUpstream = {
    gw,
    client: new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'k', maxRetries: 0 }),
    handler: (_req, res) => {
      res.writeHead(500);
      res.end();
    },
    async openSockets(want, withinMs = 2000) {
      const deadline = Date.now() + withinMs;
      let open = -1;
      while (Date.now() < deadline && open !== want) {
        open = await new Promise<number>((r) => server.getConnections((_e, n) => r(n)));
        if (open !== want) await new Promise((r) => setTimeout(r, 20));
      }
      return open;
    },
    async scraped(name) {
      const text = await (await fetch(`${gw.url}/metrics`)).text();
      const m = new RegExp(`^${name}\\{model="qwen3"\\} (\\S+)$`, 'm').exec(text);
      return m ? Number(m[1]) : 0;
    },
    async close() {
      await gw.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
  return up;
}

/** startScriptedUpstream for the enclosing scope: started in beforeAll, closed in afterAll; the fields
 *  (and a `handler` set on it) reach the running one. */
export function useScriptedUpstream(...args: Parameters<typeof startScriptedUpstream>): ScriptedUpstream {
  let up: ScriptedUpstream | undefined;
  beforeAll(async () => {
    up = await startScriptedUpstream(...args);
  });
  afterAll(() => up?.close());
  return {
    get gw() {
      return up!.gw;
    },
    get client() {
      return up!.client;
    },
    get handler() {
      return up!.handler;
    },
    set handler(h: Handler) {
      up!.handler = h;
    },
    openSockets: (want, withinMs) => up!.openSockets(want, withinMs),
    scraped: (name) => up!.scraped(name),
    close: () => up!.close(),
  };
}
