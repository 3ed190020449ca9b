// Audio uploads and image edits behind Envoy (issue #3). The HTTP gateway refuses an upload no guard
// can read (/v1/audio/transcriptions, /translations, /v1/images/edits: multipart) for a model whose
// pii_policy restricts, or for a body naming no model while one restricts (400 unscannable_prompt,
// passthrough-guard.ts); ext_proc passed every such upload on unread, so the restricted model got it.
// Both doors here over one deps and one metrics registry (real gRPC, a real upstream for the gateway):
// the same bytes get the same answer (status, body, headers) and move the same series, in BUFFERED
// (one message) and STREAMED (chunks, held and judged at the last) request body modes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/observability/metrics.ts';
import { captureLogger, EMPTY_CLASSIFIERS, testConfig } from './gateway-harness.ts';
import { ownHeaders, requestBody, requestHeaders, responseHeaders, setHeaders, type Msg } from './helpers/envoy-client.ts';
import { startBothDoors, useRealExtProc } from './helpers/extproc-real-pipeline.ts';
import { startBodyLogUpstream, type BodyLogUpstream } from './helpers/body-log-upstream.ts';
import { metricMoves } from './helpers/metric-moves.ts';

const FAMILIES = ['llm_model_requests_total', 'llm_request_errors_total'];
const ENVOY_STATUS: Record<string, number> = { BadRequest: 400 };
const ANSWER = '{"text":"hello"}';

let doors: Awaited<ReturnType<typeof startBothDoors>>;
let metrics: ReturnType<typeof createMetrics>;
let up: BodyLogUpstream;

beforeAll(async () => {
  up = await startBodyLogUpstream(ANSWER);
  // deepseek-v3 may see no personal data; qwen3 (the bundled config's) any.
  const config = testConfig({ model_config: { qwen3: { reasoning_family: 'qwen3' }, 'deepseek-v3': { reasoning_family: 'deepseek', pii_policy: { allow_by_default: false } } } }, up.endpoints);
  metrics = createMetrics({ config });
  doors = await startBothDoors(config, { classifiers: EMPTY_CLASSIFIERS, logger: captureLogger(), metrics, noCache: true });
}, 60_000);
afterAll(async () => {
  await doors?.close();
  await up?.close();
});

/** A multipart upload as a client sends it: its bytes and content-type (with the boundary). */
async function upload(model: string | undefined, kind: 'audio' | 'image'): Promise<{ bytes: Uint8Array; type: string }> {
  const f = new FormData();
  if (model !== undefined) f.set('model', model);
  f.set('prompt', 'Names: Jane Doe.');
  const file = kind === 'audio' ? new Blob([new Uint8Array([82, 73, 70, 70, 0, 0, 0, 0])], { type: 'audio/wav' }) : new Blob([new Uint8Array([137, 80, 78, 71])], { type: 'image/png' });
  f.set(kind === 'audio' ? 'file' : 'image', file, kind === 'audio' ? 'a.wav' : 'a.png');
  const r = new Response(f);
  return { bytes: new Uint8Array(await r.arrayBuffer()), type: r.headers.get('content-type')! };
}

interface Answer {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

async function viaGateway(path: string, u: { bytes: Uint8Array; type: string }, requestId: string): Promise<Answer> {
  const r = await fetch(`${doors.gateway.url}${path}`, { method: 'POST', headers: { 'content-type': u.type, 'x-request-id': requestId }, body: u.bytes as Uint8Array<ArrayBuffer> });
  const headers: Record<string, string> = {};
  r.headers.forEach((v, k) => (headers[k] = v));
  return { status: r.status, body: await r.json(), headers: ownHeaders(headers) };
}

type Mode = 'BUFFERED' | 'STREAMED';

/**
 * ext_proc's answer as Envoy gets it in `mode`: the immediate response, or (the upload went on) the
 * bytes it let through and, after the upstream's answer, 'forwarded'. STREAMED sends three chunks.
 */
async function viaEnvoy(path: string, u: { bytes: Uint8Array; type: string }, requestId: string, mode: Mode): Promise<Answer | { forwarded: string }> {
  const s = doors.envoy.open();
  const h = await s.send({ ...requestHeaders({ ':method': 'POST', ':path': path, ':authority': 'semroute', 'content-type': u.type, 'x-request-id': requestId }), protocol_config: { request_body_mode: mode, response_body_mode: 'NONE' } });
  let last: Msg = h;
  let sent = '';
  if (h.response !== 'immediate_response') {
    const all = Buffer.from(u.bytes);
    const third = Math.ceil(all.length / 3);
    const parts = mode === 'BUFFERED' ? [all] : [all.subarray(0, third), all.subarray(third, 2 * third), all.subarray(2 * third)];
    for (const [i, p] of parts.entries()) {
      last = await s.send(requestBody(p, i === parts.length - 1));
      if (last.response === 'immediate_response') break;
      const m = last.request_body?.response?.body_mutation;
      // What Envoy sends on: the chunk as it came, nothing (held), or the mutation's body.
      sent += m?.clear_body ? '' : m?.body ? Buffer.from(m.body).toString('latin1') : p.toString('latin1');
    }
  }
  if (last.response !== 'immediate_response') {
    // The upload went on: the upstream's answer, as Envoy passes it (no body: response_body_mode NONE).
    await s.send(responseHeaders({ ':status': '200', 'content-type': 'application/json' }));
    s.end();
    await s.closed;
    return { forwarded: sent };
  }
  s.end();
  const r = last.immediate_response;
  return { status: ENVOY_STATUS[r.status.code] ?? -1, body: JSON.parse(Buffer.from(r.body).toString()), headers: ownHeaders(setHeaders(r.headers)) };
}

const delta = <T>(send: () => Promise<T>) => metricMoves(metrics, FAMILIES, send);

describe('ext_proc refuses an upload no guard reads for a restricting model, as the HTTP gateway does', () => {
  const refused: Array<[string, string | undefined, 'audio' | 'image']> = [
    ['/v1/audio/transcriptions', 'deepseek-v3', 'audio'],
    ['/v1/audio/translations', undefined, 'audio'],
    ['/v1/images/edits', 'deepseek-v3', 'image'],
  ];
  for (const mode of ['BUFFERED', 'STREAMED'] as const) {
    for (const [path, model, kind] of refused) {
      it(`${mode} ${path} for ${model ?? 'no model'}: 400 unscannable_prompt, the same answer and series`, async () => {
        const u = await upload(model, kind);
        const id = `media-${mode}-${path.split('/').pop()}`;
        up.seen = [];
        const gateway = await delta(() => viaGateway(path, u, id));
        const extproc = await delta(() => viaEnvoy(path, u, id, mode));
        expect(gateway.answer).toMatchObject({ status: 400, body: { error: { code: 'unscannable_prompt' } } });
        expect(extproc.answer).toEqual(gateway.answer);
        expect(gateway.moved).toEqual({ [`llm_model_requests_total{model="${model ?? 'unknown'}"}`]: 1, [`llm_request_errors_total{model="${model ?? 'unknown'}",reason="unscannable_prompt"}`]: 1 });
        expect(extproc.moved).toEqual(gateway.moved);
        expect(up.seen).toEqual([]);
      });
    }

    it(`${mode}: an upload for a model that may see anything goes on as sent, counted as on the gateway`, async () => {
      const u = await upload('qwen3', 'audio');
      up.seen = [];
      const gateway = await delta(() => viaGateway('/v1/audio/transcriptions', u, `media-${mode}-pass`));
      expect(gateway.answer).toMatchObject({ status: 200, body: JSON.parse(ANSWER) });
      expect(up.seen).toEqual([`/v1/audio/transcriptions ${Buffer.from(u.bytes).toString('latin1')}`]);
      const extproc = await delta(() => viaEnvoy('/v1/audio/transcriptions', u, `media-${mode}-pass`, mode));
      expect(extproc.answer).toEqual({ forwarded: Buffer.from(u.bytes).toString('latin1') });
      expect(extproc.moved).toEqual(gateway.moved);
    });
  }
});

describe('with no pii_policy restricting, uploads stay unread (nothing could refuse them)', () => {
  const ext = useRealExtProc();
  it('the request headers ask Envoy for no body, and no series moves', async () => {
    const u = await upload('deepseek-v3', 'audio');
    const s = ext.envoy.open();
    const before = ext.metrics.render();
    const h = await s.send(requestHeaders({ ':method': 'POST', ':path': '/v1/audio/transcriptions', ':authority': 'semroute', 'content-type': u.type }));
    s.end();
    expect(h.request_headers?.response?.status ?? 'CONTINUE').toBe('CONTINUE');
    expect(h.mode_override).toMatchObject({ request_body_mode: 'NONE' });
    expect(ext.metrics.render().split('\n').filter((l) => l.startsWith('llm_model_requests_total'))).toEqual(before.split('\n').filter((l) => l.startsWith('llm_model_requests_total')));
  });
});
