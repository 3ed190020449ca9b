// OpenTelemetry on Node: a tracer provider with the configured exporter and sampler, the
// AsyncLocalStorage context manager (so src/observability/tracing.ts's nested withSpan calls form one
// tree across awaits) and the W3C propagator. With tracing disabled nothing is registered and the
// core's spans stay no-ops.
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  InMemorySpanExporter,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
  type Sampler,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { Config } from '../../src/config/schema.ts';
import { tracingSection, type TracingConfig } from '../../src/config/sections/observability.ts';
import { W3CTraceContext } from '../../src/observability/trace-context.ts';
import { JsonLineSpanExporter } from './json-span-exporter.ts';
import { ReportingSpanExporter } from './span-export-report.ts';
import { otlpEndpointWarnings, otlpTarget, otlpTracesUrl, withoutCredentials } from './otlp-endpoint.ts';
import { OtlpGrpcTraceExporter } from './otlp-grpc-exporter.ts';
import type { Logger } from '../../src/observability/types.ts';

export interface NodeTracing {
  enabled: boolean;
  provider?: BasicTracerProvider;
  /** Set when exporter.type is "memory" (tests, debugging). */
  memoryExporter?: InMemorySpanExporter;
  forceFlush(): Promise<void>;
  /** Flushes, shuts the provider down and unregisters the globals. */
  shutdown(): Promise<void>;
}

export interface NodeTracingOptions {
  logger?: Logger;
  /** Use this exporter instead of the configured one. */
  exporter?: SpanExporter;
  serviceVersion?: string;
  /** The context manager and propagator are registered already (a reload, tracing-reload.ts): only the provider. */
  providerOnly?: boolean;
}

export { otlpTracesUrl };

function sampler(cfg: TracingConfig): Sampler {
  const s = cfg.sampling;
  if (s.type === 'always_off') return new AlwaysOffSampler();
  // A caller's sampled flag wins, as in the reference (ParentBased root sampler).
  const root = s.type === 'probabilistic' ? new TraceIdRatioBasedSampler(s.rate) : new AlwaysOnSampler();
  return new ParentBasedSampler({ root });
}

function exporterFor(cfg: TracingConfig, logger?: Logger): SpanExporter | undefined {
  const e = cfg.exporter;
  switch (e.type) {
    case 'memory':
      return new InMemorySpanExporter();
    case 'stdout':
      return new JsonLineSpanExporter();
    case 'otlp':
    case 'jaeger': {
      // Said before the first export fails: jaeger is no exporter of the reference, and an endpoint that
      // is Jaeger's or Zipkin's own API refuses OTLP (--check says the same, check-startup.ts).
      for (const w of otlpEndpointWarnings(cfg)) logger?.warn({ warning: w }, 'config warning');
      const target = otlpTarget(e, logger);
      const otlp =
        target.protocol === 'grpc'
          ? new OtlpGrpcTraceExporter({ address: target.address, secure: target.secure, headers: e.headers })
          : new OTLPTraceExporter({ url: target.url, headers: e.headers });
      const shown = target.protocol === 'grpc' ? `grpc${target.secure ? 's' : ''}://${target.address}` : withoutCredentials(target.url);
      return logger ? new ReportingSpanExporter(otlp, logger, shown) : otlp;
    }
    default:
      logger?.warn({ exporter: e.type }, 'tracing: exporter type not supported on this build; spans are not exported');
      return undefined;
  }
}

const disabled: NodeTracing = { enabled: false, forceFlush: async () => {}, shutdown: async () => {} };

export function setupNodeTracing(config?: Config, opts: NodeTracingOptions = {}): NodeTracing {
  const raw = (config?.observability as { tracing?: unknown } | undefined)?.tracing;
  const parsed = tracingSection.safeParse(raw ?? {});
  if (!parsed.success) {
    opts.logger?.warn({ issues: parsed.error.issues.length }, 'tracing: invalid observability.tracing; tracing disabled');
    return disabled;
  }
  const cfg = parsed.data;
  if (!cfg.enabled) return disabled;

  const exporter = opts.exporter ?? exporterFor(cfg, opts.logger);
  const processors: SpanProcessor[] = [];
  if (exporter) {
    // Batch for network exporters; memory and stdout export synchronously so tests and humans see spans at once.
    const batch = !(exporter instanceof InMemorySpanExporter || exporter instanceof JsonLineSpanExporter);
    processors.push(batch ? new BatchSpanProcessor(exporter) : new SimpleSpanProcessor(exporter));
  }
  const r = cfg.resource;
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      'service.name': r.service_name,
      ...(r.service_version || opts.serviceVersion ? { 'service.version': r.service_version ?? opts.serviceVersion } : {}),
      ...(r.deployment_environment ? { 'deployment.environment': r.deployment_environment } : {}),
      'telemetry.provider': cfg.provider,
    }),
    sampler: sampler(cfg),
    spanProcessors: processors,
  });

  const registered = opts.providerOnly
    ? [trace.setGlobalTracerProvider(provider)]
    : [
        context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable()),
        propagation.setGlobalPropagator(new W3CTraceContext()),
        trace.setGlobalTracerProvider(provider),
      ];
  if (!registered.every(Boolean)) {
    opts.logger?.warn({}, 'tracing: an OpenTelemetry global was already registered; this setup may not take effect');
  }
  // service_name, not service: every line already carries the logger's service binding, and a key
  // twice in one JSON line is a document Elasticsearch refuses (other shippers keep either value).
  opts.logger?.info(
    { exporter: exporter ? cfg.exporter.type : 'none', sampling: cfg.sampling.type, service_name: r.service_name },
    'tracing enabled',
  );

  return {
    enabled: true,
    provider,
    memoryExporter: exporter instanceof InMemorySpanExporter ? exporter : undefined,
    forceFlush: () => provider.forceFlush(),
    async shutdown() {
      try {
        await provider.shutdown();
      } finally {
        trace.disable();
        propagation.disable();
        context.disable();
      }
    },
  };
}
