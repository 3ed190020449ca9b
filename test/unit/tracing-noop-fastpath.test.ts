// withSpan skips the OpenTelemetry machinery while no tracer provider is registered, and records
// again as soon as one is (and stops when it is unregistered).
import { describe, expect, it } from 'vitest';
import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { tracingActive, withSpan } from '../../src/observability/tracing.ts';

describe('withSpan without a provider', () => {
  it('runs fn once with a non-recording span, returns its value and passes its errors', async () => {
    expect(tracingActive()).toBe(false);
    let calls = 0;
    const v = await withSpan('x', { a: 1 }, (span) => {
      calls++;
      expect(span.isRecording()).toBe(false);
      span.setAttributes({ b: 2 });
      return 42;
    });
    expect(v).toBe(42);
    expect(calls).toBe(1);
    await expect(withSpan('x', {}, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(withSpan('x', {}, () => { throw new Error('sync boom'); })).rejects.toThrow('sync boom');
  });

  it('records once a provider is registered, and stops after it is unregistered', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    expect(trace.setGlobalTracerProvider(provider)).toBe(true);
    try {
      expect(tracingActive()).toBe(true);
      await withSpan('recorded', { k: 'v' }, (span) => expect(span.isRecording()).toBe(true));
      expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['recorded']);
    } finally {
      trace.disable();
      await provider.shutdown();
    }
    expect(tracingActive()).toBe(false);
    await withSpan('after', {}, (span) => expect(span.isRecording()).toBe(false));
  });
});
