// Upstream for bench/sse-events.ts: a vLLM-like token stream. Each streamed answer is EVENTS one-token
// chunks, each written on its own (setImmediate between writes, or GAP_MS apart), then a finish chunk,
// the usage chunk (stream_options.include_usage) and `data: [DONE]`, as vLLM sends them.
//   node sse-upstream.mjs EVENTS GAP_MS
import http from 'node:http';
import { reportUsage } from './child-ipc.ts';

const events = Number(process.argv[2] ?? 1000);
const gapMs = Number(process.argv[3] ?? 0);
const created = 1_700_000_000;
const head = `{"id":"chatcmpl-sse","object":"chat.completion.chunk","created":${created},"model":"bench-model","choices":[`;
const FIRST = Buffer.from(`data: ${head}{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}\n\n`);
const TOKEN = Buffer.from(`data: ${head}{"index":0,"delta":{"content":"tok"},"logprobs":null,"finish_reason":null}]}\n\n`);
const LAST = Buffer.from(
  `data: ${head}{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop","stop_reason":null}]}\n\n` +
    `data: ${head}],"usage":{"prompt_tokens":20,"total_tokens":${20 + events},"completion_tokens":${events}}}\n\n` +
    'data: [DONE]\n\n',
);

const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write(FIRST);
    let sent = 0;
    const next = () => {
      if (res.destroyed) return;
      if (sent++ < events) {
        res.write(TOKEN);
        if (gapMs > 0) setTimeout(next, gapMs);
        else setImmediate(next);
      } else res.end(LAST);
    };
    setImmediate(next);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.send?.({ ready: (server.address() as { port: number }).port }));
reportUsage();
process.on('SIGINT', () => process.exit(0));
