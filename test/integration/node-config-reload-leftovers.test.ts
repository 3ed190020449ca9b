// Two things a config reload (runtimes/node/config-reload.ts) must not leave behind, in-process on
// real sockets with the real packs and a real Redis:
// - the pack gauges of packs the reload unloaded: a scrape of /metrics describes the packs serving now;
// - a cache write started when an answer ended (the gateway's and ext_proc's done taps) must not hit
//   the Redis client of a cache that a reload replaced and closed: the generation stays held until
//   the write settles, so the entry reaches Redis and the old cache is closed after it.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { captureLogger, REPO, type LogCapture } from './gateway-harness.ts';
import { startMockServer, type MockServer } from '../../runtimes/node/mock-server.ts';
import { serveFetch, type Served } from '../../runtimes/node/serve.ts';
import { startExtProcServer, type ExtProcServer } from '../../runtimes/node/extproc/server.ts';
import { readConfigFile, startLiveConfig, type LiveConfig } from '../../runtimes/node/config-reload.ts';
import { completionChunks } from '../../src/mock/answers.ts';
import { EnvoyClient, requestBody, requestHeaders, responseBody, responseHeaders } from './helpers/envoy-client.ts';
import type { SemanticCache } from '../../src/cache/types.ts';

let mock: MockServer;
let labels: string[];
const cleanup: Array<() => unknown> = [];
beforeAll(async () => {
  mock = await startMockServer({ options: { models: ['fallback-model', 'model-a', 'model-b'] } });
  labels = Object.values(JSON.parse(readFileSync(join(REPO, 'models/domain/labels.json'), 'utf8')).idx_to_category as Record<string, string>);
});
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});
afterAll(() => mock?.close());

/** Every auto request goes to model-a; `packs` and `extra` are appended as they are. */
function configText(packs: string, extra = ''): string {
  return (
    `default_model: fallback-model\n` +
    `vllm_endpoints: [{ name: mock, address: 127.0.0.1, port: ${mock.port} }]\n` +
    `packs: { dir: ${join(REPO, 'models')}, ${packs} }\n` +
    `classifier: { category_model: { threshold: 0 } }\n` +
    `categories:\n  - name: everything\n    mmlu_categories: ${JSON.stringify(labels)}\n` +
    `    model_scores: [{ model: model-a, score: 1.0, use_reasoning: false }]\n` +
    extra
  );
}

/** Parks cache stores until opened: a write still running after its answer ended. */
class StoreGate {
  private open_ = false;
  private waiters: Array<() => void> = [];
  private arrived: Array<() => void> = [];
  parked = 0;
  async pass(): Promise<void> {
    if (this.open_) return;
    this.parked++;
    for (const a of this.arrived.splice(0)) a();
    await new Promise<void>((r) => this.waiters.push(r));
  }
  reached(): Promise<void> {
    return this.parked > 0 ? Promise.resolve() : new Promise((r) => this.arrived.push(r));
  }
  open(): void {
    this.open_ = true;
    for (const w of this.waiters.splice(0)) w();
  }
}

interface Setup {
  live: LiveConfig;
  served: Served;
  logger: LogCapture;
  gate: StoreGate;
  ext?: ExtProcServer;
}

async function setup(text: string, o: { extproc?: boolean } = {}): Promise<Setup> {
  const dir = mkdtempSync(join(tmpdir(), 'semroute-reload-left-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'config.yaml');
  writeFileSync(file, text);
  const logger = captureLogger();
  const gate = new StoreGate();
  const live = await startLiveConfig({
    file,
    initial: readConfigFile(file),
    adjust: () => {},
    logger,
    watch: false,
    prepare: (d) => {
      // The cache instance itself (the one the generation frees), so its close is the real one.
      const cache = d.cache as (SemanticCache & { gated?: boolean }) | undefined;
      if (!cache || cache.gated) return;
      cache.gated = true;
      const store = cache.store.bind(cache);
      cache.store = async (...a) => (await gate.pass(), store(...a));
    },
  });
  cleanup.push(() => live.close());
  const served = await serveFetch(live.fetch, { port: 0 });
  cleanup.push(() => served.close());
  const ext = o.extproc ? await startExtProcServer(live.lease, { port: 0, host: '127.0.0.1' }) : undefined;
  if (ext) cleanup.push(() => ext.close({ drainMs: 100 }));
  return { live, served, logger, gate, ext };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}
const freedLines = (l: LogCapture) => l.lines.filter((x) => x.msg?.includes('previous config used alone is freed'));

/** pack label -> the series' other labels, for each of the three pack gauges in a real scrape. */
async function packGauges(s: Setup): Promise<Record<string, string[]>> {
  const text = await (await fetch(`http://127.0.0.1:${s.served.port}/metrics`)).text();
  const out: Record<string, string[]> = {};
  for (const m of text.matchAll(/^(llm_classifier_pack_(?:info|size_bytes|load_seconds))\{([^}]*)\} /gm)) {
    (out[m[1]!] ??= []).push(m[2]!);
  }
  for (const k of Object.keys(out)) out[k]!.sort();
  return out;
}
const packNames = (series: string[] | undefined) => (series ?? []).map((l) => /pack="([^"]*)"/.exec(l)![1]!).sort();

describe('config reload: the pack gauges describe the packs that serve now', () => {
  it('packs a reload unloaded leave the scrape; a reload given up leaves no trace of its packs', async () => {
    const s = await setup(configText('category: domain, extra: [intent]'));
    const served = () => s.live.current().classifiers.info().map((p) => p.name).sort();
    const first = await packGauges(s);
    expect(packNames(first.llm_classifier_pack_info)).toEqual(served());
    expect(packNames(first.llm_classifier_pack_info)).toContain('intent');

    expect(await s.live.reload('test', configText('category: domain, jailbreak: jailbreak'))).toBe(true);
    const second = await packGauges(s);
    expect(served()).toContain('jailbreak');
    expect(served()).not.toContain('intent');
    for (const name of ['llm_classifier_pack_info', 'llm_classifier_pack_size_bytes', 'llm_classifier_pack_load_seconds']) {
      expect(packNames(second[name]), name).toEqual(served());
    }

    // A reload that does not touch the packs keeps the gauges as they are.
    expect(await s.live.reload('test', configText('category: domain, jailbreak: jailbreak', 'session_key: x-other\n'))).toBe(true);
    expect(await packGauges(s)).toEqual(second);

    // Shut down while other packs load: the reload is given up and the gauges still show the serving ones.
    const during = s.live.reload('test', configText('category: domain, extra: [intent]'));
    await sleep(5);
    s.live.stop();
    expect(await during).toBe(false);
    expect(await packGauges(s)).toEqual(second);
  }, 30_000);
});

describe('config reload: a cache write after the answer ended keeps the replaced cache open', () => {
  const url = inject('redisUrl');
  const cacheSection = (prefix: string) =>
    `semantic_cache: { enabled: true, backend_type: redis, similarity_threshold: 0.99, redis: { url: "${url}", key_prefix: "${prefix}" } }\n`;
  const packs = 'category: domain, embedding: embedding';
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(url);
  });
  afterAll(() => redis?.quit());

  /** The write is parked, the reload replaces the cache; the write must still reach Redis, then the old cache goes. */
  async function reloadDuringWrite(s: Setup, prefix: string): Promise<void> {
    await s.gate.reached();
    await sleep(50); // the exchange is over: a generation not held by the write would be freed now
    expect(await s.live.reload('test', configText(packs, cacheSection(`${prefix}new:`)))).toBe(true);
    await sleep(100);
    expect(freedLines(s.logger), 'the replaced cache is not closed under the write').toHaveLength(0);
    s.gate.open();
    await until(() => freedLines(s.logger).length === 1, 'the free of the replaced cache');
    expect(freedLines(s.logger)[0]!.obj.freed).toEqual(['cache']);
    expect(await redis.zcard(`${prefix}ids`), 'the entry reached Redis').toBe(1);
    expect(s.live.metrics.value('llm_cache_backend_errors_total', { backend: 'redis', operation: 'publish_add' }) ?? 0).toBe(0);
  }

  it('gateway: a streamed answer stored after it ended', async () => {
    const prefix = `semroute:reload-left:${randomUUID()}:`;
    const s = await setup(configText(packs, cacheSection(prefix)));
    const res = await fetch(`http://127.0.0.1:${s.served.port}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'MoM', stream: true, messages: [{ role: 'user', content: 'Why is the sky blue during the day?' }] }),
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('data: [DONE]');
    await reloadDuringWrite(s, prefix);
  }, 30_000);

  it('ext_proc: a streamed answer stored after its last body message', async () => {
    const prefix = `semroute:reload-left:${randomUUID()}:`;
    const s = await setup(configText(packs, cacheSection(prefix)), { extproc: true });
    const envoy = new EnvoyClient(`127.0.0.1:${s.ext!.port}`);
    cleanup.push(() => envoy.close());
    const st = envoy.open();
    await st.send(requestHeaders({ ':method': 'POST', ':path': '/v1/chat/completions', 'content-type': 'application/json' }));
    const b = await st.send(requestBody(JSON.stringify({ model: 'MoM', stream: true, messages: [{ role: 'user', content: 'How do tides work on Earth?' }] })));
    expect(b.response).toBe('request_body');
    await st.send(responseHeaders({ ':status': '200', 'content-type': 'text/event-stream' }));
    const sse = completionChunks('chatcmpl-1', 'model-a', 1700000000, 9, false).map((p) => `data: ${p}\n\n`).join('');
    await st.send(responseBody(sse, true));
    st.end();
    await st.closed;
    await reloadDuringWrite(s, prefix);
  }, 30_000);
});
