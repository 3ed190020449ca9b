// Function names behind Envoy (8a90ec1): under a redact pii_policy a tool named with an e-mail address
// is masked in the body ext_proc hands Envoy, and the client gets its own name back in the answer's
// tool_calls[].function.name, buffered JSON and STREAMED SSE alike, as on the gateway
// (pii-function-names.test.ts): with restore the content's placeholder too; without it (307b5ce) only
// the name, which the client needs to dispatch the call. Real gRPC (an Envoy-like client), the real
// pipeline and packs.
import { describe, expect, it } from 'vitest';
import { clientBytes, requestBody, requestHeaders, responseBody, responseHeaders } from './helpers/envoy-client.ts';
import { useRealExtProc } from './helpers/extproc-real-pipeline.ts';

const EMAIL = 'jane.doe@example.com';
const CHAT = { ':method': 'POST', ':path': '/v1/chat/completions', 'content-type': 'application/json' };
const tool = { type: 'function', function: { name: EMAIL, description: 'Does the usual thing.', parameters: { type: 'object', properties: {} } } };

describe('ext_proc restores redacted function names', () => {
  const h = useRealExtProc(
    {
      model_config: {
        qwen3: { pii_policy: { allow_by_default: false, action: 'redact', restore: true } },
        'gpt-oss-20b': { pii_policy: { allow_by_default: false, action: 'redact' } },
      },
    },
    true,
  );

  /** Sends the request; returns the stream and the tool name the upstream would see. */
  const open = async (model: string, stream: boolean, contentType: string) => {
    const s = h.envoy.open();
    await s.send(requestHeaders(CHAT));
    const b = await s.send(requestBody(JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'Please do the usual thing.' }], tools: [tool] })));
    const sent = JSON.parse(Buffer.from(b.request_body.response.body_mutation.body).toString());
    const masked = sent.tools[0].function.name as string;
    expect(masked).not.toContain(EMAIL);
    await s.send(responseHeaders({ ':status': '200', 'content-type': contentType }));
    return { s, masked };
  };

  // [model, whether the content's placeholder is restored too]
  const CASES = [['qwen3', true], ['gpt-oss-20b', false]] as const;

  it.each(CASES)('JSON (%s): tool_calls[].function.name is the client\'s own again', async (model, restore) => {
    const { s, masked } = await open(model, false, 'application/json');
    const call = { id: 'call_1', type: 'function', function: { name: masked, arguments: '{}' } };
    const answer = JSON.stringify({ id: 'c1', object: 'chat.completion', created: 1, model, choices: [{ index: 0, message: { role: 'assistant', content: `Calling ${masked}.`, tool_calls: [call] }, finish_reason: 'tool_calls' }] });
    const out = JSON.parse(clientBytes(answer, await s.send(responseBody(answer))));
    s.end();
    expect(out.choices[0].message.tool_calls[0].function.name).toBe(EMAIL);
    expect(out.choices[0].message.content).toBe(`Calling ${restore ? EMAIL : masked}.`);
  });

  it.each(CASES)('STREAMED SSE (%s): the name delta is the client\'s own again', async (model, restore) => {
    const { s, masked } = await open(model, true, 'text/event-stream');
    const ev = (delta: unknown, finish: string | null = null) => `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    // vLLM's tool parsers send a call's id, type and name in one delta, its arguments after it.
    const parts = [
      ev({ role: 'assistant', content: `Calling ${masked}.` }),
      ev({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: masked, arguments: '' } }] }),
      ev({ tool_calls: [{ index: 0, function: { arguments: '{}' } }] }) + ev({}, 'tool_calls') + 'data: [DONE]\n\n',
    ];
    let out = '';
    for (const [i, p] of parts.entries()) out += clientBytes(p, await s.send(responseBody(p, i === parts.length - 1)));
    s.end();
    const deltas = out.split('\n\n').filter((e) => e.startsWith('data: {')).map((e) => JSON.parse(e.slice(6)).choices[0].delta);
    const names = deltas.flatMap((d) => d.tool_calls ?? []).map((c: any) => c.function?.name).filter(Boolean);
    expect(names).toEqual([EMAIL]);
    expect(deltas.map((d) => d.content ?? '').join('')).toBe(`Calling ${restore ? EMAIL : masked}.`);
    expect(out.trim().endsWith('data: [DONE]')).toBe(true);
  });
});
