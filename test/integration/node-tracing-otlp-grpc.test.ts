// OTLP over gRPC, the reference's exporter (pkg/observability/tracing.go: otlptracegrpc, endpoint
// host:port, insecure for plaintext). semroute spoke OTLP/HTTP only and sent a :4317 endpoint's spans to
// :4318 on the same host, so a collector that takes gRPC alone (a Service that exposes 4317 only, as a
// reference deployment's does) got no span. Now exporter.protocol: grpc (the default for port 4317)
// sends ExportTraceServiceRequest to TraceService/Export. A real gateway process, its exporter aimed at
// a real gRPC server on port 0 (grpc-js, raw bytes: the span names and attributes are plain strings in
// the protobuf), a chat through it.
import { writeFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processFixture, START_BUDGET_MS, startGatewayProcess, type GatewayProcess } from './helpers/gateway-process.ts';
import { refusedPort } from './helpers/refused-port.ts';
import { until } from './helpers/until.ts';

const fx = processFixture();
const EXPORT = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
const raw = { requestSerialize: (b: Buffer) => b, requestDeserialize: (b: Buffer) => b, responseSerialize: (b: Buffer) => b, responseDeserialize: (b: Buffer) => b };

describe('exporter.protocol: grpc, to a collector that speaks OTLP/gRPC only', () => {
  const calls: { body: Buffer; auth: string | undefined }[] = [];
  const server = new grpc.Server();
  server.addService(
    { Export: { path: EXPORT, requestStream: false, responseStream: false, ...raw } } as grpc.ServiceDefinition,
    {
      Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
        calls.push({ body: call.request, auth: call.metadata.get('authorization')[0]?.toString() });
        cb(null, Buffer.alloc(0)); // an empty ExportTraceServiceResponse: all accepted
      },
    },
  );
  let gw: GatewayProcess;
  beforeAll(async () => {
    const port = await new Promise<number>((res, rej) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
    const { file, base } = fx.configDir('semroute-otlp-grpc-');
    const tracing = `{ enabled: true, exporter: { type: otlp, endpoint: "127.0.0.1:${port}", protocol: grpc, insecure: true, headers: { authorization: "Bearer otlp-token" } } }`;
    writeFileSync(file, `${base}observability: { tracing: ${tracing} }\n`);
    gw = await startGatewayProcess(file, ['--no-config-watch'], fx.procs);
  }, START_BUDGET_MS);
  afterAll(() => server.forceShutdown());

  it('a chat\'s spans arrive through TraceService/Export with the configured headers, no export failure logged', async () => {
    const r = await fetch(`${gw.base}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: 'hello over grpc' }] }),
    });
    expect(r.status).toBe(200);
    // The batch processor sends within about 5 s.
    await until(() => calls.some((c) => c.body.includes('semantic_router.request.received')), 30_000, 100);
    const call = calls.find((c) => c.body.includes('semantic_router.request.received'))!;
    expect(call.auth).toBe('Bearer otlp-token');
    for (const s of ['semantic_router.upstream.request', 'service.name', 'model.name', 'qwen3']) expect(call.body.includes(s)).toBe(true);
    expect(gw.out()).not.toMatch(/trace export failed/);
    expect(gw.out()).toMatch(/"tracing enabled"/);
  }, 60_000);
});

describe('exporter.protocol: grpc to a collector that is not there', () => {
  let gw: GatewayProcess;
  beforeAll(async () => {
    const { file, base } = fx.configDir('semroute-otlp-grpc-down-');
    writeFileSync(file, `${base}observability: { tracing: { enabled: true, exporter: { type: otlp, endpoint: "127.0.0.1:${await refusedPort()}", protocol: grpc } } }\n`);
    gw = await startGatewayProcess(file, ['--no-config-watch'], fx.procs);
  }, START_BUDGET_MS);

  it('a failed export is logged with the gRPC address, as an OTLP/HTTP one is; chat is answered meanwhile', async () => {
    const r = await fetch(`${gw.base}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: 'hi' }] }) });
    expect(r.status).toBe(200);
    const line = await gw.waitFor(/[^\n]*trace export failed[^\n]*/, 40_000);
    expect(line).toMatch(/"endpoint":"grpc:\/\/127\.0\.0\.1:\d+"/);
  }, 60_000);
});
