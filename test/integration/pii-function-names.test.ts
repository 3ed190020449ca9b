// Personal data in function names (issue #3/#4). A chat template renders each tool's name, each
// earlier call's name and tool_choice's, and vLLM checks no name format, so
// {tools: [{function: {name: 'jane.doe@example.com'}}]} reached a model whose pii_policy denies
// addresses: the policy read descriptions and arguments, never names. Block must block; redact must
// mask the name the same way everywhere the request names it (definition, tool_choice, earlier
// calls, the tool results' `name`: vLLM matches them) and give the client its own name back in the
// answer's tool_calls (JSON and streamed). Real packs, real sockets, the openai SDK.
import http from 'node:http';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realClassifiers, startGateway, testConfig, type Gateway } from './gateway-harness.ts';

const EMAIL = 'jane.doe@example.com';
const ask = { role: 'user' as const, content: 'Please do the usual thing.' };
const tool = (name: string) => ({ type: 'function' as const, function: { name, description: 'Does the usual thing.', parameters: { type: 'object', properties: {} } } });

/** Bodies the upstream received; it answers with a call of the request's first tool, by the name it was given. */
const bodies: Array<Record<string, any>> = [];
let upstream: http.Server;
let gw: Gateway;
let client: OpenAI;

function answer(req: http.IncomingMessage, res: http.ServerResponse, raw: string): void {
  const b = JSON.parse(raw) as Record<string, any>;
  bodies.push(b);
  const name = (b.tools?.[0]?.function?.name ?? b.tools?.[0]?.name ?? 'none') as string;
  const call = { id: 'call_1', type: 'function', function: { name, arguments: '{}' } };
  if (b.stream) {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const ev = (delta: unknown, finish: string | null) =>
      `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: b.model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    res.write(ev({ role: 'assistant', content: `Calling ${name}.` }, null));
    // vLLM's tool parsers send a call's id, type and name in one delta, its arguments after it.
    res.write(ev({ tool_calls: [{ index: 0, id: call.id, type: 'function', function: { name, arguments: '' } }] }, null));
    res.write(ev({ tool_calls: [{ index: 0, function: { arguments: '{}' } }] }, null));
    res.end(ev({}, 'tool_calls') + 'data: [DONE]\n\n');
    return;
  }
  if (req.url?.startsWith('/v1/responses')) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id: 'resp_1', object: 'response', output: [] }));
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ id: 'c1', object: 'chat.completion', created: 1, model: b.model, choices: [{ index: 0, message: { role: 'assistant', content: `Calling ${name}.`, tool_calls: [call] }, finish_reason: 'tool_calls' }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } }));
}

beforeAll(async () => {
  upstream = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => answer(req, res, raw));
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
  const port = (upstream.address() as { port: number }).port;
  gw = await startGateway({
    classifiers: await realClassifiers(),
    config: () =>
      testConfig(
        {
          model_config: {
            'deepseek-v3': { pii_policy: { allow_by_default: false, action: 'block' } },
            qwen3: { pii_policy: { allow_by_default: false, action: 'redact', restore: true } },
            'gpt-oss-20b': { pii_policy: { allow_by_default: false, action: 'redact' } },
          },
        },
        [{ name: 'production-stack', address: '127.0.0.1', port, weight: 1 }],
      ),
  });
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'k', maxRetries: 0 });
}, 120_000);
afterAll(async () => {
  await gw?.close();
  await new Promise((r) => upstream?.close(r));
});

describe('function names under a pii_policy that denies e-mail addresses', () => {
  it('block: a tool named with an address is not forwarded', async () => {
    bodies.length = 0;
    const { data, response } = await client.chat.completions.create({ model: 'deepseek-v3', messages: [ask], tools: [tool(EMAIL)] }).withResponse();
    expect(bodies).toHaveLength(0);
    expect(response.headers.get('x-vsr-pii-violation')).toBe('true');
    expect(data.choices[0]!.finish_reason).toBe('content_filter');
  });

  it('block: an earlier call’s name, tool_choice’s and legacy functions’ names are read too', async () => {
    const calls = [
      { role: 'assistant', content: null, tool_calls: [{ id: 'c0', type: 'function', function: { name: EMAIL, arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'c0', content: 'done' },
    ];
    for (const extra of [
      { messages: [ask, ...calls, ask] },
      { messages: [ask], tools: [tool('lookup')], tool_choice: { type: 'function', function: { name: EMAIL } } },
      { messages: [ask], functions: [{ name: EMAIL, parameters: { type: 'object', properties: {} } }] },
    ]) {
      bodies.length = 0;
      const { response } = await client.chat.completions.create({ model: 'deepseek-v3', ...extra } as never).withResponse();
      expect(bodies, JSON.stringify(extra)).toHaveLength(0);
      expect(response.headers.get('x-vsr-pii-violation')).toBe('true');
    }
  });

  it('block: ordinary tool names pass (read inside their JSON, as the template shows them)', async () => {
    // Alone, the pack reads these as a person's name (python 0.83, julia 0.99, dalle 0.81).
    bodies.length = 0;
    const { response } = await client.chat.completions
      .create({ model: 'deepseek-v3', messages: [ask], tools: ['python', 'julia', 'dalle', 'browser', 'get_weather'].map(tool) })
      .withResponse();
    expect(response.headers.get('x-vsr-pii-violation')).toBeNull();
    expect(bodies).toHaveLength(1);
    expect(bodies[0]!.tools.map((t: any) => t.function.name)).toEqual(['python', 'julia', 'dalle', 'browser', 'get_weather']);
  });

  const conversation = () => [
    ask,
    { role: 'assistant' as const, content: null, tool_calls: [{ id: 'c0', type: 'function' as const, function: { name: EMAIL, arguments: '{}' } }] },
    { role: 'tool' as const, tool_call_id: 'c0', name: EMAIL, content: 'done' } as never,
    ask,
  ];

  it('redact: one placeholder wherever the request names the function; the answer’s call carries the client’s name (JSON)', async () => {
    bodies.length = 0;
    const { data, response } = await client.chat.completions
      .create({ model: 'qwen3', messages: conversation(), tools: [tool(EMAIL), tool('get_weather')], tool_choice: { type: 'function', function: { name: EMAIL } } })
      .withResponse();
    expect(bodies).toHaveLength(1);
    const sent = bodies[0]!;
    expect(JSON.stringify(sent)).not.toContain(EMAIL);
    expect(response.headers.get('x-vsr-pii-redacted')).toContain('EMAIL_ADDRESS');
    const masked = sent.tools[0].function.name as string;
    expect(masked).toMatch(/^<EMAIL_ADDRESS_\d+>$/);
    // vLLM matches these to the definition: they must read the same.
    expect(sent.tool_choice.function.name).toBe(masked);
    expect(sent.messages[1].tool_calls[0].function.name).toBe(masked);
    expect(sent.messages[2].name).toBe(masked);
    expect(sent.tools[1].function.name).toBe('get_weather');
    expect((data.choices[0]!.message.tool_calls![0] as { function: { name: string } }).function.name).toBe(EMAIL);
  });

  it('a tool result named only by tool_choice (or the legacy function_call) is that function: one slot, read as a name', async () => {
    // Read also as a participant's name it was a second slot over the same field, and read bare:
    // the pack takes 'julia' alone for a person (0.99), so the result's name was masked while
    // tool_choice kept it (vLLM: no such tool), and a deny-all block policy refused the request.
    const forcings = [{ tool_choice: { type: 'function', function: { name: 'julia' } } }, { function_call: { name: 'julia' } }];
    for (const forced of forcings) {
      const messages = [ask, { role: 'tool', tool_call_id: 'c0', name: 'julia', content: 'done' }, ask];
      for (const model of ['qwen3', 'deepseek-v3']) {
        bodies.length = 0;
        const { response } = await client.chat.completions.create({ model, messages, tools: [tool('get_weather')], ...forced } as never).withResponse();
        const label = `${model} ${JSON.stringify(forced)}`;
        expect(response.headers.get('x-vsr-pii-violation'), label).toBeNull();
        expect(response.headers.get('x-vsr-pii-redacted'), label).toBeNull();
        expect(bodies, label).toHaveLength(1);
        expect(bodies[0]!.messages[1].name, label).toBe('julia');
      }
    }
    // An address there is still masked, once, the same in both places.
    for (const forced of [{ tool_choice: { type: 'function', function: { name: EMAIL } } }, { function_call: { name: EMAIL } }]) {
      bodies.length = 0;
      const messages = [ask, { role: 'tool', tool_call_id: 'c0', name: EMAIL, content: 'done' }, ask];
      await client.chat.completions.create({ model: 'qwen3', messages, tools: [tool('get_weather')], ...forced } as never);
      const sent = bodies[0]!;
      expect(JSON.stringify(sent)).not.toContain(EMAIL);
      const masked = (sent.tool_choice?.function?.name ?? sent.function_call?.name) as string;
      expect(masked).toMatch(/^<EMAIL_ADDRESS_\d+>$/);
      expect(sent.messages[1].name, JSON.stringify(forced)).toBe(masked);
    }
  });

  it('redact: the streamed call’s name is the client’s (SDK stream helper)', async () => {
    bodies.length = 0;
    const stream = client.chat.completions.stream({ model: 'qwen3', messages: conversation(), tools: [tool(EMAIL)] });
    const final = await stream.finalChatCompletion();
    expect(bodies).toHaveLength(1);
    expect(JSON.stringify(bodies[0])).not.toContain(EMAIL);
    expect((final.choices[0]!.message.tool_calls![0] as { function: { name: string } }).function.name).toBe(EMAIL);
  });

  it('redact without restore (the default): content keeps its placeholders, the calls still name the client’s function (JSON and stream)', async () => {
    bodies.length = 0;
    const { data } = await client.chat.completions.create({ model: 'gpt-oss-20b', messages: conversation(), tools: [tool(EMAIL)] }).withResponse();
    expect(JSON.stringify(bodies[0])).not.toContain(EMAIL);
    const msg = data.choices[0]!.message;
    expect(msg.content).toMatch(/^Calling <EMAIL_ADDRESS_\d+>\.$/);
    expect((msg.tool_calls![0] as { function: { name: string } }).function.name).toBe(EMAIL);
    const final = await client.chat.completions.stream({ model: 'gpt-oss-20b', messages: conversation(), tools: [tool(EMAIL)] }).finalChatCompletion();
    expect(final.choices[0]!.message.content).toMatch(/^Calling <EMAIL_ADDRESS_\d+>\.$/);
    expect((final.choices[0]!.message.tool_calls![0] as { function: { name: string } }).function.name).toBe(EMAIL);
  });

  it('passed-through /v1/responses: a flat tool’s name is read (refused for a restricting model)', async () => {
    bodies.length = 0;
    const err = await client.responses
      .create({ model: 'deepseek-v3', input: 'Please do the usual thing.', tools: [{ type: 'function', name: EMAIL, parameters: { type: 'object', properties: {} }, strict: false }] })
      .catch((e: unknown) => e);
    expect(bodies).toHaveLength(0);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).code).toBe('pii_policy_denied');
  });

  it('passed through: an earlier call’s name (a Responses function_call item, an Anthropic tool_use block) is read', async () => {
    const post = (path: string, body: unknown) => fetch(`${gw.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const bodiesSent = [
      ['/v1/responses', { model: 'deepseek-v3', input: [{ role: 'user', content: 'Please do the usual thing.' }, { type: 'function_call', call_id: 'c0', name: EMAIL, arguments: '{}' }, { type: 'function_call_output', call_id: 'c0', output: 'done' }] }],
      ['/v1/messages', { model: 'deepseek-v3', max_tokens: 16, messages: [{ role: 'user', content: 'Please do the usual thing.' }, { role: 'assistant', content: [{ type: 'tool_use', id: 't0', name: EMAIL, input: {} }] }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't0', content: 'done' }] }] }],
    ] as const;
    for (const [path, body] of bodiesSent) {
      bodies.length = 0;
      const res = await post(path, body);
      expect(bodies, path).toHaveLength(0);
      expect(res.status, path).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('pii_policy_denied');
    }
  });
});
