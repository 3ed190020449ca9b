// Fast upstream for the gateway benchmark: plain node:http with precomputed answers, so the
// figures measure the proxies, not the model server. A streamed answer sends its first event at
// once and the rest on the next tick, so time-to-first-chunk is visible through a proxy.
import http from 'node:http';
import { reportUsage } from './child-ipc.ts';

const created = 1_700_000_000;
const content = 'This is a precomputed answer from the fast benchmark upstream.';
const JSON_ANSWER = Buffer.from(
  JSON.stringify({
    id: 'chatcmpl-bench',
    object: 'chat.completion',
    created,
    model: 'bench-model',
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 20, completion_tokens: 11, total_tokens: 31 },
  }),
);
const chunk = (delta: object, finish: string | null) =>
  `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created, model: 'bench-model', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
const words = content.split(' ');
const FIRST = Buffer.from(chunk({ role: 'assistant', content: '' }, null));
const REST = Buffer.from(words.map((w, i) => chunk({ content: i ? ` ${w}` : w }, null)).join('') + chunk({}, 'stop') + 'data: [DONE]\n\n');
const STREAM_MARK = Buffer.from('"stream":true');

const server = http.createServer((req, res) => {
  const parts: Buffer[] = [];
  req.on('data', (c: Buffer) => parts.push(c));
  req.on('end', () => {
    const body = Buffer.concat(parts);
    if (body.includes(STREAM_MARK)) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write(FIRST);
      setImmediate(() => res.end(REST));
    } else {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': JSON_ANSWER.length });
      res.end(JSON_ANSWER);
    }
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  const port = (server.address() as { port: number }).port;
  process.send?.({ ready: port });
});
reportUsage();
