// CPU per request of HTTP/1.1 keep-alive clients against the fast upstream (its own process), 32
// concurrent, closed loop: node:http's ClientRequest (the gateway's client before), undici's request,
// and the gateway's Node UpstreamClient (runtimes/node/upstream-client.ts). CPU is this process's.
//   npx tsx bench/upstream-clients.ts [--seconds 3] [--rounds 4]
// It re-runs itself bundled by esbuild under plain node: tsx wraps every closure it creates in a
// naming helper (keepNames), which would charge the closure-heavy gateway client for the loader.
import { fork } from 'node:child_process';
import http from 'node:http';
import { parseArgs } from 'node:util';
import { Agent } from 'undici';
import { createNodeUpstreamClient } from '../runtimes/node/upstream-client.ts';
import { bundle, start, stop } from './servers.ts';

if (!process.env.SEMROUTE_BENCH_UPSTREAM) {
  const up = await start('upstream', 'fast-upstream.ts', []);
  const child = fork(await bundle('upstream-clients.ts'), process.argv.slice(2), { env: { ...process.env, SEMROUTE_BENCH_UPSTREAM: String(up.port) } });
  child.on('exit', async (code) => {
    await stop(up);
    process.exit(code ?? 1);
  });
  await new Promise(() => {});
}

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '3' }, rounds: { type: 'string', default: '4' } } });
const up = { port: Number(process.env.SEMROUTE_BENCH_UPSTREAM) };
const origin = `http://127.0.0.1:${up.port}`;
const body = JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: 'What is the derivative of x squared with respect to x?' }] });
const headers = { 'content-type': 'application/json', 'x-request-id': 'c6c0b3c4-5f0c-4d55-9a4e-5c7d6e1f2a3b', 'x-selected-model': 'qwen3', 'x-user-id': 'bench-user' };

const agent = new http.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 256, scheduling: 'lifo' });
const viaHttp = () =>
  new Promise<void>((resolve, reject) => {
    const b = Buffer.from(body);
    const req = http.request({ hostname: '127.0.0.1', port: up.port, method: 'POST', path: '/v1/chat/completions', headers: { ...headers, 'content-length': b.byteLength }, agent });
    req.on('error', reject);
    req.on('response', (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve(void Buffer.concat(parts).toString()));
    });
    req.end(b);
  });
const undici = new Agent({ connections: 256, headersTimeout: 0, bodyTimeout: 0 });
const viaUndici = async () => {
  const r = await undici.request({ origin, method: 'POST', path: '/v1/chat/completions', headers, body });
  await r.body.text();
};
const client = createNodeUpstreamClient();
const viaGateway = async () => {
  const r = await client.send({ baseUrl: origin, method: 'POST', path: '/v1/chat/completions', headers, body, timeoutMs: 300_000 });
  await r.text!();
};

async function run(name: string, one: () => Promise<void>) {
  const seconds = Number(values.seconds);
  const until = performance.now() + seconds * 1000;
  let n = 0;
  const c0 = process.cpuUsage();
  await Promise.all(Array.from({ length: 32 }, async () => {
    while (performance.now() < until) {
      await one();
      n++;
    }
  }));
  const c = process.cpuUsage(c0);
  console.log(`${name.padEnd(28)} ${(n / seconds).toFixed(0).padStart(6)} req/s, client CPU per request ${((c.user + c.system) / n).toFixed(1)} us`);
}
for (let i = 0; i < Number(values.rounds); i++) {
  await run('node:http ClientRequest', viaHttp);
  await run('undici request', viaUndici);
  await run('gateway UpstreamClient', viaGateway);
}
await client.close?.();
await undici.close();
agent.destroy();
process.exit(0);
