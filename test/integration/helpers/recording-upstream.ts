// An upstream on a real socket that keeps every request body it receives and answers each with what
// the test scripts from that body (JSON or SSE). For the OpenAI-semantics tests: what exactly reached
// the model after the gateway's rewrites, and whether the answer reaches the `openai` SDK intact.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Answer = { json: Record<string, unknown> } | { sse: Array<Record<string, unknown> | string> };
export type Script = (body: Record<string, any>) => Answer;

export interface RecordingUpstream {
  port: number;
  bodies: Array<Record<string, any>>;
  script: Script;
  close(): Promise<void>;
}

const base = (body: Record<string, any>) => ({ id: 'chatcmpl-rec', created: 1, model: body.model });

/** A plain answer: "ok" in one choice, JSON or three SSE chunks (role, content, finish), usage when asked. */
export const plainAnswer: Script = (body) => {
  const usage = { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 };
  if (!body.stream) {
    return { json: { ...base(body), object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage } };
  }
  const c = (choices: unknown[], extra = {}) => ({ ...base(body), object: 'chat.completion.chunk', choices, ...extra });
  const sse: Array<Record<string, unknown>> = [
    c([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]),
    c([{ index: 0, delta: { content: 'ok' }, finish_reason: null }]),
    c([{ index: 0, delta: {}, finish_reason: 'stop' }]),
  ];
  if (body.stream_options?.include_usage) sse.push(c([], { usage }));
  return { sse };
};

export async function startRecordingUpstream(script: Script = plainAnswer): Promise<RecordingUpstream> {
  const up: RecordingUpstream = {
    port: 0,
    bodies: [],
    script,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
  const server = http.createServer((req, res) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      const body = JSON.parse(data);
      up.bodies.push(body);
      const a = up.script(body);
      if ('json' in a) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(a.json));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const e of a.sse) res.write(`data: ${typeof e === 'string' ? e : JSON.stringify(e)}\n\n`);
      res.end('data: [DONE]\n\n');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  up.port = (server.address() as AddressInfo).port;
  return up;
}
