// A client that leaves a stream after its first event, on Node and on the Worker (parityYaml): the
// upstream request is cancelled (its socket closes) on both, whether the answer passes through the
// cache tap, the PII restore tap or a passthrough path, and both log and count it as a cancellation.
// The Worker side cancels the answer's body as a caller of its fetch handler does; what workerd itself
// does when a client disconnects (cancels the upstream, tells the Worker nothing) and a client leaving
// a non-streamed request: runtimes/worker/README.md, "Same answers as Node, and where they cannot be".
import { createExecutionContext } from 'cloudflare:test';
import { describe, expect, inject, it } from 'vitest';
import worker from '../../runtimes/worker/index.ts';
import { until } from '../integration/helpers/until.ts';
import { captureWorkerLogLines, nodeUrl, upstreamClosed, parityEnv } from './parity-client.ts';

const stallUrl = inject('stallUrl');


/** The request log line without what differs per request and runtime (and the latencies' values). */
function requestLine(lines: Array<Record<string, unknown>>, id: string) {
  const l = lines.find((x) => x.event === 'request' && x.request_id === id);
  if (!l) return undefined;
  const { time: _t, request_id: _r, runtime: _rt, latency_ms, ...rest } = l as Record<string, unknown> & { latency_ms?: object };
  return { ...rest, latency_ms: Object.keys(latency_ms ?? {}).sort() };
}

/** Reads the first chunk of the answer, then leaves. */
async function leaveAfterFirst(res: Response): Promise<string> {
  const reader = res.body!.getReader();
  const first = await reader.read();
  await reader.cancel();
  return new TextDecoder().decode(first.value);
}

const cancellations = (metrics: string, model: string) =>
  Number(metrics.match(new RegExp(`^llm_request_errors_total\\{model="${model}",reason="cancellation"\\} (\\S+)$`, 'm'))?.[1] ?? 0);

const MAIL = 'Please write to jane.doe@example.com about the meeting';
const CASES: Array<[string, string, string, Record<string, unknown>]> = [
  ['chat stream (cache tap)', '/v1/chat/completions', 'leave-body', { messages: [{ role: 'user', content: 'hi' }] }],
  ['chat stream (PII restore tap)', '/v1/chat/completions', 'leave-redact', { messages: [{ role: 'user', content: MAIL }] }],
  ['passthrough stream', '/v1/completions', 'leave-body', { prompt: 'hi' }],
];

describe('Node vs Worker: a client that leaves a stream', () => {
  it.each(CASES)('%s: upstream cancelled, logged and counted as a cancellation on both', async (_name, path, model, extra) => {
    const init = (id: string): RequestInit => ({
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': id, 'x-stall-id': id },
      body: JSON.stringify({ model, stream: true, ...extra }),
    });
    // parityYaml's 10 s upstream timeouts (parityYaml says why): a 1 s idle timeout firing in a starved
    // process before the client's cancel reached the gateway would end the stream as an idle timeout.
    const base = await nodeUrl();
    const nodeId = `node-${crypto.randomUUID()}`;
    const workerId = `worker-${crypto.randomUUID()}`;
    const nodeMetrics = async () => (await fetch(`${base}/metrics`)).text();
    const workerMetrics = async () => (await (await worker.fetch(new Request('https://semroute.test/metrics'), parityEnv, createExecutionContext())).text());

    const nodeLogs = async () => (await (await fetch(`${stallUrl}/node-logs`)).json()) as Array<Record<string, unknown>>;
    const n0 = cancellations(await nodeMetrics(), model);
    expect(await leaveAfterFirst(await fetch(`${base}${path}`, init(nodeId)))).toContain('first');
    expect(await upstreamClosed(nodeId, 5000)).toBe(true);
    // The count and the log line come as the cancel is handled, which may be after the upstream
    // socket closed (a fixed 100 ms was the wait before): polled, then checked exactly.
    await until(async () => cancellations(await nodeMetrics(), model) > n0 && requestLine(await nodeLogs(), nodeId) !== undefined, 5000).catch(() => {});
    expect(cancellations(await nodeMetrics(), model)).toBe(n0 + 1);
    const nodeLine = requestLine(await nodeLogs(), nodeId);
    expect(nodeLine).toMatchObject({ error_reason: 'cancellation' });

    const { lines, restore } = captureWorkerLogLines();
    try {
      const w0 = cancellations(await workerMetrics(), model);
      const res = await worker.fetch(new Request(`https://semroute.test${path}`, init(workerId)), parityEnv, createExecutionContext());
      expect(await leaveAfterFirst(res)).toContain('first');
      expect(await upstreamClosed(workerId, 5000)).toBe(true);
      await until(async () => cancellations(await workerMetrics(), model) > w0 && requestLine(lines, workerId) !== undefined, 5000).catch(() => {});
      expect(cancellations(await workerMetrics(), model)).toBe(w0 + 1);
      expect(requestLine(lines, workerId)).toEqual(nodeLine);
    } finally {
      restore();
    }
  });
});
