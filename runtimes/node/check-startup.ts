// `--check`: what would stop `npm start` on this file beyond the schema (which --check already
// applies), or leave it never ready. Start-up reads an https endpoint's tls.ca_file and the Redis
// URL's environment variable and exits 1 on either; a check that said only "config OK" let the pod
// crash-loop. Warnings, not failures: the CA file (a mounted Secret) and the variable exist in the
// pod, not necessarily where the check runs (as for a missing packs folder, check-packs.ts).
import { ConfigError } from '../../src/config/index.ts';
import type { Config } from '../../src/config/schema.ts';
import { redisUrl } from './redis-url.ts';
import { endpointTls } from './upstream-tls.ts';
import { UNEXPORTED_TRACE_EXPORTERS } from '../../src/config/sections/observability.ts';
import { otlpEndpointWarnings } from './otlp-endpoint.ts';

const WOULD_NOT_START = '; the server would not start with it here';

export function startupWarnings(config: Config): string[] {
  const out: string[] = [];
  // Start-up takes it (a reload refuses it); the pod would never turn ready.
  if (!config.vllm_endpoints.length) {
    out.push('vllm_endpoints: empty: the server would start, but /ready answers 503 (no vllm_endpoints configured) and chat answers 502 no_endpoint');
  }
  const refused = (fn: () => unknown): void => {
    try {
      fn();
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      out.push(err.message + WOULD_NOT_START);
    }
  };
  // One endpoint at a time: endpointTls stops at the first bad one, the check names each.
  config.vllm_endpoints.forEach((e, i) => {
    refused(() => {
      const one = config.vllm_endpoints.map((x, j) => (j === i ? x : { ...x, tls: undefined }));
      endpointTls({ ...config, vllm_endpoints: one });
    });
  });
  const cache = config.semantic_cache;
  if (cache?.enabled && cache.backend_type === 'redis') refused(() => redisUrl(cache.redis));
  // Start-up takes it and logs one line; a check that said only "config OK" left a rollout without traces.
  const tracing = config.observability?.tracing;
  if (tracing?.enabled && UNEXPORTED_TRACE_EXPORTERS.has(tracing.exporter.type)) {
    out.push(
      `observability.tracing.exporter.type: ${tracing.exporter.type} is not supported on this build: the server would start, but spans are not exported` +
        ' (use otlp: Jaeger and the OpenTelemetry Collector, whose zipkin exporter can forward them, ingest it)',
    );
  }
  // Start-up says these too (tracing.ts), but only once the server starts; the export fails later still.
  if (tracing) out.push(...otlpEndpointWarnings(tracing));
  return out;
}
