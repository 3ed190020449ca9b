// Heap the semantic cache holds after N long streamed answers through a real gateway (each answer a
// distinct question, TOKENS events of its own, stored whole): the bytes per entry behind
// semantic_cache.max_memory_mb's estimate, and what the bound keeps. Needs --expose-gc.
// Run: node --expose-gc --import tsx bench/cache-memory.ts [N=200] [TOKENS=2000] ['{"max_memory_mb":0}']
import http from 'node:http';
import { createApp } from '../src/app.ts';
import { createMetrics } from '../src/observability/metrics.ts';
import { buildNodeDeps } from '../runtimes/node/deps.ts';
import { serveFetch } from '../runtimes/node/serve.ts';
import { loadDefaultConfig } from '../src/config/index.ts';
import { loadNodeClassifiers } from '../runtimes/node/deps.ts';
import { testConfig } from '../test/integration/gateway-harness.ts';
import { entryBytes, type MemoryCache } from '../src/cache/memory-cache.ts';
const N = Number(process.argv[2] ?? 200), TOKENS = Number(process.argv[3] ?? 2000), extra = JSON.parse(process.argv[4] ?? '{}');
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const c = (choices: unknown) => `data: ${JSON.stringify({ id: 'chatcmpl-x', object: 'chat.completion.chunk', created: 1, model: 'qwen3', choices })}\n\n`;
    let s = c([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]);
    for (let i = 0; i < TOKENS; i++) s += c([{ index: 0, delta: { content: ' word' + (i % 97) }, finish_reason: null }]);
    s += c([{ index: 0, delta: {}, finish_reason: 'stop' }]) + 'data: [DONE]\n\n';
    res.end(s);
  });
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
const port = (server.address() as { port: number }).port;
const config = testConfig({ semantic_cache: { enabled: true, ...extra } }, [{ name: 'production-stack', address: '127.0.0.1', port }]);
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const deps = await buildNodeDeps(config, { classifiers: await loadNodeClassifiers(loadDefaultConfig().config, quiet), logger: quiet, metrics: createMetrics({ config }) });
const served = await serveFetch(createApp(deps).fetch, { port: 0 });
const gc = (globalThis as { gc?: () => void }).gc!;
gc(); const h0 = process.memoryUsage().heapUsed, r0 = process.memoryUsage().rss;
for (let i = 0; i < N; i++) {
  const res = await fetch(`${served.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'qwen3', stream: true, messages: [{ role: 'user', content: `Tell me fact number ${i} about the deep ocean.` }] }) });
  await res.text();
}
await new Promise((r) => setTimeout(r, 500));
gc();
const m = process.memoryUsage();
const estimated = (deps.cache as MemoryCache).entries().reduce((a, e) => a + entryBytes(e), 0);
console.log(JSON.stringify({ N, TOKENS, extra, entries: deps.cache!.size(), estimatedMB: (estimated / 2 ** 20).toFixed(1), heapMB: ((m.heapUsed - h0) / 2 ** 20).toFixed(1), rssMB: ((m.rss - r0) / 2 ** 20).toFixed(1), perEntryKB: ((m.heapUsed - h0) / 1024 / Math.max(1, deps.cache!.size())).toFixed(0) }));
await served.close(); await deps.close(); server.close();
