// What the soak (bench/soak.ts) checks after ten minutes, for a few requests of each way to leave: a
// client that drops a stream after its first chunk, one that leaves before the head, an upstream that
// cuts its stream. Afterwards nothing of them is held: llm_inflight_requests 0, no response open in
// the server, no client socket left, each abandoned upstream request cancelled (not left streaming
// into a gateway that forgets it), and the upstream pool's sockets reusable (the next request works).
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countInflight } from '../../runtimes/node/inflight.ts';
import { startGateway, testConfig, type Gateway } from './gateway-harness.ts';
import { MEMORY_TRACING, useMemoryTracing } from './helpers/memory-tracing.ts';
import { until } from './helpers/until.ts';
import { SPAN } from '../../src/observability/tracing.ts';

const N = 8;

/** A streamed chat request over its own socket; `leave` says when the client destroys it. */
function leaving(url: string, headers: Record<string, string>, leave: 'first-chunk' | { afterMs: number } | 'never'): Promise<string> {
  const body = JSON.stringify({ model: 'qwen3', stream: true, messages: [{ role: 'user', content: 'hello there' }] });
  return new Promise((resolve) => {
    const req = http.request(`${url}/v1/chat/completions`, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => {
        text += c.toString();
        if (leave === 'first-chunk') {
          req.destroy();
          resolve('left mid-stream');
        }
      });
      res.on('end', () => resolve(`ended ${res.statusCode}: ${text.length > 0}`));
      res.on('error', () => resolve('cut'));
      res.on('aborted', () => resolve('cut'));
    });
    req.on('error', () => resolve('cut'));
    if (typeof leave === 'object') setTimeout(() => { req.destroy(); resolve('left before the head'); }, leave.afterMs);
    req.end(body);
  });
}

describe('requests that end early leave nothing behind', () => {
  // Tracing on: a request span is held to the answer's end, so one a left stream never ended would
  // stay open (unexported, its trace without a root) for good.
  const traces = useMemoryTracing();
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway({ config: (port) => testConfig(MEMORY_TRACING, [{ name: 'production-stack', address: '127.0.0.1', port }]) });
    countInflight(gw.served.server, gw.metrics);
  });
  afterAll(() => gw.close());

  it('gauge 0, no open response or client socket, the upstream requests cancelled', async () => {
    const outcomes = await Promise.all([
      ...Array.from({ length: N }, () => leaving(gw.url, { 'x-mock-chunk-delay-ms': '200' }, 'first-chunk')),
      ...Array.from({ length: N }, () => leaving(gw.url, { 'x-mock-delay-ms': '5000' }, { afterMs: 150 })),
      ...Array.from({ length: N }, () => leaving(gw.url, { 'x-mock-drop': 'mid' }, 'never')),
    ]);
    expect(outcomes.filter((o) => o === 'left mid-stream')).toHaveLength(N);
    expect(outcomes.filter((o) => o === 'left before the head')).toHaveLength(N);
    const connections = () => new Promise<number>((r) => gw.served.server.getConnections((_e, n) => r(n)));
    // The close events run on the next turns: wait for them, then hold every count to its baseline.
    await until(async () => gw.metrics.value('llm_inflight_requests') === 0 && gw.served.active() === 0 && (await connections()) === 0, 10_000).catch(() => 0);
    expect(gw.metrics.value('llm_inflight_requests')).toBe(0);
    expect(gw.served.active()).toBe(0);
    expect(await connections()).toBe(0);
    // Every request the clients left was cancelled upstream (the mock saw its reader go), none kept streaming.
    const records = gw.mock.mock.requests;
    await until(() => records.filter((r) => r.cancelled).length >= 2 * N, 10_000).catch(() => 0);
    expect(records.filter((r) => r.cancelled)).toHaveLength(2 * N);
    expect(records.filter((r) => !r.cancelled && !r.completed)).toHaveLength(N); // the mock's own mid-stream drops
    // The pool is not left with half-read sockets: a plain request after all that is answered whole.
    expect(await leaving(gw.url, {}, 'never')).toBe('ended 200: true');
    expect(gw.metrics.value('llm_inflight_requests')).toBe(0);
    // Every request's span ended: 3N that ended early and the last one.
    const requestSpans = () => traces.finished().filter((sp) => sp.name === SPAN.REQUEST).length;
    await until(() => requestSpans() >= 3 * N + 1, 10_000).catch(() => 0);
    expect(requestSpans()).toBe(3 * N + 1);
  });
});
