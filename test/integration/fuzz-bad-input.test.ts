// Issue #3 "Bad input", fuzzed: seeded mutations of valid requests to every route of a real Node
// gateway (real packs, guard on, pii_policy deny on two models, semantic cache on, the mock as
// upstream, over real sockets). Oracle: no 5xx but the documented ones, every error OpenAI-shaped,
// no stack trace or internal path in a body, the server answers /health after every batch, and the
// PII the valid bodies carry never reaches a log line or the metrics. FUZZ_SEED / FUZZ_N widen it.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { buildNodeDeps } from '../../runtimes/node/deps.ts';
import { serveFetch, type Served } from '../../runtimes/node/serve.ts';
import { startMockServer, type MockServer } from '../../runtimes/node/mock-server.ts';
import { captureLogger, realClassifiers, testConfig, type LogCapture } from './gateway-harness.ts';
import { rng } from './fuzz-mutate.ts';
import { fuzzCase, judge, type Answer } from './fuzz-cases.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20261207);
const N = Number(process.env.FUZZ_N ?? 400);
const LIMIT = 256 * 1024;
let mock: MockServer;
let served: Served;
let logs: LogCapture;
let metricsText: () => string;
let closeDeps: () => Promise<void>;
const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });

beforeAll(async () => {
  mock = await startMockServer();
  const deny = (action: string) => ({ pii_policy: { allow_by_default: false, pii_types_allowed: [], action, restore: true } });
  const config = testConfig(
    {
      server: { max_body_bytes: LIMIT },
      prompt_guard: { enabled: true, threshold: 0.7, scan_roles: ['user', 'tool'] },
      semantic_cache: { enabled: true },
      model_config: { ...testConfig().model_config, 'gpt-oss-20b': deny('redact'), 'deepseek-v3': deny('block') },
    },
    [{ name: 'production-stack', address: '127.0.0.1', port: mock.port, weight: 1 }],
  );
  logs = captureLogger();
  const metrics = createMetrics({ config });
  metricsText = () => metrics.render();
  const deps = await buildNodeDeps(config, { classifiers: await realClassifiers(), logger: logs, metrics });
  closeDeps = () => deps.close();
  served = await serveFetch(createApp(deps).fetch, { port: 0 });
}, 120_000);
afterAll(async () => {
  agent.destroy();
  await served?.close();
  await closeDeps?.();
  await mock?.close();
});

function send(method: string, path: string, headers: Record<string, string | string[]>, body?: Uint8Array): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: served.port, method, path, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

const health = () => send('GET', '/health', {});

describe('bad-input fuzz (Node gateway)', () => {
  it(`${N} seeded mutations (seed ${SEED}): no 500, OpenAI-shaped errors, still serving`, async () => {
    const r = rng(SEED);
    const failures: string[] = [];
    const cases = new Map<string, string>();
    const statuses = new Map<number, number>();
    for (let i = 0; i < N; i += 8) {
      const batch = Array.from({ length: Math.min(8, N - i) }, (_, j) => ({ i: i + j, c: fuzzCase(r) }));
      await Promise.all(
        batch.map(async ({ i: n, c }) => {
          c.headers['x-request-id'] ??= `fz-${n}`;
          cases.set(`fz-${n}`, `${c.method} ${c.what}`);
          const a = await send(c.method, c.path, c.headers, c.body).catch((e: Error) => ({ status: -1, headers: {}, body: `socket: ${e.message}` }));
          statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
          const bad = a.status === -1 ? a.body : judge(c.method, a);
          if (bad) failures.push(`#${n} ${c.method} ${c.what}: ${bad}`);
        }),
      );
      const h = await health();
      if (h.status !== 200) failures.push(`after #${i}: /health ${h.status}`);
    }
    console.log(`[fuzz] seed ${SEED}, ${N} requests: statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
    // pii_policy: the two restricted models never get the body's PII (redacted or refused), also after a
    // byte-level change lands in a key: a misspelled key ("conTent", "inpwt") is scanned as any unknown
    // field, and a passed-through body that is not UTF-8 is refused (unread-strings.ts, passthrough-guard.ts).
    const leaked = mock.mock.requests.filter((q) => ['gpt-oss-20b', 'deepseek-v3'].includes(q.model) && /fuzzmark|555-0199/.test(q.raw));
    for (const q of leaked.slice(0, 5)) failures.push(`PII reached ${q.model} on ${q.path} (${cases.get(q.headers['x-request-id'] ?? '')}): ${q.raw.slice(0, 400)}`);
    expect(failures.slice(0, 20)).toEqual([]);
    const logged = logs.lines.map((l) => JSON.stringify(l)).join('\n') + metricsText();
    expect(logged).not.toContain('fuzzmark');
    expect(logged).not.toContain('555-0199');
  }, 600_000);
});
