// Mutation audit 5 of ext_proc, mutant G2 (an unread generation answer's mode_override NONE dropped,
// generation-body.ts unreadAnswerHead): it matters where Envoy honours overrides (its filter's
// allow_mode_override, semroute's extproc.allow_mode_override) and buffers answers for ext_proc
// (response_body_mode BUFFERED): an answer ext_proc will not read is then held whole in Envoy's buffer
// before the client gets a byte, so a streamed completion arrives all at once at its end. The suites
// near it sent no protocol_config with the override declared (extproc-generation-guard reads the
// override only without one). Real pipeline, real gRPC, Envoy played by a grpc-js client.
import { describe, expect, it } from 'vitest';
import { requestBody, requestHeaders, responseHeaders, type Msg } from './helpers/envoy-client.ts';
import { useRealExtProc } from './helpers/extproc-real-pipeline.ts';

const MODES = { request_body_mode: 'BUFFERED', response_body_mode: 'BUFFERED' };

describe('ext_proc, an unread generation answer where Envoy honours mode_override (G2)', () => {
  const h = useRealExtProc({ extproc: { allow_mode_override: true } });

  /** The reply to the answer's head, after `body` on `path` went on (`partial`: Envoy's first part only). */
  async function answerHead(path: string, body: unknown, type: string, partial = false): Promise<Msg> {
    const s = h.envoy.open();
    const modes = partial ? { ...MODES, request_body_mode: 'BUFFERED_PARTIAL' } : MODES;
    await s.send({ ...requestHeaders({ ':method': 'POST', ':path': path, 'content-type': 'application/json' }), protocol_config: modes });
    const b = await s.send(requestBody(JSON.stringify(body), !partial));
    expect(b.response, 'passed on').toBe('request_body');
    const r = await s.send(responseHeaders({ ':status': '200', 'content-type': type }));
    s.end();
    return r;
  }

  it('speech audio (no usage to read): Envoy is told not to send it', async () => {
    const r = await answerHead('/v1/audio/speech', { model: 'qwen3', input: 'Read this aloud.', voice: 'alloy' }, 'audio/mpeg');
    expect(r.mode_override).toEqual(expect.objectContaining({ response_body_mode: 'NONE' }));
  });

  it('a completions stream whose body went on unread (past Envoy\'s buffer): Envoy is told not to send it', async () => {
    const r = await answerHead('/v1/completions', { model: 'qwen3', prompt: 'Tell me a long story.', stream: true }, 'text/event-stream', true);
    expect(r.mode_override).toEqual(expect.objectContaining({ response_body_mode: 'NONE' }));
  });

  it('a completions stream it reads (its usage) is asked for in STREAMED chunks, not NONE', async () => {
    const r = await answerHead('/v1/completions', { model: 'qwen3', prompt: 'Tell me a long story.', stream: true }, 'text/event-stream');
    expect(r.mode_override).toEqual(expect.objectContaining({ response_body_mode: 'STREAMED' }));
  });
});
