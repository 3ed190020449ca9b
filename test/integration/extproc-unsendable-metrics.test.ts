// A request body Envoy sends in STREAMED chunks that outgrows one gRPC answer is refused 413
// request_too_large (a61b4fc), as the gateway refuses a body past server.max_body_bytes. The gateway
// counts that refusal as a request and a parse_error; ext_proc counted neither (only
// semroute_extproc_requests_total{outcome=respond}), so the error-ratio alert never saw it. Both doors
// over one registry, real gRPC, the real pipeline.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/observability/metrics.ts';
import { captureLogger, EMPTY_CLASSIFIERS, testConfig } from './gateway-harness.ts';
import { requestBody, requestHeaders, type Msg } from './helpers/envoy-client.ts';
import { startBothDoors, startRealExtProc } from './helpers/extproc-real-pipeline.ts';
import { metricMoves } from './helpers/metric-moves.ts';

const MAX = 8192;
const FAMILIES = ['llm_model_requests_total', 'llm_request_errors_total'];

let doors: Awaited<ReturnType<typeof startBothDoors>>;
let extDoor: Awaited<ReturnType<typeof startRealExtProc>>;
let metrics: ReturnType<typeof createMetrics>;

beforeAll(async () => {
  // The gateway's bound is the one ext_proc's chunks meet (less 1 KiB for the framing): both refuse the body.
  const config = testConfig({ extproc: { max_message_bytes: MAX }, server: { max_body_bytes: MAX - 1024 } });
  const ext = testConfig({ extproc: { max_message_bytes: MAX }, server: { max_body_bytes: 10 * MAX } });
  metrics = createMetrics({ config });
  // Only the HTTP door of these is used.
  doors = await startBothDoors(config, { classifiers: EMPTY_CLASSIFIERS, logger: captureLogger(), metrics, noCache: true });
  // ext_proc's own deps take server.max_body_bytes above the gRPC bound, as a61b4fc's case has it.
  extDoor = await startRealExtProc(ext, { classifiers: EMPTY_CLASSIFIERS, logger: captureLogger(), metrics, noCache: true });
}, 120_000);
afterAll(async () => {
  await extDoor?.close();
  await doors?.close();
});

async function delta(send: () => Promise<unknown>): Promise<Record<string, number>> {
  return (await metricMoves(metrics, FAMILIES, send)).moved;
}

describe('ext_proc counts a STREAMED body too large for one gRPC answer as the gateway counts a body past its limit', () => {
  for (const [path, body] of [
    ['/v1/chat/completions', { model: 'qwen3', messages: [{ role: 'user', content: 'x'.repeat(3 * MAX) }] }],
    ['/v1/completions', { model: 'qwen3', prompt: 'x'.repeat(3 * MAX) }],
  ] as const) {
    it(path, async () => {
      const text = JSON.stringify(body);
      const gateway = await delta(async () => {
        const r = await fetch(`${doors.gateway.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: text });
        expect(r.status).toBe(413);
        await r.arrayBuffer();
      });
      const extproc = await delta(async () => {
        const s = extDoor.envoy.open();
        await s.send({ ...requestHeaders({ ':method': 'POST', ':path': path, ':authority': 'semroute', 'content-type': 'application/json' }), protocol_config: { request_body_mode: 'STREAMED', response_body_mode: 'NONE' } });
        let last: Msg | undefined;
        for (let at = 0; at < text.length && !last?.immediate_response; at += 2000) last = await s.send(requestBody(text.slice(at, at + 2000), at + 2000 >= text.length));
        s.end();
        expect(last!.immediate_response?.status?.code).toBe('PayloadTooLarge');
      });
      expect(gateway).toEqual({ 'llm_model_requests_total{model="unknown"}': 1, 'llm_request_errors_total{model="unknown",reason="parse_error"}': 1 });
      expect(extproc).toEqual(gateway);
    });
  }
});
