// Which OTLP protocol and address an exporter endpoint means (runtimes/node/otlp-endpoint.ts otlpTarget):
// port 4317 is OTLP/gRPC, the reference's default (localhost:4317, its exporter is otlptracegrpc), so
// it is sent gRPC there instead of OTLP/HTTP to :4318; exporter.protocol overrides the port's guess.
import { describe, expect, it } from 'vitest';
import { otlpTarget } from '../../runtimes/node/otlp-endpoint.ts';

const ex = (endpoint: string, more: { protocol?: 'grpc' | 'http'; insecure?: boolean } = {}) => ({ endpoint, insecure: more.insecure ?? true, protocol: more.protocol });

describe('otlpTarget', () => {
  it('port 4317, written as host:port or as a URL, is OTLP/gRPC; TLS from the scheme, else from insecure', () => {
    expect(otlpTarget(ex('localhost:4317'))).toEqual({ protocol: 'grpc', address: 'localhost:4317', secure: false });
    expect(otlpTarget(ex('otel-collector.observability:4317', { insecure: false }))).toEqual({ protocol: 'grpc', address: 'otel-collector.observability:4317', secure: true });
    expect(otlpTarget(ex('https://collector.example:4317'))).toEqual({ protocol: 'grpc', address: 'collector.example:4317', secure: true });
    expect(otlpTarget(ex('http://[::1]:4317'))).toEqual({ protocol: 'grpc', address: '[::1]:4317', secure: false });
  });

  it('any other port is OTLP/HTTP to /v1/traces unless protocol: grpc says otherwise', () => {
    expect(otlpTarget(ex('collector:4318'))).toEqual({ protocol: 'http', url: 'http://collector:4318/v1/traces' });
    expect(otlpTarget(ex('https://x.example/otlp/v1/traces'))).toEqual({ protocol: 'http', url: 'https://x.example/otlp/v1/traces' });
    expect(otlpTarget(ex('collector:9000', { protocol: 'grpc' }))).toEqual({ protocol: 'grpc', address: 'collector:9000', secure: false });
    expect(otlpTarget(ex('collector', { protocol: 'grpc', insecure: false }))).toEqual({ protocol: 'grpc', address: 'collector:4317', secure: true });
    expect(otlpTarget(ex('https://collector.example', { protocol: 'grpc' }))).toEqual({ protocol: 'grpc', address: 'collector.example:443', secure: true });
  });
});
