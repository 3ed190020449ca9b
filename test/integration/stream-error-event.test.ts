// vLLM's error inside a 200 stream ({"error": {...}}, then [DONE]) raised by the `openai` SDK, which
// closes its connection as it raises. When [DONE] had not come in yet (the two are separate writes),
// the gateway took the close for the client's cancel: llm_request_errors_total{reason="cancellation"}
// and error_reason "cancellation" on the request line, where the answer had failed upstream. An answer
// is over once its error event came: the close then ends it as a stream error.
import { describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import type { Gateway } from './gateway-harness.ts';
import type { RawUpstream } from './helpers/raw-sse-upstream.ts';
import { useRawSseGateway } from './helpers/raw-sse-gateway.ts';

let up: RawUpstream;
let gw: Gateway;
let client: OpenAI;
useRawSseGateway({}, (rig) => ({ up, gw, client } = rig));

const ev = (content: string) => `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;
const ERROR = 'data: {"error":{"message":"boom","type":"BadRequestError","param":null,"code":400}}\n\n';
const WAYS = [
  ['usage taken out', 'qwen3', {}],
  ['passed through', 'qwen3', { stream_options: { include_usage: true } }],
  ['PII restored', 'A', {}],
] as const;

describe("vLLM's in-stream error, [DONE] 300 ms later", () => {
  for (const [way, model, extra] of WAYS) {
    it(`${way}: the SDK raises it; counted and logged as a stream error, not as the client's cancel`, async () => {
      up.script = () => ({ pieces: [ev('He'), ERROR, 'data: [DONE]\n\n'], gapMs: 300 });
      const value = (reason: string) => gw.metrics.value('llm_request_errors_total', { model, reason }) ?? 0;
      const before = { upstream: value('upstream_5xx'), cancel: value('cancellation') };
      const lines = gw.logs.lines.filter((l) => l.msg === 'request').length;
      const err = await (async () => {
        for await (const _ of await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Mail jane.doe@example.com please.' }], stream: true, ...extra })) void _;
      })().catch((e) => e);
      expect(err).toBeInstanceOf(OpenAI.APIError);
      expect(err.message).toContain('boom');
      const deadline = Date.now() + 2000;
      while (gw.logs.lines.filter((l) => l.msg === 'request').length === lines && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(gw.logs.lines.filter((l) => l.msg === 'request').at(-1)!.obj).toMatchObject({ status: 200, error_reason: 'stream_error' });
      expect({ upstream: value('upstream_5xx'), cancel: value('cancellation') }).toEqual({ upstream: before.upstream + 1, cancel: before.cancel });
    });
  }
});
