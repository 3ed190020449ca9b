import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { otlpTracesUrl, setupNodeTracing, type NodeTracing } from '../../runtimes/node/tracing.ts';
import {
  ATTR,
  SPAN,
  activeTraceId,
  injectTraceHeaders,
  parseTraceparent,
  withRequestSpan,
  withSpan,
} from '../../src/observability/tracing.ts';

const cfg = (tracing: Record<string, unknown>) => ({ default_model: 'q', observability: { tracing } }) as never;

let tracing: NodeTracing | undefined;
afterEach(async () => {
  await tracing?.shutdown();
  tracing = undefined;
});

const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';

describe('tracing', () => {
  it('builds the reference span tree under the caller trace and propagates traceparent upstream', async () => {
    tracing = setupNodeTracing(cfg({ enabled: true, exporter: { type: 'memory' } }));
    const exporter = tracing.memoryExporter!;
    let upstreamHeaders: Record<string, string> = {};
    let traceIdInside: string | undefined;

    await withRequestSpan({ traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` }, { [ATTR.REQUEST_ID]: 'r1' }, async (root) => {
      traceIdInside = activeTraceId();
      await withSpan(SPAN.JAILBREAK, { [ATTR.JAILBREAK_DETECTED]: false }, () => sleep(2));
      await withSpan(SPAN.CACHE_LOOKUP, { [ATTR.CACHE_HIT]: false }, async () => {});
      await withSpan(SPAN.CLASSIFICATION, { [ATTR.CATEGORY_NAME]: 'math' }, async () => {
        await sleep(1);
      });
      await withSpan(SPAN.ROUTING, { [ATTR.ROUTING_SELECTED_MODEL]: 'qwen3' }, async () => {
        await withSpan(SPAN.PII, { [ATTR.PII_DETECTED]: false }, async () => {});
      });
      await withSpan(SPAN.UPSTREAM, { [ATTR.MODEL_NAME]: 'qwen3' }, async () => {
        await sleep(1);
        upstreamHeaders = injectTraceHeaders({ 'content-type': 'application/json' });
      });
      root.setAttribute(ATTR.HTTP_STATUS, 200);
    });

    const spans = exporter.getFinishedSpans();
    const byName = new Map(spans.map((s) => [s.name, s]));
    expect([...byName.keys()].sort()).toEqual(
      [SPAN.REQUEST, SPAN.JAILBREAK, SPAN.CACHE_LOOKUP, SPAN.CLASSIFICATION, SPAN.ROUTING, SPAN.PII, SPAN.UPSTREAM].sort(),
    );
    const root = byName.get(SPAN.REQUEST)!;
    expect(root.kind).toBe(SpanKind.SERVER);
    expect(root.spanContext().traceId).toBe(CALLER_TRACE);
    expect(root.parentSpanContext?.spanId).toBe(CALLER_SPAN);
    expect(traceIdInside).toBe(CALLER_TRACE);
    for (const name of [SPAN.JAILBREAK, SPAN.CACHE_LOOKUP, SPAN.CLASSIFICATION, SPAN.ROUTING, SPAN.UPSTREAM]) {
      const s = byName.get(name)!;
      expect(s.spanContext().traceId).toBe(CALLER_TRACE);
      expect(s.parentSpanContext?.spanId, name).toBe(root.spanContext().spanId);
    }
    expect(byName.get(SPAN.PII)!.parentSpanContext?.spanId).toBe(byName.get(SPAN.ROUTING)!.spanContext().spanId);
    expect(byName.get(SPAN.CLASSIFICATION)!.attributes[ATTR.CATEGORY_NAME]).toBe('math');

    const upstream = byName.get(SPAN.UPSTREAM)!;
    const tp = parseTraceparent(upstreamHeaders.traceparent)!;
    expect(tp).toEqual({ traceId: CALLER_TRACE, spanId: upstream.spanContext().spanId, traceFlags: 1 });
    expect(upstreamHeaders['content-type']).toBe('application/json');
  });

  it('starts a new trace without a traceparent and marks failed spans without leaking the message', async () => {
    tracing = setupNodeTracing(cfg({ enabled: true, exporter: { type: 'memory' } }));
    await expect(
      withRequestSpan({ traceparent: 'garbage' }, {}, () =>
        withSpan(SPAN.CLASSIFICATION, {}, () => {
          throw new TypeError('prompt said: my ssn is 078-05-1120');
        }),
      ),
    ).rejects.toThrow(TypeError);
    const spans = tracing.memoryExporter!.getFinishedSpans();
    const root = spans.find((s) => s.name === SPAN.REQUEST)!;
    expect(root.parentSpanContext).toBeUndefined();
    const failed = spans.find((s) => s.name === SPAN.CLASSIFICATION)!;
    expect(failed.status).toEqual({ code: SpanStatusCode.ERROR, message: 'TypeError' });
    expect(JSON.stringify(spans.map((s) => [s.attributes, s.events, s.status]))).not.toContain('078-05');
  });

  it('records nothing with sampling always_off, and nothing at all when tracing is disabled', async () => {
    tracing = setupNodeTracing(cfg({ enabled: true, exporter: { type: 'memory' }, sampling: { type: 'always_off' } }));
    const headers: Record<string, string> = {};
    await withRequestSpan({}, {}, () => withSpan(SPAN.UPSTREAM, {}, () => injectTraceHeaders(headers)));
    expect(tracing.memoryExporter!.getFinishedSpans()).toHaveLength(0);
    await tracing.shutdown();

    tracing = setupNodeTracing(cfg({ enabled: false, exporter: { type: 'memory' } }));
    expect(tracing.enabled).toBe(false);
    const h2: Record<string, string> = {};
    await withRequestSpan({}, {}, () => withSpan(SPAN.UPSTREAM, {}, () => injectTraceHeaders(h2)));
    expect(h2.traceparent).toBeUndefined();
  });

  it('exports over OTLP/HTTP to a collector endpoint', async () => {
    const received: Array<{ url: string; type: string; body: string }> = [];
    const collector = createServer(async (req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      received.push({ url: req.url ?? '', type: String(req.headers['content-type']), body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((r) => collector.listen(0, '127.0.0.1', r));
    const port = (collector.address() as AddressInfo).port;
    try {
      tracing = setupNodeTracing(
        cfg({
          enabled: true,
          exporter: { type: 'otlp', endpoint: `127.0.0.1:${port}`, insecure: true },
          resource: { service_name: 'semroute-test' },
        }),
      );
      await withRequestSpan({}, { [ATTR.REQUEST_ID]: 'otlp-1' }, () => withSpan(SPAN.ROUTING, {}, async () => {}));
      await tracing.forceFlush();
      expect(received.length).toBeGreaterThan(0);
      expect(received[0]!.url).toBe('/v1/traces');
      const all = received.map((r) => r.body).join('\n');
      expect(all).toContain(SPAN.REQUEST);
      expect(all).toContain(SPAN.ROUTING);
      expect(all).toContain('semroute-test');
    } finally {
      await tracing?.shutdown();
      tracing = undefined;
      collector.close();
    }
  });

  it('stdout exporter writes one JSON line per span', async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      tracing = setupNodeTracing(cfg({ enabled: true, exporter: { type: 'stdout' }, resource: { service_name: 'svc-x' } }));
      await withRequestSpan({}, { [ATTR.REQUEST_ID]: 'r-json' }, () => withSpan(SPAN.CACHE_LOOKUP, { [ATTR.CACHE_HIT]: true }, () => sleep(1)));
    } finally {
      spy.mockRestore();
    }
    const spans = lines.filter((l) => l.includes('"event":"span"')).map((l) => JSON.parse(l));
    expect(spans.map((s) => s.name)).toEqual([SPAN.CACHE_LOOKUP, SPAN.REQUEST]);
    expect(spans[0]).toMatchObject({ kind: 'internal', parent_span_id: spans[1].span_id, trace_id: spans[1].trace_id, service: 'svc-x', attributes: { 'cache.hit': true } });
    expect(spans[1]).toMatchObject({ kind: 'server', attributes: { 'request.id': 'r-json' } });
    expect(spans[0].duration_ms).toBeGreaterThan(0);
  });

  it('turns the reference endpoint forms into an OTLP/HTTP traces URL', () => {
    expect(otlpTracesUrl('otel-collector:4318', true)).toBe('http://otel-collector:4318/v1/traces');
    expect(otlpTracesUrl('localhost:4317', true)).toBe('http://localhost:4318/v1/traces');
    expect(otlpTracesUrl('collector.example:443', false)).toBe('https://collector.example/v1/traces');
    expect(otlpTracesUrl('https://x.example/otlp/v1/traces', true)).toBe('https://x.example/otlp/v1/traces');
  });

  it('parses traceparent strictly', () => {
    expect(parseTraceparent(`00-${CALLER_TRACE}-${CALLER_SPAN}-01`)).toEqual({ traceId: CALLER_TRACE, spanId: CALLER_SPAN, traceFlags: 1 });
    expect(parseTraceparent(`00-${'0'.repeat(32)}-${CALLER_SPAN}-01`)).toBeUndefined();
    expect(parseTraceparent(`00-${CALLER_TRACE}-${'0'.repeat(16)}-01`)).toBeUndefined();
    expect(parseTraceparent(`ff-${CALLER_TRACE}-${CALLER_SPAN}-01`)).toBeUndefined();
    expect(parseTraceparent(`00-${CALLER_TRACE}-${CALLER_SPAN}-01-extra`)).toBeUndefined();
    expect(parseTraceparent(`01-${CALLER_TRACE}-${CALLER_SPAN}-01-future`)).toBeDefined();
    expect(parseTraceparent('00-xyz')).toBeUndefined();
  });
});
