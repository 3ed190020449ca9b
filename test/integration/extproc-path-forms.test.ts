// Behind Envoy, ext_proc decides from :path whether a request is chat (classified, guarded) or
// another route (passed on untouched). Envoy forwards the path as the client wrote it unless
// normalize_path is set (the sidecar overlay does not set it), and the engine's server decodes
// percent-escapes and dot segments before routing: '/v1/chat/%63ompletions' is chat to vLLM. Compared
// as written, such a path skipped the jailbreak guard and the PII policy.
import { describe, expect, it } from 'vitest';
import { requestBody, requestHeaders } from './helpers/envoy-client.ts';
import { CHAT, fakeDeps, recordingPipeline } from './helpers/extproc-fakes.ts';
import { useExtProc } from './helpers/extproc-server.ts';

describe('ext_proc reads the chat path as the engine routes it', () => {
  const pipeline = recordingPipeline({ outcome: () => ({ kind: 'pass', reason: 'unset' }) });
  const ext = useExtProc(fakeDeps(), { pipeline });

  const chatForms = [
    '/v1/chat/completions',
    '/v1/chat/completions/',
    '/v1/chat/completions?stream=1',
    '/v1/chat/%63ompletions',
    '/v1/%63hat%2Fcompletions',
    '/v1/chat/./completions',
    '/v1/models/../chat/completions',
    '/v1/chat/%2e/completions',
    '//v1//chat/completions',
  ];
  for (const path of chatForms) {
    it(`${path} goes through the pipeline`, async () => {
      const before = pipeline.calls.length;
      const s = ext.client.open();
      const h = await s.send(requestHeaders({ ...CHAT, ':path': path }));
      expect(h.mode_override?.request_body_mode).not.toBe('NONE');
      await s.send(requestBody(JSON.stringify({ model: 'MoM', messages: [{ role: 'user', content: 'hi' }] })));
      expect(pipeline.calls.length).toBe(before + 1);
      s.end();
    });
  }

  for (const path of ['/v1/embeddings', '/v1/chat/completionsx', '/v1/chat', '/v2/chat/completions']) {
    it(`${path} is not chat`, async () => {
      const s = ext.client.open();
      const h = await s.send(requestHeaders({ ...CHAT, ':path': path }));
      expect(h.mode_override?.request_body_mode).toBe('NONE');
      s.end();
    });
  }
});
