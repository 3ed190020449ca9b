// The floor of any Hono gateway: Hono on @hono/node-server, parse the body, set `model`, forward
// with the global fetch, stream the answer back. No classification, no checks.
import { Hono } from 'hono';
import { serve } from '@hono/node-server';
import { reportUsage } from './child-ipc.ts';

const upstream = process.argv[2];
const app = new Hono();
app.post('/v1/chat/completions', async (c) => {
  const body = (await c.req.json()) as Record<string, unknown>;
  body.model = 'qwen3';
  const res = await fetch(`${upstream}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return new Response(res.body, { status: res.status, headers: { 'content-type': res.headers.get('content-type') ?? 'application/json' } });
});
const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => process.send?.({ ready: info.port }));
void server;
reportUsage();
