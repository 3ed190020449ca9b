// Drives the Node gateway (a real socket, this file's own: node-gateways.ts) and the Worker (its fetch
// handler in workerd) with the same request and the same YAML (parity-upstream.ts), and reduces each
// answer to what an operator compares: status, the headers (x-vsr-* and the upstream's passed on),
// whether x-request-id is set, and the body without its per-request parts (ids, timestamps, timings).
import { env, createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { afterAll, inject, vi } from 'vitest';
import worker, { type WorkerEnv } from '../../runtimes/worker/index.ts';

// SEMROUTE_UPSTREAM '' keeps the YAML's endpoints (the mock and the stall upstream), as on Node.
export const parityEnv: WorkerEnv = { ...(env as unknown as WorkerEnv), SEMROUTE_CONFIG: inject('parityYaml'), SEMROUTE_UPSTREAM: '' };
/** The flagging guard's config, served on Node at nodeFlagUrl. */
export const parityFlagEnv: WorkerEnv = { ...parityEnv, SEMROUTE_CONFIG: inject('parityFlagYaml') };
/** node-parity-timeouts' configs (parityTimeoutYaml), served on Node at nodeHeadUrl and nodeIdleUrl. */
export const parityHeadEnv: WorkerEnv = { ...parityEnv, SEMROUTE_CONFIG: inject('parityHeadYaml') };
export const parityIdleEnv: WorkerEnv = { ...parityEnv, SEMROUTE_CONFIG: inject('parityIdleYaml') };

/** The Node gateways a file may ask for: on parityYaml, parityFlagYaml, parityHeadYaml, parityIdleYaml. */
export type NodeConfig = 'parity' | 'flag' | 'head' | 'idle';

// This module is new in each test file (fresh-modules-setup.ts), so these are the file's own: its Node
// gateways start empty (cache, endpoint turns, health, metrics) as its Worker app does, whatever ran before.
const file = crypto.randomUUID();
const gateways = new Map<NodeConfig, Promise<string>>();
const control = () => inject('nodeGatewaysUrl');

/** The base URL of this file's Node gateway on `config` (started at the first ask). */
export function nodeUrl(config: NodeConfig = 'parity'): Promise<string> {
  let url = gateways.get(config);
  if (!url) {
    url = fetch(`${control()}/${file}/${config}`, { method: 'POST' }).then(async (r) => {
      if (!r.ok) throw new Error(`no Node gateway on ${config}: ${r.status} ${await r.text()}`);
      return r.text();
    });
    gateways.set(config, url);
  }
  return url;
}

afterAll(async () => {
  if (gateways.size) await (await fetch(`${control()}/${file}`, { method: 'DELETE' })).text();
});

export interface Req {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface Seen {
  status: number;
  /** Every header but the ones each side computes for itself (date, framing, the request id's value). */
  headers: Record<string, string>;
  requestId: string | null;
  body: unknown;
}

// Framing (content-length: workerd sets it on the wire, not on the Response) and per-answer values.
const OWN = new Set(['date', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'x-request-id']);

// Per-answer values, and what names the runtime itself (the packs' engine and provider, where they
// come from, how long they took to load; the connection header its upstream client sends).
const SCRUBBED = new Set([
  'id', 'created', 'request_id', 'processing_time_ms', 'latency_ms', 'timestamp', 'uptime_seconds',
  'engine', 'provider', 'model_path', 'mapping_path', 'load_time_ms', 'load_time',
]);
// Left out: what only one runtime has (its upstream client's connection header; /info/models'
// system block: runtime name, providers and process memory, which a Worker cannot measure).
const DROPPED = new Set(['connection', 'system']);

/** The body with its per-request parts replaced, JSON or SSE (each event's JSON). */
export function normalize(text: string, type: string): unknown {
  const scrub = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(scrub);
    if (!v || typeof v !== 'object') return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (!DROPPED.has(k)) out[k] = SCRUBBED.has(k) ? '*' : scrub(x);
    return out;
  };
  const parse = (s: string) => {
    try {
      return scrub(JSON.parse(s));
    } catch {
      return s;
    }
  };
  if (type.includes('text/event-stream')) return text.split('\n\n').filter(Boolean).map((e) => parse(e.replace(/^data: /, '')));
  return parse(text);
}

async function seen(res: Response): Promise<Seen> {
  const headers: Record<string, string> = {};
  res.headers.forEach((v, k) => {
    // Both sides' repeated headers joined the same way (workerd iterates each set-cookie on its own).
    if (!OWN.has(k)) headers[k] = headers[k] === undefined ? v : `${headers[k]}, ${v}`;
  });
  const type = res.headers.get('content-type') ?? '';
  let text: string;
  try {
    text = await res.text();
  } catch (err) {
    // An answer cut after its head (Node resets the socket, the Worker errors the stream).
    text = '(cut)';
  }
  return { status: res.status, headers, requestId: res.headers.get('x-request-id'), body: normalize(text, type) };
}

// redirect manual: the client sees a redirect the gateway passed on, as a proxy's client would.
const init = (r: Req): RequestInit => ({ method: r.method ?? (r.body === undefined ? 'GET' : 'POST'), headers: r.headers, body: r.body, redirect: 'manual' });

/** On this file's Node gateway on parityYaml, or at `base` (another gateway: nodeUrl('idle'), the early-answer one). */
export async function onNode(r: Req, base?: string): Promise<Seen> {
  return seen(await fetch(`${base ?? (await nodeUrl())}${r.path}`, init(r)));
}

/** Through the Worker's fetch handler; waits for its waitUntil work (cache stores) as a deployment would. */
export async function onWorker(r: Req, e: WorkerEnv = parityEnv): Promise<Seen> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`https://semroute.test${r.path}`, init(r)), e, ctx);
  const out = await seen(res);
  await waitOnExecutionContext(ctx);
  return out;
}

export const chatReq = (body: Record<string, unknown>, headers: Record<string, string> = {}): Req => ({
  path: '/v1/chat/completions',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

/** Where two answers differ (numbers within 1e-5: float32 WASM vs the CPU provider), as 'path: a != b' lines. */
export function differences(a: unknown, b: unknown, path = ''): string[] {
  if (typeof a === 'number' && typeof b === 'number') return Math.abs(a - b) <= 1e-5 ? [] : [`${path}: ${a} != ${b}`];
  if (a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].flatMap((k) => differences((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [`${path}: ${JSON.stringify(a)?.slice(0, 300)} != ${JSON.stringify(b)?.slice(0, 300)}`];
}

/** The same request on both; the answers' differences (the request id: present on both, a given one kept). */
export async function compare(r: Req, flag = false): Promise<{ node: Seen; worker: Seen; diff: string[] }> {
  const node = await onNode(r, await nodeUrl(flag ? 'flag' : 'parity'));
  const worker = await onWorker(r, flag ? parityFlagEnv : parityEnv);
  const given = r.headers?.['x-request-id'];
  const id = (s: Seen) => (s.requestId === null ? null : given && s.requestId === given ? given : s.requestId ? 'set' : null);
  return { node, worker, diff: differences({ ...node, requestId: id(node) }, { ...worker, requestId: id(worker) }) };
}

/** The Worker's JSON log lines (console.log in workerd) while it runs; restore() puts console.log back. */
export function captureWorkerLogLines(): { lines: Array<Record<string, unknown>>; restore(): void } {
  const lines: Array<Record<string, unknown>> = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((l: unknown) => {
    try {
      lines.push(JSON.parse(String(l)) as Record<string, unknown>);
    } catch {
      // not a log line
    }
  });
  return { lines, restore: () => spy.mockRestore() };
}

/** Whether the stall upstream (parity-upstream.ts) saw request `id`'s socket close within withinMs. */
export async function upstreamClosed(id: string, withinMs: number): Promise<boolean> {
  const t0 = Date.now();
  for (;;) {
    if ((await (await fetch(`${inject('stallUrl')}/closed/${id}`)).text()) === 'true') return true;
    if (Date.now() - t0 > withinMs) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
}
