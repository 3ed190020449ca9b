// The passed-through generation routes' refusals log the same line at both doors. The HTTP gateway's
// passthrough writes its one `request` line (event, method, path, stream, status, outcome 'rejected' or
// 'error', latency_ms, requested_model, error_reason) for a request it refuses; ext_proc wrote a
// 'request rejected' line of another shape (path, error, no event, outcome or latency), so a log query
// or dashboard built on the gateway's lines missed every refusal behind Envoy. Real gRPC and real
// sockets, one deps (useBothDoors), one log capture.
import { describe, expect, it } from 'vitest';
import { testConfig } from './gateway-harness.ts';
import { requestBody, requestHeaders } from './helpers/envoy-client.ts';
import { useBothDoors, type ObservedExtProc } from './helpers/extproc-real-pipeline.ts';
import type { Served } from '../../runtimes/node/serve.ts';

let doors: ObservedExtProc & { gateway: Served };
useBothDoors(
  () => testConfig({ prompt_guard: { enabled: true, threshold: 0.7, on_error: 'allow' }, server: { max_body_bytes: 1000 } }, [{ name: 'production-stack', address: '127.0.0.1', port: 9, weight: 1, models: ['qwen3'] }]),
  (d) => (doors = d),
);

const line = (id: string) => {
  const found = doors.logs.lines.filter((l) => l.obj.request_id === id && l.obj.status !== undefined);
  expect(found, id).toHaveLength(1);
  return found[0]!;
};

async function viaGateway(body: unknown, id: string): Promise<number> {
  const r = await fetch(`${doors.gateway.url}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': id }, body: JSON.stringify(body) });
  await r.text();
  return r.status;
}

async function viaEnvoy(body: unknown, id: string): Promise<void> {
  const s = doors.envoy.open();
  await s.send({ ...requestHeaders({ ':method': 'POST', ':path': '/v1/completions', 'content-type': 'application/json', 'x-request-id': id }), protocol_config: { request_body_mode: 'BUFFERED', response_body_mode: 'BUFFERED' } });
  const b = await s.send(requestBody(JSON.stringify(body)));
  s.end();
  expect(b.response).toBe('immediate_response');
}

const CASES: Array<[string, unknown, number]> = [
  ['an auto model name', { model: 'MoM', prompt: 'Name a river.' }, 400],
  ['the guard refuses (token ids it cannot read)', { model: 'qwen3', prompt: [1, 2, 3] }, 400],
  ['a model no endpoint serves', { model: 'llama-3-70b', prompt: 'Name a river.' }, 404],
  ['a body past server.max_body_bytes', { model: 'qwen3', prompt: 'x'.repeat(2000) }, 413],
];

describe('a refused /v1/completions logs the same line at both doors', () => {
  for (const [name, body, status] of CASES) {
    it(name, async () => {
      const id = name.replace(/\W+/g, '-');
      expect(await viaGateway(body, `gw-${id}`)).toBe(status);
      await viaEnvoy(body, `ep-${id}`);
      const gw = line(`gw-${id}`);
      const ep = line(`ep-${id}`);
      expect(ep.msg).toBe(gw.msg);
      expect(Object.keys(ep.obj).sort()).toEqual(Object.keys(gw.obj).sort());
      const same = ['event', 'method', 'path', 'stream', 'status', 'outcome', 'requested_model', 'error_reason'];
      const pick = (o: Record<string, unknown>) => Object.fromEntries(same.map((k) => [k, o[k]]));
      expect(pick(ep.obj)).toEqual(pick(gw.obj));
      expect(Object.keys(ep.obj.latency_ms as object)).toEqual(Object.keys(gw.obj.latency_ms as object));
    });
  }
});
