// Upstream timeouts on Node and on the Worker, driven with the same requests (parity-upstream.ts,
// parityTimeoutYaml): no head within upstream.timeout_ms 1500 is 504 upstream_timeout; after a head
// that came at once (under a 10 s head timeout: a starved process's overdue head timer must not stand
// in for the idle one), a body that stops for idle_timeout_ms 1000 is 504 upstream_idle_timeout
// (JSON) or the SSE error event after what was sent (stream), read whole (cache tap, PII restore tap)
// or streamed, on the chat route and a passthrough path. Same answer, same llm_request_errors_total,
// same request log line, and the upstream request is given up (its socket closes) on both: a stalled
// upstream holds neither the Node request nor the isolate's.
import { describe, expect, inject, it } from 'vitest';
import type { WorkerEnv } from '../../runtimes/worker/index.ts';
import { captureWorkerLogLines, upstreamClosed, differences, nodeUrl, onNode, onWorker, parityHeadEnv, parityIdleEnv, type Req } from './parity-client.ts';

const stallUrl = inject('stallUrl');

/** The model's error counters that moved between two /metrics texts (other test files run alongside). */
function errorsMoved(before: string, after: string, model: string): string[] {
  const mine = `llm_request_errors_total{model="${model}",`;
  const counts = (t: string) => new Map(t.split('\n').filter((l) => l.startsWith(mine)).map((l) => [l.slice(0, l.lastIndexOf(' ')), Number(l.slice(l.lastIndexOf(' ') + 1))]));
  const a = counts(before);
  return [...counts(after)].filter(([k, v]) => v !== (a.get(k) ?? 0)).map(([k, v]) => `${k} +${v - (a.get(k) ?? 0)}`).sort();
}

/** A request log line without what differs per request and per runtime. */
function logLine(lines: Array<Record<string, unknown>>, requestId: string): Record<string, unknown> | undefined {
  const line = lines.find((l) => l.event === 'request' && l.request_id === requestId);
  if (!line) return undefined;
  const { time: _t, request_id: _r, runtime: _rt, latency_ms, ...rest } = line as Record<string, unknown> & { latency_ms?: Record<string, unknown> };
  // Which latencies were measured, not how long they took.
  return { ...rest, latency_ms: Object.keys(latency_ms ?? {}).sort() };
}


const workerMetrics = async (env: WorkerEnv) => (await onWorker({ path: '/metrics' }, env)).body as string;
const nodeMetrics = async (base: string) => (await fetch(`${base}/metrics`)).text();
const nodeLogs = async () => (await (await fetch(`${stallUrl}/node-logs`)).json()) as Array<Record<string, unknown>>;

const MAIL = 'Please write to jane.doe@example.com about the meeting';
const CASES: Array<[string, string, Record<string, unknown>]> = [
  ['no head: chat JSON', '/v1/chat/completions', { model: 'stall-head', messages: [{ role: 'user', content: 'hi' }] }],
  ['no head: chat stream', '/v1/chat/completions', { model: 'stall-head', stream: true, messages: [{ role: 'user', content: 'hi' }] }],
  ['no head: passthrough', '/v1/completions', { model: 'stall-head', prompt: 'hi' }],
  ['stalled body: chat JSON (cache tap)', '/v1/chat/completions', { model: 'stall-body', messages: [{ role: 'user', content: 'hi' }] }],
  ['stalled body: chat stream (cache tap)', '/v1/chat/completions', { model: 'stall-body', stream: true, messages: [{ role: 'user', content: 'hi' }] }],
  ['stalled body: chat JSON (PII restore tap)', '/v1/chat/completions', { model: 'stall-redact', messages: [{ role: 'user', content: MAIL }] }],
  ['stalled body: chat stream (PII restore tap)', '/v1/chat/completions', { model: 'stall-redact', stream: true, messages: [{ role: 'user', content: MAIL }] }],
  ['head then silence: chat JSON', '/v1/chat/completions', { model: 'stall-silent', messages: [{ role: 'user', content: 'hi' }] }],
  ['head then silence: chat stream', '/v1/chat/completions', { model: 'stall-silent', stream: true, messages: [{ role: 'user', content: 'hi' }] }],
  ['stalled body: passthrough JSON', '/v1/completions', { model: 'stall-body', prompt: 'hi' }],
  ['stalled body: passthrough stream', '/v1/completions', { model: 'stall-body', prompt: 'hi', stream: true }],
  ['head then silence: passthrough stream', '/v1/completions', { model: 'stall-silent', prompt: 'hi', stream: true }],
];

describe('Node vs Worker: a stalled upstream', () => {
  it.each(CASES)('%s', async (_name, path, body) => {
    const ask = (id: string): Req => ({ path, headers: { 'content-type': 'application/json', 'x-request-id': id, 'x-stall-id': id }, body: JSON.stringify(body) });
    const noHead = body.model === 'stall-head';
    const nodeBase = await nodeUrl(noHead ? 'head' : 'idle');
    const env = noHead ? parityHeadEnv : parityIdleEnv;
    const nodeId = `node-${crypto.randomUUID()}`;
    const workerId = `worker-${crypto.randomUUID()}`;

    const { lines, restore } = captureWorkerLogLines();
    try {
      // Both sides at once, each on its own gateway and counters: the file waits out each stall's
      // timeout once, not once per runtime (it took 28 s with the sides one after the other).
      const [node, worker] = await Promise.all([
        (async () => {
          const n0 = await nodeMetrics(nodeBase);
          const seen = await onNode(ask(nodeId), nodeBase);
          // Polled up to 5 s (returns as soon as it closed): under load workerd's close took over 1 s.
          const closed = await upstreamClosed(nodeId, 5000);
          const moved = errorsMoved(n0, await nodeMetrics(nodeBase), String(body.model));
          return { seen, closed, moved, line: logLine(await nodeLogs(), nodeId) };
        })(),
        (async () => {
          const w0 = await workerMetrics(env);
          const seen = await onWorker(ask(workerId), env);
          const closed = await upstreamClosed(workerId, 5000);
          return { seen, closed, moved: errorsMoved(w0, await workerMetrics(env), String(body.model)) };
        })(),
      ]);
      expect(worker.closed).toBe(true);
      expect(node.closed).toBe(true);
      // Each side names the request by the id its client gave.
      expect(differences({ ...node.seen, requestId: node.seen.requestId === nodeId }, { ...worker.seen, requestId: worker.seen.requestId === workerId })).toEqual([]);
      expect(worker.moved).toEqual(node.moved);
      expect(node.moved.length).toBe(1);
      expect(node.line).toBeDefined();
      expect(logLine(lines, workerId)).toEqual(node.line);
    } finally {
      restore();
    }
  });
});
