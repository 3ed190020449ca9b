// Config section owned by the observability work; the root schema (src/config/schema.ts) composes the sections.
// `tracing` is the reference's block (vsr.md 1.1) verbatim; `metrics` and `logging` are semroute's additions.
// Objects pass unknown keys through so a vLLM Semantic Router config (e.g. HEAD's windowed_metrics) still loads.
import { z } from 'zod';
import { yamlBool } from '../yaml-bool.ts';

/**
 * What the OTLP exporter can be pointed at (runtimes/node/otlp-endpoint.ts otlpTracesUrl: no scheme means
 * http(s)://); checked here, since a string that is no URL crashed start-up with a TypeError stack.
 */
export function isOtlpEndpoint(endpoint: string): boolean {
  const raw = endpoint.trim();
  if (raw === '') return true; // the default
  try {
    return new URL(/^https?:\/\//i.test(raw) ? raw : `http://${raw}`).hostname !== '';
  } catch {
    return false;
  }
}

/**
 * Exporter types the schema takes (the reference's config names them) whose spans this build does not
 * export: start-up logs it (runtimes/node/tracing.ts) and --check warns (check-startup.ts).
 */
export const UNEXPORTED_TRACE_EXPORTERS: ReadonlySet<string> = new Set(['zipkin']);

export const tracingSection = z
  .object({
    enabled: yamlBool().default(false),
    // openinference / openllmetry are accepted for compatibility; they emit the same OpenTelemetry spans here.
    provider: z.enum(['opentelemetry', 'openinference', 'openllmetry']).default('opentelemetry'),
    exporter: z
      .object({
        // otlp: OTLP over HTTP/protobuf-JSON (port 4318). jaeger is sent as OTLP (Jaeger ingests it natively;
        // the reference refuses it: start-up and --check warn, runtimes/node/otlp-endpoint.ts);
        // zipkin is accepted but not exported (a warning is logged). memory is for tests.
        type: z.enum(['otlp', 'stdout', 'memory', 'jaeger', 'zipkin']).default('stdout'),
        /** host:port or a URL; without a path, /v1/traces is appended (OTLP/HTTP). */
        endpoint: z.string().refine(isOtlpEndpoint, 'host:port or an http(s):// URL, e.g. localhost:4318').default('localhost:4318'),
        // grpc: OTLP/gRPC, the reference's exporter; http: OTLP/HTTP. Unset: grpc on port 4317, else http.
        protocol: z.enum(['grpc', 'http']).optional(),
        insecure: yamlBool().default(true),
        headers: z.record(z.string()).optional(),
      })
      .passthrough()
      .default({}),
    sampling: z
      .object({
        type: z.enum(['always_on', 'always_off', 'probabilistic']).default('always_on'),
        rate: z.number().min(0).max(1).default(1),
      })
      .passthrough()
      .default({}),
    resource: z
      .object({
        service_name: z.string().min(1).default('semroute'),
        service_version: z.string().optional(),
        deployment_environment: z.string().optional(),
      })
      .passthrough()
      .default({}),
  })
  .passthrough();

export const metricsSection = z
  .object({
    enabled: yamlBool().default(true),
    /** Serve /metrics on its own port too (the reference uses 9190); the gateway's /metrics stays. */
    port: z.number().int().min(0).max(65535).optional(),
    /** Series per metric before extra label sets collapse into "other". */
    max_series_per_metric: z.number().int().positive().default(500),
  })
  .passthrough();

export const loggingSection = z
  .object({
    level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
    /** Put the latest user message in the request log line. Debugging only: it may contain PII. */
    debug_log_prompts: yamlBool().default(false),
  })
  .passthrough();

export const observabilitySection = z
  .object({
    tracing: tracingSection.default({}),
    metrics: metricsSection.default({}),
    logging: loggingSection.default({}),
  })
  .passthrough();

export type ObservabilityConfig = z.infer<typeof observabilitySection>;
export type TracingConfig = z.infer<typeof tracingSection>;
