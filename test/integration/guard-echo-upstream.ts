// An upstream that answers with what it was sent: "You said: <last user message>", as JSON or as
// SSE in 3-character pieces (so placeholders arrive split across chunks). The guard tests use it to
// see exactly what a model received and whether the gateway restored the values on the way back.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface EchoServer {
  port: number;
  bodies: Array<Record<string, any>>;
  raw: string[];
  close(): Promise<void>;
}

export async function startEchoUpstream(): Promise<EchoServer> {
  const bodies: Array<Record<string, any>> = [];
  const raw: string[] = [];
  const server = http.createServer((req, res) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      raw.push(data);
      const body = JSON.parse(data);
      bodies.push(body);
      const users = body.messages.filter((m: any) => m.role === 'user');
      const last = users[users.length - 1]?.content;
      const text = `You said: ${typeof last === 'string' ? last : JSON.stringify(last)}`;
      const base = { id: 'chatcmpl-echo', created: 1, model: body.model };
      if (!body.stream) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ...base, object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } }));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const ev = (o: unknown) => res.write(`data: ${JSON.stringify(o)}\n\n`);
      ev({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] });
      for (let i = 0; i < text.length; i += 3) ev({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: text.slice(i, i + 3) }, finish_reason: null }] });
      ev({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
      res.end('data: [DONE]\n\n');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as AddressInfo).port,
    bodies,
    raw,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
