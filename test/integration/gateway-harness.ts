// Starts a real gateway (createApp on a socket, node:http upstream client) in front of the real mock
// Production Stack router, for the gateway-*.test.ts files.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createApp } from '../../src/app.ts';
import { loadDefaultConfig, validateConfig } from '../../src/config/index.ts';
import type { Config } from '../../src/config/schema.ts';
import type { Classifiers } from '../../src/classify/types.ts';
import type { Logger } from '../../src/observability/types.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { buildNodeDeps, loadNodeClassifiers } from '../../runtimes/node/deps.ts';
import { serveFetch, type Served } from '../../runtimes/node/serve.ts';
import { startMockServer, type MockServer } from '../../runtimes/node/mock-server.ts';
import type { MockOptions } from '../../src/mock/router.ts';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const SHARED = fileURLToPath(new URL('../../../shared/', import.meta.url));
export const packsAvailable = () => existsSync(`${REPO}models/domain/manifest.json`);

export interface LogCapture extends Logger {
  lines: Array<{ level: string; obj: Record<string, unknown>; msg?: string }>;
}

export function captureLogger(): LogCapture {
  const lines: LogCapture['lines'] = [];
  const at = (level: string) => (obj: object, msg?: string) => void lines.push({ level, obj: obj as Record<string, unknown>, msg });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export const EMPTY_CLASSIFIERS: Classifiers = { sequence: () => undefined, pii: () => undefined, embedder: () => undefined, info: () => [] };

/** The bundled default config with `overrides` merged on top (one level deep per section) and the mock as upstream. */
export function testConfig(overrides: Record<string, unknown> = {}, endpoints?: Array<Record<string, unknown>>): Config {
  const base = structuredClone(loadDefaultConfig().config) as unknown as Record<string, unknown>;
  const merged: Record<string, unknown> = { ...base, prompt_guard: { enabled: false }, semantic_cache: { enabled: false } };
  for (const [k, v] of Object.entries(overrides)) {
    const cur = merged[k];
    merged[k] = v && typeof v === 'object' && !Array.isArray(v) && cur && typeof cur === 'object' && !Array.isArray(cur) ? { ...cur, ...v } : v;
  }
  if (endpoints) merged.vllm_endpoints = endpoints;
  return validateConfig(merged, 'test config').config;
}

let shared: Promise<Classifiers> | undefined;
/** The real packs through real onnxruntime-node, loaded once per test file. */
export function realClassifiers(config: Config = loadDefaultConfig().config): Promise<Classifiers> {
  shared ??= loadNodeClassifiers(config, captureLogger());
  return shared;
}

/** POST a JSON body to the gateway; status and parsed JSON answer. */
export async function postJson(url: string, path: string, body: unknown): Promise<{ status: number; json: Record<string, any> }> {
  const res = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, any> };
}

export interface Gateway {
  url: string;
  mock: MockServer;
  served: Served;
  logs: LogCapture;
  metrics: ReturnType<typeof createMetrics>;
  config: Config;
  close(): Promise<void>;
}

export async function startGateway(opts: {
  config?: (mockPort: number) => Config;
  classifiers?: Classifiers;
  mock?: MockOptions;
} = {}): Promise<Gateway> {
  const mock = await startMockServer({ options: opts.mock });
  const config = opts.config
    ? opts.config(mock.port)
    : testConfig({}, [{ name: 'production-stack', address: '127.0.0.1', port: mock.port, weight: 1 }]);
  const logs = captureLogger();
  const metrics = createMetrics({ config });
  const deps = await buildNodeDeps(config, { classifiers: opts.classifiers ?? EMPTY_CLASSIFIERS, logger: logs, metrics, noCache: true });
  const served = await serveFetch(createApp(deps).fetch, { port: 0 });
  return {
    url: served.url,
    mock,
    served,
    logs,
    metrics,
    config,
    async close() {
      await served.close();
      await deps.close();
      await mock.close();
    },
  };
}

/** A request over node:http, for what fetch refuses to send (hop-by-hop headers, lying content-length, chunked bodies). */
export function rawRequest(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer; chunks?: Array<string | Buffer> } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return import('node:http').then(
    (http) =>
      new Promise((resolve, reject) => {
        const req = http.request(url, { method: opts.method ?? 'POST', headers: opts.headers, agent: false }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
          res.on('error', reject);
        });
        req.on('error', reject);
        if (opts.chunks) {
          for (const c of opts.chunks) req.write(c);
          req.end();
        } else req.end(opts.body);
      }),
  );
}
