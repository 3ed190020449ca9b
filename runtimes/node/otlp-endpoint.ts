// Where the OTLP exporter sends (observability.tracing.exporter endpoint and protocol -> an OTLP/HTTP URL
// or an OTLP/gRPC address), and what start-up and --check say about a file that would send spans
// nowhere useful. `jaeger` is sent as otlp, and the ports and paths below are Jaeger's and Zipkin's own APIs,
// which refuse OTLP: each export fails once traffic comes, long after a check said "config OK".
import type { TracingConfig } from '../../src/config/sections/observability.ts';
import type { Logger } from '../../src/observability/types.ts';

/** OTLP/HTTP traces URL from the reference's `endpoint` (host:port or URL). */
export function otlpTracesUrl(endpoint: string, insecure: boolean, logger?: Logger): string {
  let raw = endpoint.trim() || 'localhost:4318';
  if (!/^https?:\/\//i.test(raw)) {
    // The reference's default (localhost:4317) is OTLP/gRPC; this exporter speaks OTLP/HTTP on 4318.
    if (/:4317$/.test(raw)) {
      logger?.warn({ endpoint }, 'tracing: port 4317 is OTLP/gRPC; sending OTLP/HTTP to port 4318 on the same host');
      raw = raw.replace(/:4317$/, ':4318');
    }
    raw = `${insecure ? 'http' : 'https'}://${raw}`;
  }
  const url = new URL(raw);
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/v1/traces';
  return url.toString();
}

/** Where and how spans go: OTLP/HTTP to a URL, or OTLP/gRPC (TraceService/Export) to host:port. */
export type OtlpTarget = { protocol: 'http'; url: string } | { protocol: 'grpc'; address: string; secure: boolean };

/**
 * exporter.protocol, else the port: 4317 is OTLP/gRPC's (the reference's default endpoint, whose
 * exporter is gRPC), so it is no longer rewritten to OTLP/HTTP on 4318. gRPC takes host:port only;
 * TLS follows a URL's scheme, else `insecure` (the reference's meaning).
 */
export function otlpTarget(e: { endpoint: string; insecure: boolean; protocol?: 'grpc' | 'http' }, logger?: Logger): OtlpTarget {
  const raw = e.endpoint.trim() || 'localhost:4318';
  const schemed = /^https?:\/\//i.test(raw);
  const u = new URL(schemed ? raw : `http://${raw}`);
  if ((e.protocol ?? (u.port === '4317' ? 'grpc' : 'http')) === 'http') return { protocol: 'http', url: otlpTracesUrl(raw, e.insecure, logger) };
  const secure = schemed ? u.protocol === 'https:' : !e.insecure;
  return { protocol: 'grpc', address: `${u.hostname}:${u.port || (schemed && secure ? '443' : '4317')}`, secure };
}

/** The URL for a log line or a warning: user and password (https://user:token@collector) left out. */
export function withoutCredentials(url: string): string {
  const u = new URL(url);
  u.username = '';
  u.password = '';
  return u.toString();
}

/** What listens on a port or path that is not OTLP (the ports are the projects' defaults). */
function notOtlp(url: URL): string | undefined {
  const port = url.port;
  if (port === '14268' || /\/api\/traces\/?$/.test(url.pathname)) return "Jaeger's collector API (Thrift over HTTP, port 14268, /api/traces)";
  if (port === '14250') return "Jaeger's collector gRPC port (14250, Jaeger's own protocol)";
  if (port === '6831' || port === '6832') return "the Jaeger agent's UDP port (6831/6832)";
  if (port === '16686') return "Jaeger's UI and query API (16686)";
  if (port === '9411' || /\/api\/v[12]\/spans\/?$/.test(url.pathname)) return "Zipkin's API (port 9411, /api/v2/spans)";
  return undefined;
}

/** The warnings for an enabled otlp or jaeger exporter; none for the others (zipkin: check-startup.ts). */
export function otlpEndpointWarnings(tracing: TracingConfig): string[] {
  const e = tracing.exporter;
  if (!tracing.enabled || (e.type !== 'otlp' && e.type !== 'jaeger')) return [];
  const target = otlpTarget(e);
  const url = target.protocol === 'http' ? withoutCredentials(target.url) : `http://${target.address}`;
  const sent = target.protocol === 'http' ? `OTLP/HTTP to ${url}` : `OTLP/gRPC to ${target.address}`;
  const out: string[] = [];
  if (e.type === 'jaeger') {
    // The reference fails its tracing set-up on jaeger ("unsupported exporter type") and runs untraced.
    out.push(
      'observability.tracing.exporter.type: jaeger is not an exporter of the reference (it takes otlp and stdout, and starts without tracing on jaeger);' +
        ` semroute sends it as otlp, ${sent}, which Jaeger takes on its OTLP receivers (4317 gRPC, 4318 HTTP): write type: otlp`,
    );
  }
  const what = notOtlp(new URL(url));
  if (what) {
    // As written (an operator greps the file for it), without a user:token@ part.
    const written = e.endpoint.trim().replace(/^(https?:\/\/)?[^/@]*@/i, '$1');
    out.push(
      `observability.tracing.exporter.endpoint: ${written} is ${what}, not OTLP: the exporter sends OTLP only, so every export would be refused and no span would arrive;` +
        ' point it at an OTLP receiver (Jaeger 1.35+ and the OpenTelemetry Collector: host:4317 for gRPC, host:4318 for HTTP)',
    );
  }
  return out;
}
