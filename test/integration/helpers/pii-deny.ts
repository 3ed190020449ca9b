// The set-up the PII-policy tests share: gpt-oss-20b denies every type and redacts, deepseek-v3
// denies every type and blocks (restore on), the other models of testConfig() keep their policies,
// the real packs classify. Both doors: the HTTP gateway with the `openai` SDK pointed at it, and
// ext_proc over real gRPC with Envoy played message by message.
import OpenAI from 'openai';
import { captureLogger, realClassifiers, startGateway, testConfig, type Gateway } from '../gateway-harness.ts';
import { requestBody, requestHeaders } from './envoy-client.ts';
import { startRealExtProc, type RealExtProc } from './extproc-real-pipeline.ts';

export const denyPolicy = (action: string) => ({ pii_policy: { allow_by_default: false, pii_types_allowed: [], action, restore: true } });

type Endpoints = Parameters<typeof testConfig>[1];

/** testConfig() with the two denying models; `extra` is merged at the top level. */
export function denyConfig(endpoints: Endpoints, extra: Record<string, unknown> = {}) {
  return testConfig({ ...extra, model_config: { ...testConfig().model_config, 'gpt-oss-20b': denyPolicy('redact'), 'deepseek-v3': denyPolicy('block') } }, endpoints);
}

/** The gateway in front of its mock, and an SDK client without retries. */
export async function startDenyGateway(): Promise<{ gw: Gateway; client: OpenAI }> {
  const gw = await startGateway({
    classifiers: await realClassifiers(),
    config: (port) => denyConfig([{ name: 'production-stack', address: '127.0.0.1', port }]),
  });
  return { gw, client: new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'test', maxRetries: 0 }) };
}

/** ext_proc with the same policies; nothing listens upstream (Envoy would forward). */
export async function startDenyExtProc(): Promise<RealExtProc> {
  const config = denyConfig([{ name: 'production-stack', address: '127.0.0.1', port: 9, weight: 1 }]);
  return startRealExtProc(config, { classifiers: await realClassifiers(), logger: captureLogger(), noCache: true });
}

/** One POST through ext_proc: headers, then the body as `text` unless the headers were answered. */
export async function sendThroughExtProc(ext: RealExtProc, path: string, text: string, requestId: string): Promise<any> {
  const s = ext.envoy.open();
  const h = (await s.send(requestHeaders({ ':method': 'POST', ':path': path, ':authority': 'semroute', 'content-type': 'application/json', 'x-request-id': requestId }))) as any;
  const b = h.response === 'immediate_response' ? h : await s.send(requestBody(text));
  s.end();
  return b;
}
