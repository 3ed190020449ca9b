// The soak's upstream (bench/soak.ts): plain node:http, OpenAI-shaped answers, and faults chosen by a
// marker in the last user message, so the gateway forwards the choice without any special header:
//   soak:err      503 with an OpenAI error body        soak:drop     socket destroyed before any byte
//   soak:dropmid  SSE head + 2 chunks, then destroyed  soak:hang     no head ever (the gateway's timeout_ms)
//   soak:stall    SSE head + 1 chunk, then silence (the gateway's idle_timeout_ms)
//   soak:slow     SSE, one chunk every 40 ms (clients abort these mid-stream)
//   soak:late     head after 400 ms (clients abort these before the head)
// Anything else: the answer repeats the user's text (so a PII placeholder comes back and is restored),
// JSON or SSE as asked, with usage when stream_options.include_usage asks for it. Held sockets of
// hang/stall are destroyed after 30 s so the upstream itself does not pile them up.
import http from 'node:http';

const created = 1_700_000_000;
const sse = (obj: object) => `data: ${JSON.stringify(obj)}\n\n`;
const chunk = (model: string, delta: object, finish: string | null) =>
  sse({ id: 'chatcmpl-soak', object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finish }] });

interface Body { model?: string; stream?: boolean; stream_options?: { include_usage?: boolean }; messages?: Array<{ role?: string; content?: unknown }> }

function lastUser(b: Body): string {
  const m = [...(b.messages ?? [])].reverse().find((x) => x.role === 'user');
  return typeof m?.content === 'string' ? m.content : '';
}

export const counts: Record<string, number> = {};
const held = new Set<http.ServerResponse>();
const hold = (res: http.ServerResponse) => {
  held.add(res);
  res.once('close', () => held.delete(res));
  setTimeout(() => res.destroy(), 30_000).unref();
};

const server = http.createServer((req, res) => {
  const parts: Buffer[] = [];
  req.on('data', (c: Buffer) => parts.push(c));
  req.on('end', () => {
    let body: Body = {};
    try {
      body = JSON.parse(Buffer.concat(parts).toString('utf8')) as Body;
    } catch {
      /* a passthrough body: answered as an empty chat */
    }
    const text = lastUser(body);
    const fault = /soak:(\w+)/.exec(text)?.[1] ?? 'ok';
    counts[fault] = (counts[fault] ?? 0) + 1;
    const model = body.model ?? 'soak-model';
    if (fault === 'err') {
      res.writeHead(503, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ error: { message: 'soak: overloaded', type: 'ServiceUnavailable', code: 503 } }));
    }
    if (fault === 'drop') return req.socket.destroy();
    if (fault === 'hang') return hold(res);
    const answer = `You said: ${text.slice(0, 200)}`;
    const usage = { prompt_tokens: 20, completion_tokens: answer.split(' ').length, total_tokens: 20 + answer.split(' ').length };
    const send = () => {
      if (!body.stream) {
        const json = JSON.stringify({ id: 'chatcmpl-soak', object: 'chat.completion', created, model, choices: [{ index: 0, message: { role: 'assistant', content: answer }, finish_reason: 'stop' }], usage });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
        return res.end(json);
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      const words = answer.split(' ');
      const events = [chunk(model, { role: 'assistant', content: '' }, null), ...words.map((w, i) => chunk(model, { content: i ? ` ${w}` : w }, null)), chunk(model, {}, 'stop')];
      if (body.stream_options?.include_usage) events.push(sse({ id: 'chatcmpl-soak', object: 'chat.completion.chunk', created, model, choices: [], usage }));
      events.push('data: [DONE]\n\n');
      if (fault === 'dropmid') {
        res.write(events[0]! + events[1]!);
        return setTimeout(() => req.socket.destroy(), 5);
      }
      if (fault === 'stall') {
        res.write(events[0]!);
        return hold(res);
      }
      if (fault === 'slow') {
        let i = 0;
        const tick = () => {
          if (res.destroyed) return;
          if (i >= events.length) return res.end();
          res.write(events[i++]!);
          setTimeout(tick, 40);
        };
        return tick();
      }
      res.write(events[0]!);
      setImmediate(() => res.end(events.slice(1).join('')));
    };
    if (fault === 'late') setTimeout(send, 400);
    else send();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.send?.({ ready: (server.address() as { port: number }).port });
});
process.on('message', (m: { cmd?: string }) => {
  if (m?.cmd === 'counts') process.send?.({ counts, held: held.size });
});
process.on('SIGINT', () => process.exit(0));
