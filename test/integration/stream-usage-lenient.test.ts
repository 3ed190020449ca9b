// stream_options.include_usage as vLLM reads it: pydantic's lax bool ("true", "yes", 1, 1.0 are true;
// "false", "no", 0 false; include_usage left out is true, StreamOptions' default; null is None, so
// no usage). The gateway read only a JSON true as asked, so a client sending "true" or 1 (which vLLM
// answers with the usage chunk) had its usage chunk taken out. Now the gateway reads it as vLLM does:
// asked -> the body goes on as sent and the usage chunk reaches the client; not asked -> asked
// upstream and taken out as before; a value vLLM refuses (422) goes on as sent, for the upstream to refuse.
import { describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import type { Gateway } from './gateway-harness.ts';
import { useOpenAiGatewayOver } from './helpers/openai-gateway.ts';
import { startRawSseUpstream, type RawUpstream } from './helpers/raw-sse-upstream.ts';

let up: RawUpstream;
let gw: Gateway;
let client: OpenAI;

useOpenAiGatewayOver(startRawSseUpstream, (rig) => {
  ({ up, gw, client } = rig);
  // The upstream answers as vLLM does to every request here: the usage chunk before [DONE].
  const chunk = (o: Record<string, unknown>) => `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', ...o })}\n\n`;
  up.script = () => ({
    pieces: [
      chunk({ choices: [{ index: 0, delta: { content: 'Hello' }, finish_reason: 'stop' }] }),
      chunk({ choices: [], usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } }),
      'data: [DONE]\n\n',
    ],
  });
});

async function read(streamOptions: unknown): Promise<{ text: string; usage: unknown }> {
  let text = '';
  let usage: unknown;
  const stream = await client.chat.completions.create({ model: 'qwen3', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: streamOptions as never });
  for await (const c of stream) {
    text += c.choices[0]?.delta?.content ?? '';
    if (c.usage) usage = c.usage;
  }
  return { text, usage };
}
const tokens = () => gw.metrics.value('llm_model_tokens_total', { model: 'qwen3' }) ?? 0;

describe('include_usage values vLLM reads as true: the client gets the usage chunk, the body goes on as sent', () => {
  for (const so of [{ include_usage: 'true' }, { include_usage: 1 }, { include_usage: 'Yes' }, { include_usage: 1.0 }, { include_usage: 'on' }, {}, { continuous_usage_stats: false }]) {
    it(JSON.stringify(so), async () => {
      const before = tokens();
      const r = await read(so);
      expect(r).toEqual({ text: 'Hello', usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } });
      expect(up.bodies.at(-1)!.stream_options).toEqual(so);
      expect(tokens()).toBe(before + 7);
    });
  }
});

describe('include_usage values vLLM reads as false: asked upstream, taken out of the client stream', () => {
  for (const so of [{ include_usage: 'false' }, { include_usage: 0 }, { include_usage: 'no' }, { include_usage: null }, null]) {
    it(JSON.stringify(so), async () => {
      const before = tokens();
      const r = await read(so);
      expect(r).toEqual({ text: 'Hello', usage: undefined });
      expect(up.bodies.at(-1)!.stream_options.include_usage).toBe(true);
      expect(tokens()).toBe(before + 7);
    });
  }
});

describe('include_usage values vLLM refuses (bool_parsing): the body goes on as sent, for the upstream to judge', () => {
  for (const so of [{ include_usage: 'maybe' }, { include_usage: 2 }, { include_usage: [] }]) {
    it(JSON.stringify(so), async () => {
      await read(so);
      expect(up.bodies.at(-1)!.stream_options).toEqual(so);
    });
  }
});
