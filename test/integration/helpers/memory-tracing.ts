// The tracing tests' rig: the Node tracer provider exporting to memory, set up in beforeAll and shut
// down in afterAll of the scope it is called from. Call it before the hooks that start the gateway or
// ext_proc: before-hooks run in order and after-hooks in reverse (vitest's default 'stack'), so the
// provider exists when the server starts and is shut down only after the server has closed.
// requestSpan/traceOf wait for the request span, which ends after the answer has reached the client.
import { afterAll, beforeAll } from 'vitest';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { setupNodeTracing, type NodeTracing } from '../../../runtimes/node/tracing.ts';
import { SPAN } from '../../../src/observability/tracing.ts';
import { testConfig } from '../gateway-harness.ts';

/** The config overrides that turn tracing on with the in-memory exporter. */
export const MEMORY_TRACING = { observability: { tracing: { enabled: true, exporter: { type: 'memory' } } } };

export interface MemoryTraces {
  readonly tracing: NodeTracing;
  /** Every span finished so far. */
  finished(): ReadableSpan[];
  /** The finished request span whose request.id is `requestId` (waits up to 3 s for it to end). */
  requestSpan(requestId: string): Promise<ReadableSpan>;
  /** That span and every finished span of its trace. */
  traceOf(requestId: string): Promise<{ root: ReadableSpan; spans: ReadableSpan[] }>;
}

export function useMemoryTracing(): MemoryTraces {
  let tracing: NodeTracing | undefined;
  beforeAll(() => {
    tracing = setupNodeTracing(testConfig(MEMORY_TRACING));
  });
  afterAll(() => tracing?.shutdown());
  const finished = () => tracing!.memoryExporter!.getFinishedSpans();
  const requestSpan = async (requestId: string): Promise<ReadableSpan> => {
    const deadline = Date.now() + 3000;
    for (;;) {
      const s = finished().find((x) => x.name === SPAN.REQUEST && x.attributes['request.id'] === requestId);
      if (s) return s;
      if (Date.now() > deadline) throw new Error(`no finished request span for ${requestId}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return {
    get tracing() {
      return tracing!;
    },
    finished,
    requestSpan,
    async traceOf(requestId) {
      const root = await requestSpan(requestId);
      return { root, spans: finished().filter((s) => s.spanContext().traceId === root.spanContext().traceId) };
    },
  };
}
