// Config reload bookkeeping (runtimes/node/config-reload.ts, config-watch.ts, extproc/server.ts) on
// real sockets, in-process so a test can hold a request inside the category classifier: what a reload
// replaced (packs, upstream pool) must stay until the last request using it is really done, not only
// until its client went away; every kind of request must give its generation back; retired
// generations must be collectable; the watch must survive its folder being replaced or removed and a
// file caught empty mid-write; reloads queue last-wins and stop with stop().
import { connect } from 'node:net';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { captureLogger, REPO, type LogCapture } from './gateway-harness.ts';
import { startMockServer, type MockServer } from '../../runtimes/node/mock-server.ts';
import { serveFetch, type Served } from '../../runtimes/node/serve.ts';
import { startExtProcServer, type ExtProcServer } from '../../runtimes/node/extproc/server.ts';
import { readConfigFile, RELOADS_METRIC, startLiveConfig, type LiveConfig } from '../../runtimes/node/config-reload.ts';
import { EnvoyClient, requestBody, requestHeaders } from './helpers/envoy-client.ts';
import type { Classifiers, SequenceClassifier } from '../../src/classify/types.ts';
import type { AppDeps } from '../../src/deps.ts';

let mock: MockServer;
let labels: string[];
const cleanup: Array<() => unknown> = [];
beforeAll(async () => {
  mock = await startMockServer({ options: { models: ['fallback-model', 'model-a', 'model-b', 'model-c', 'model-d'] } });
  labels = Object.values(JSON.parse(readFileSync(join(REPO, 'models/domain/labels.json'), 'utf8')).idx_to_category as Record<string, string>);
});
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});
afterAll(() => mock?.close());

/** Every auto request goes to `model`; `threshold` is part of the packs' key, so changing it loads them anew. */
function configText(model: string, o: { threshold?: number; keepAlive?: number } = {}): string {
  return (
    `default_model: fallback-model\n` +
    `vllm_endpoints: [{ name: mock, address: 127.0.0.1, port: ${mock.port} }]\n` +
    `packs: { dir: ${join(REPO, 'models')}, category: domain }\n` +
    `classifier: { category_model: { threshold: ${o.threshold ?? 0} } }\n` +
    `categories:\n  - name: everything\n    mmlu_categories: ${JSON.stringify(labels)}\n` +
    `    model_scores: [{ model: ${model}, score: 1.0, use_reasoning: false }]\n` +
    `upstream: { keep_alive_connections: ${o.keepAlive ?? 32} }\n`
  );
}

/** Holds category classifications until opened: a request parked inside the pipeline. */
class Gate {
  closed = false;
  private waiters: Array<() => void> = [];
  private entered: Array<() => void> = [];
  inside = 0;
  hold(): void {
    this.closed = true;
  }
  open(): void {
    this.closed = false;
    for (const w of this.waiters.splice(0)) w();
  }
  async pass(): Promise<void> {
    if (!this.closed) return;
    this.inside++;
    for (const e of this.entered.splice(0)) e();
    await new Promise<void>((r) => this.waiters.push(r));
  }
  /** Resolves once a classification is parked. */
  reached(): Promise<void> {
    return this.inside > 0 ? Promise.resolve() : new Promise((r) => this.entered.push(r));
  }
}

function gated(c: Classifiers, gate: Gate): Classifiers {
  const wrap = (s: SequenceClassifier) =>
    new Proxy(s, {
      get: (t, k) => (k === 'classify' ? async (...a: Parameters<SequenceClassifier['classify']>) => (await gate.pass(), t.classify(...a)) : Reflect.get(t, k)),
    });
  return new Proxy(c, { get: (t, k) => (k === 'sequence' ? (n: string) => { const s = t.sequence(n); return s && wrap(s); } : Reflect.get(t, k)) });
}

interface Setup {
  live: LiveConfig;
  served: Served;
  logger: LogCapture;
  gate: Gate;
  file: string;
  dir: string;
  /** Weak references to every generation's deps, in order. */
  generations: Array<WeakRef<AppDeps>>;
  ext?: ExtProcServer;
}

async function setup(o: { watch?: boolean; extproc?: boolean; sub?: string } = {}): Promise<Setup> {
  const dir = mkdtempSync(join(tmpdir(), 'semroute-reload-life-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const folder = o.sub ? join(dir, o.sub) : dir;
  mkdirSync(folder, { recursive: true });
  const file = join(folder, 'config.yaml');
  writeFileSync(file, configText('model-a'));
  const logger = captureLogger();
  const gate = new Gate();
  const generations: Array<WeakRef<AppDeps>> = [];
  const live = await startLiveConfig({
    file,
    initial: readConfigFile(file),
    adjust: () => {},
    logger,
    watch: o.watch ?? false,
    debounceMs: 50,
    prepare: (d) => {
      generations.push(new WeakRef(d));
      d.classifiers = gated(d.classifiers, gate);
    },
  });
  cleanup.push(() => live.close());
  const served = await serveFetch(live.fetch, { port: 0 });
  cleanup.push(() => served.close());
  const ext = o.extproc ? await startExtProcServer(live.lease, { port: 0, host: '127.0.0.1' }) : undefined;
  if (ext) cleanup.push(() => ext.close({ drainMs: 100 }));
  return { live, served, logger, gate, file, dir, generations, ext };
}

const freedLines = (l: LogCapture) => l.lines.filter((x) => x.msg?.includes('previous config used alone is freed'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(cond: () => boolean, what: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}
const ask = (content = 'What is the derivative of x squared?') => JSON.stringify({ model: 'MoM', messages: [{ role: 'user', content }] });
const routedTo = (s: Setup) => s.live.current().config.categories[0]!.model_scores[0]!.model;

/** A raw HTTP/1.1 exchange; `destroyAfter` ends the socket without waiting for an answer. */
function raw(port: number, text: string, destroyAfter?: () => Promise<unknown>): Promise<string> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1');
    let out = '';
    sock.setEncoding('utf8').on('data', (c: string) => (out += c));
    sock.on('close', () => resolve(out));
    sock.on('error', () => {});
    sock.write(text);
    if (destroyAfter) void destroyAfter().then(() => sock.destroy());
  });
}
const post = (path: string, body: string, extra = '') =>
  `POST ${path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n${extra}\r\n${body}`;

describe('config reload: what a reload replaced is freed after its last request, never before', () => {
  it('HTTP: a client that leaves while its request is being classified does not free the packs under it', async () => {
    const s = await setup();
    s.gate.hold();
    const gone = raw(s.served.port, post('/v1/chat/completions', ask()), () => s.gate.reached());
    await gone; // the client has left; the request still runs inside the classifier
    await sleep(30);
    // New packs (threshold is part of their key) and a new upstream pool: the old ones are the request's.
    expect(await s.live.reload('test', configText('model-b', { threshold: 0.0001, keepAlive: 64 }))).toBe(true);
    await sleep(50);
    expect(freedLines(s.logger)).toHaveLength(0);
    s.gate.open();
    await until(() => freedLines(s.logger).length === 1, 'the free');
    expect(freedLines(s.logger)[0]!.obj.freed).toEqual(['classifiers', 'upstream']);
    expect(s.logger.lines.filter((l) => l.msg === 'category classification failed')).toHaveLength(0);
  }, 20_000);

  it('ext_proc: a stream cancelled while its body is being classified keeps its lease until the handler is done', async () => {
    const s = await setup({ extproc: true });
    const envoy = new EnvoyClient(`127.0.0.1:${s.ext!.port}`);
    cleanup.push(() => envoy.close());
    const stream = envoy.open();
    await stream.send(requestHeaders({ ':method': 'POST', ':path': '/v1/chat/completions', 'content-type': 'application/json' }));
    s.gate.hold();
    void stream.send(requestBody(ask())).catch(() => {});
    await s.gate.reached();
    stream.cancel();
    await stream.closed;
    await sleep(50);
    expect(await s.live.reload('test', configText('model-b', { threshold: 0.0001 }))).toBe(true);
    await sleep(50);
    expect(freedLines(s.logger)).toHaveLength(0);
    s.gate.open();
    await until(() => freedLines(s.logger).length === 1, 'the free');
    expect(freedLines(s.logger)[0]!.obj.freed).toEqual(['classifiers']);
    expect(s.logger.lines.filter((l) => l.msg === 'category classification failed')).toHaveLength(0);
  }, 20_000);

  it('every kind of request gives its generation back (HEAD, OPTIONS, GET, bad JSON, a body cut short, a client gone before the head)', async () => {
    const s = await setup({ extproc: true });
    const port = s.served.port;
    const head = await raw(port, 'HEAD /health HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1.1 200/);
    expect(await raw(port, 'OPTIONS /v1/chat/completions HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n')).toMatch(/^HTTP\/1.1 \d{3}/);
    expect(await raw(port, 'GET /v1/models HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n')).toMatch(/^HTTP\/1.1 200/);
    expect(await raw(port, 'GET /no/such/route HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n')).toMatch(/^HTTP\/1.1 404/);
    expect(await raw(port, post('/v1/chat/completions', '{not json'))).toMatch(/^HTTP\/1.1 400/);
    expect(await raw(port, post('/api/v1/classify/intent', JSON.stringify({ text: 'hello' })))).toMatch(/^HTTP\/1.1 \d{3}/);
    // Announces 1000 bytes, sends 10, leaves: the body read fails.
    await raw(port, post('/v1/chat/completions', '{"model":"').replace(/content-length: \d+/, 'content-length: 1000'), () => sleep(50));
    // Leaves while the upstream has not answered yet (no response head).
    await raw(port, post('/v1/chat/completions', ask(), 'x-mock-delay-ms: 2000\r\n'), () => sleep(150));
    // Two keep-alive requests on one connection.
    const two = await raw(port, post('/v1/chat/completions', ask()).replace('connection: close', 'connection: keep-alive') + post('/v1/chat/completions', ask()));
    expect(two.match(/HTTP\/1.1 200/g)).toHaveLength(2);
    // ext_proc: one stream ended by the client, one cancelled.
    const envoy = new EnvoyClient(`127.0.0.1:${s.ext!.port}`);
    cleanup.push(() => envoy.close());
    const a = envoy.open();
    await a.send(requestHeaders({ ':method': 'POST', ':path': '/v1/chat/completions', 'content-type': 'application/json' }));
    a.end();
    await a.closed;
    const b = envoy.open();
    await b.send(requestHeaders({ ':method': 'GET', ':path': '/v1/models' }));
    b.cancel();
    await b.closed;
    await sleep(100);
    expect(await s.live.reload('test', configText('model-b', { keepAlive: 64 }))).toBe(true);
    // Nothing was left counted on the first generation: it goes at once.
    await until(() => freedLines(s.logger).length === 1, 'the free of the first generation', 2_000);
    expect(freedLines(s.logger)[0]!.obj.freed).toEqual(['upstream']);
  }, 20_000);
});

describe('config reload: memory', () => {
  it('50 reloads with traffic: retired generations are collected and the heap does not grow with them', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const s = await setup({ extproc: true });
    const envoy = new EnvoyClient(`127.0.0.1:${s.ext!.port}`);
    cleanup.push(() => envoy.close());
    const traffic = async () => {
      expect(await raw(s.served.port, post('/v1/chat/completions', ask()))).toMatch(/^HTTP\/1.1 200/);
      const st = envoy.open();
      await st.send(requestHeaders({ ':method': 'POST', ':path': '/v1/chat/completions', 'content-type': 'application/json' }));
      await st.send(requestBody(ask()));
      st.end();
      await st.closed;
    };
    const heap = () => (gc(), gc(), process.memoryUsage());
    const round = async (from: number, n: number) => {
      for (let i = from; i < from + n; i++) {
        // A new upstream pool every time, new packs every 10th reload.
        expect(await s.live.reload('test', configText(i % 2 ? 'model-b' : 'model-c', { keepAlive: 30 + (i % 2), threshold: Math.floor(i / 10) / 1e4 }))).toBe(true);
        await traffic();
      }
    };
    await round(0, 10); // warm-up: code paths compiled, pools made
    await sleep(50);
    const before = heap();
    await round(10, 50);
    await sleep(50);
    const after = heap();
    const alive = s.generations.filter((w) => w.deref() !== undefined).length;
    console.log(
      `reload memory: ${s.generations.length} generations made, ${alive} reachable; heapUsed ${(before.heapUsed / 2 ** 20).toFixed(1)} -> ${(after.heapUsed / 2 ** 20).toFixed(1)} MiB, ` +
        `rss ${(before.rss / 2 ** 20).toFixed(1)} -> ${(after.rss / 2 ** 20).toFixed(1)} MiB, external ${(before.external / 2 ** 20).toFixed(1)} -> ${(after.external / 2 ** 20).toFixed(1)} MiB over 50 reloads`,
    );
    // The current generation, and at most the one before it while a closure of its last request settles.
    expect(alive).toBeLessThanOrEqual(2);
    expect(after.heapUsed - before.heapUsed).toBeLessThan(8 * 2 ** 20);
  }, 60_000);
});

describe('config reload: the watch and the queue', () => {
  it('the watched folder replaced or removed and made again is still watched; an empty file mid-write is waited out, not refused', async () => {
    const s = await setup({ watch: true, sub: 'cfg' });
    const folder = join(s.dir, 'cfg');
    // Replaced: the old folder moved away, a new one in its place (the watch followed the old one).
    renameSync(folder, `${folder}.old`);
    mkdirSync(folder);
    writeFileSync(join(folder, 'config.yaml'), configText('model-b'));
    await until(() => routedTo(s) === 'model-b', 'the replaced folder to be read');
    writeFileSync(join(folder, 'config.yaml'), configText('model-c'));
    await until(() => routedTo(s) === 'model-c', 'a change in the new folder');
    // An editor that truncates, then writes after a pause longer than the debounce.
    writeFileSync(join(folder, 'config.yaml'), '');
    await sleep(300);
    expect(s.live.metrics.value(RELOADS_METRIC, { result: 'error' })).toBe(0);
    writeFileSync(join(folder, 'config.yaml'), configText('model-d'));
    await until(() => routedTo(s) === 'model-d', 'the file written after the empty one');
    // Removed, then made again.
    rmSync(folder, { recursive: true });
    await sleep(200);
    mkdirSync(folder);
    writeFileSync(join(folder, 'config.yaml'), configText('model-a'));
    await until(() => routedTo(s) === 'model-a', 'the folder made again');
    expect(s.live.metrics.value(RELOADS_METRIC, { result: 'error' })).toBe(0);
  }, 20_000);

  it('changes that come while a reload runs: the last one wins and the ones in between are skipped; stop() ends reloads', async () => {
    const s = await setup();
    const slow = s.live.reload('a', configText('model-b', { threshold: 0.0001 })); // loads packs: takes a while
    await sleep(1); // it has started
    const middle = s.live.reload('b', configText('model-c'));
    const last = s.live.reload('c', configText('model-d'));
    expect(await slow).toBe(true);
    expect(await last).toBe(true);
    await middle;
    expect(routedTo(s)).toBe('model-d');
    expect(s.live.metrics.value(RELOADS_METRIC, { result: 'success' })).toBe(2);
    // SIGTERM during a reload: stop() while packs load; the reload gives up and frees what it made.
    const during = s.live.reload('d', configText('model-a', { threshold: 0.0002 }));
    await sleep(5);
    s.live.stop();
    expect(await during).toBe(false);
    expect(routedTo(s)).toBe('model-d');
    expect(await s.live.reload('after stop', configText('model-a'))).toBe(false);
    expect(s.live.metrics.value(RELOADS_METRIC, { result: 'success' })).toBe(2);
  }, 20_000);
});
