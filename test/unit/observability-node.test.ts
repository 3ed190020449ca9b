import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeLogger } from '../../runtimes/node/logger.ts';
import { startMetricsServer, type MetricsServer } from '../../runtimes/node/metrics-server.ts';
import { registerProcessMetrics, type ProcessMetricsHandle } from '../../runtimes/node/process-metrics.ts';
import { createMetrics, PROMETHEUS_CONTENT_TYPE } from '../../src/observability/metrics.ts';
import { buildRequestLog } from '../../src/observability/request-log.ts';
import { ensurePromtool, promtool } from '../fixtures/promtool.ts';

describe('metrics server and process metrics', () => {
  const metrics = createMetrics();
  let server: MetricsServer;
  let proc: ProcessMetricsHandle;

  beforeAll(async () => {
    ensurePromtool();
    proc = registerProcessMetrics(metrics);
    server = await startMetricsServer(metrics, { port: 0, host: '127.0.0.1' });
  }, 300_000);
  afterAll(async () => {
    proc.stop();
    await server.close();
  });

  it('serves /metrics over a real socket with process metrics that promtool accepts', async () => {
    metrics.inc('llm_model_requests_total', { model: 'qwen3' });
    // Burn a little CPU and block the loop so CPU and lag are non-zero.
    const until = Date.now() + 30;
    while (Date.now() < until);
    await new Promise((r) => setTimeout(r, 20));
    const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(PROMETHEUS_CONTENT_TYPE);
    const text = await res.text();
    expect(text).toContain('llm_model_requests_total{model="qwen3"} 1');
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
    expect(value('process_cpu_seconds_total')).toBeGreaterThan(0.02);
    expect(value('process_resident_memory_bytes')).toBeGreaterThan(10 * 1024 * 1024);
    expect(value('process_start_time_seconds')).toBeGreaterThan(Date.now() / 1000 - 3600);
    expect(value('nodejs_eventloop_lag_max_seconds')).toBeGreaterThan(0.01);
    expect(value('process_open_fds')).toBeGreaterThan(0);
    const r = promtool(['check', 'metrics'], text);
    expect(r.output).toBe('');
    expect(r.status).toBe(0);
  });

  it('answers other paths and methods with 404 / 405', async () => {
    expect((await fetch(`http://127.0.0.1:${server.port}/`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${server.port}/metrics`, { method: 'POST', body: 'x' })).status).toBe(405);
    const head = await fetch(`http://127.0.0.1:${server.port}/metrics`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('content-length'))).toBeGreaterThan(100);
  });
});

function capture(): { stream: Writable; lines: () => Array<Record<string, unknown>> } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
  };
}

describe('node logger', () => {
  const ctx = {
    requestId: 'r-9',
    headers: {},
    body: { model: 'MoM', messages: [] },
    requestedModel: 'MoM',
    stream: true,
    texts: { latestUser: 'call me at 555-867-5309', user: [], system: [], assistant: [], tool: [] },
    responseHeaders: {},
    taps: [],
    startedMs: 0,
  };

  it('writes one JSON line per call with level label, time and service, at the configured level', () => {
    const out = capture();
    const log = createNodeLogger({ default_model: 'q', observability: { logging: { level: 'warn' } } } as never, {
      destination: out.stream,
    });
    log.info({ a: 1 }, 'hidden');
    log.warn({ b: 2 }, 'shown');
    const lines = out.lines();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'warn', service: 'semroute', b: 2, msg: 'shown' });
    expect(typeof lines[0]!.time).toBe('string');
  });

  it('redacts prompt text and credentials unless debug_log_prompts, and credentials always', () => {
    const out = capture();
    const log = createNodeLogger({ default_model: 'q' } as never, { destination: out.stream });
    log.info({ ...buildRequestLog({ ctx, status: 200, outcome: 'upstream', nowMs: 5 }, undefined, ), messages: [{ content: 'secret prompt' }] });
    log.info({ headers: { authorization: 'Bearer sk-123' }, body: { prompt: 'secret prompt' } });
    const text = JSON.stringify(out.lines());
    expect(text).not.toContain('secret prompt');
    expect(text).not.toContain('sk-123');
    expect(text).not.toContain('867-5309');
    expect(out.lines()[0]).toMatchObject({ event: 'request', request_id: 'r-9', requested_model: 'MoM' });

    const dbg = capture();
    const config = { default_model: 'q', observability: { logging: { debug_log_prompts: true } } } as never;
    const debugLog = createNodeLogger(config, { destination: dbg.stream });
    debugLog.info({ ...buildRequestLog({ ctx, status: 200, outcome: 'upstream', nowMs: 5 }, config), authorization: 'Bearer sk-123' });
    const dbgText = JSON.stringify(dbg.lines());
    expect(dbgText).toContain('867-5309');
    expect(dbgText).not.toContain('sk-123');
  });
});
