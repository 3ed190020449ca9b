// OTLP over gRPC (TraceService/Export), the reference's exporter: for collectors that take gRPC only,
// such as a Service exposing 4317 alone. The request is the OTLP protobuf that
// @opentelemetry/otlp-transformer encodes (what the official gRPC exporter sends), over a plain
// grpc-js unary call with byte passthrough, so no .proto files are loaded. grpc-js loads on the first
// export: a gateway that never traces this way pays nothing for it at start-up.
import type { Client, Metadata } from '@grpc/grpc-js';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';

type ExportResult = Parameters<SpanExporter['export']>[1] extends (r: infer R) => void ? R : never;
/** ExportResultCode of @opentelemetry/core (not a direct dependency here). */
const SUCCESS = 0;
const FAILED = 1;
const PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
const same = (b: Buffer): Buffer => b;

export interface OtlpGrpcOptions {
  /** host:port */
  address: string;
  secure: boolean;
  /** Sent as gRPC metadata with every export (authorization, tenant ids). */
  headers?: Record<string, string>;
  /** Per export; the official exporter's default. */
  timeoutMs?: number;
}

export class OtlpGrpcTraceExporter implements SpanExporter {
  private conn?: Promise<{ client: Client; metadata: Metadata }>;
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly opts: OtlpGrpcOptions) {}

  private connect(): Promise<{ client: Client; metadata: Metadata }> {
    this.conn ??= import('@grpc/grpc-js').then((grpc) => {
      const creds = this.opts.secure ? grpc.credentials.createSsl() : grpc.credentials.createInsecure();
      const metadata = new grpc.Metadata();
      for (const [k, v] of Object.entries(this.opts.headers ?? {})) metadata.set(k.toLowerCase(), v);
      return { client: new grpc.Client(this.opts.address, creds), metadata };
    });
    return this.conn;
  }

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    const body = ProtobufTraceSerializer.serializeRequest(spans);
    if (!body) return done({ code: FAILED, error: new Error('the spans could not be encoded') });
    const sent = this.connect().then(
      ({ client, metadata }) =>
        new Promise<void>((resolve) => {
          const deadline = Date.now() + (this.opts.timeoutMs ?? 10_000);
          client.makeUnaryRequest(PATH, same, same, Buffer.from(body), metadata, { deadline }, (err) => {
            done(err ? { code: FAILED, error: err } : { code: SUCCESS });
            resolve();
          });
        }),
      (err: unknown) => done({ code: FAILED, error: err instanceof Error ? err : new Error(String(err)) }),
    );
    this.pending.add(sent);
    void sent.finally(() => this.pending.delete(sent));
  }

  async forceFlush(): Promise<void> {
    await Promise.all(this.pending);
  }

  async shutdown(): Promise<void> {
    await this.forceFlush();
    if (this.conn) (await this.conn).client.close();
  }
}
