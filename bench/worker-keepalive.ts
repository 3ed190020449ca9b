// The Worker's chat path at steady traffic over workerd's kept-alive upstream connections (issue #3):
// POST /v1/chat/completions (explicit model, cache bypassed) through `wrangler dev` to a Node upstream
// that idle-closes its kept-alive connections after 5 s (Node's and uvicorn's default), requests back
// to back at concurrency 1 and 8. Two Worker trees side by side (A, B: e.g. a private worktree with the
// old runtimes/worker and this one), measured interleaved in alternating order, so the box's load
// falls on both alike. Prints p50 / p95 per tree and concurrency.
// `npx tsx bench/worker-keepalive.ts --a /tmp/wt-old --b . [--rounds 4] [--n 60]`
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { resolve } from 'node:path';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : dflt;
};
const TREES = { A: resolve(arg('a', '.')), B: resolve(arg('b', '.')) };
const ROUNDS = Number(arg('rounds', '4'));
const N = Number(arg('n', '60'));
const CONCURRENCY = arg('c', '1,8').split(',').map(Number);
const TOGETHER = process.argv.includes('--together');
/** ms each lane waits after an answer before its next request (0: back to back). */
const GAP = Number(arg('gap', '0'));

const completion = JSON.stringify({ id: 'c1', object: 'chat.completion', created: 1, model: 'qwen3', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } });

function upstream(): Promise<{ url: string; server: http.Server; connections: () => number }> {
  let connections = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(completion));
  });
  server.keepAliveTimeout = 5_000;
  server.on('connection', () => connections++);
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, connections: () => connections })));
}

const freePort = () =>
  new Promise<number>((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => res(p));
    });
  });

function wrangler(tree: string, port: number, up: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [resolve(tree, 'node_modules/wrangler/bin/wrangler.js'), 'dev', '-c', 'runtimes/worker/wrangler.jsonc', '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', '0', '--var', `SEMROUTE_UPSTREAM:${up}`], {
    cwd: tree,
    env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  return new Promise((ok, fail) => {
    let out = '';
    const on = (d: Buffer) => {
      out += d.toString();
      if (/Ready on/.test(out)) ok(child);
    };
    child.stdout!.on('data', on);
    child.stderr!.on('data', on);
    child.once('exit', (c) => fail(new Error(`wrangler dev (${tree}) exited ${c}: ${out.slice(-1500)}`)));
  });
}

let seq = 0;
async function chat(base: string): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(`${base}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-vsr-cache-control': 'bypass' },
    body: JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: `say ok ${seq++}` }] }),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${text.slice(0, 300)}`);
  return performance.now() - t0;
}

/** `n` requests, `c` at a time, each worker sending its next as soon as its last was answered. */
async function block(base: string, n: number, c: number): Promise<number[]> {
  const xs: number[] = [];
  let left = n;
  await Promise.all(Array.from({ length: c }, async () => {
    while (left-- > 0) {
      xs.push(await chat(base));
      if (GAP) await new Promise((r) => setTimeout(r, GAP));
    }
  }));
  return xs;
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

async function main(): Promise<void> {
  const up = await upstream();
  const children: ChildProcess[] = [];
  try {
    const bases: Record<string, string> = {};
    for (const [name, tree] of Object.entries(TREES)) {
      const port = await freePort();
      children.push(await wrangler(tree, port, up.url));
      bases[name] = `http://127.0.0.1:${port}`;
    }
    // Packs loaded, connections warm (together: both at once, so neither idles while the other starts).
    await Promise.all(Object.values(bases).map(async (base) => {
      for (let i = 0; i < 20; i++) await chat(base);
    }));
    for (const c of CONCURRENCY) {
      const lat: Record<string, number[]> = { A: [], B: [] };
      for (let r = 0; r < ROUNDS; r++) {
        if (TOGETHER) {
          const [a, b] = await Promise.all([block(bases.A!, N, c), block(bases.B!, N, c)]);
          lat.A!.push(...a);
          lat.B!.push(...b);
          continue;
        }
        for (const name of r % 2 ? ['B', 'A'] : ['A', 'B']) {
          await block(bases[name]!, 2 * c, c); // warm-up of this block
          lat[name]!.push(...(await block(bases[name]!, N, c)));
        }
      }
      for (const name of ['A', 'B']) console.log(`concurrency ${c}, ${name} (${TREES[name as 'A' | 'B']}): p50 ${pct(lat[name]!, 50).toFixed(1)} ms, p95 ${pct(lat[name]!, 95).toFixed(1)} ms (n=${lat[name]!.length})`);
    }
    console.log(`upstream connections taken: ${up.connections()}`);
  } finally {
    for (const child of children) {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {}
    }
    up.server.closeAllConnections();
    up.server.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
