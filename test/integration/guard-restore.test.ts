// PII restore through a real gateway: an upstream scripted per test answers with placeholders in
// places the echo upstream (guard-echo-upstream.ts) never uses: tool-call arguments (JSON and
// streamed), several choices, placeholders split across network reads. The client must get valid
// answers with its own values back.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { realClassifiers, startGateway, testConfig, type Gateway } from './gateway-harness.ts';

type Script = (body: Record<string, any>, res: http.ServerResponse) => void;
let script: Script = (_b, res) => res.end();
const bodies: Array<Record<string, any>> = [];
let upstream: http.Server;
let gw: Gateway;
let client: OpenAI;

beforeAll(async () => {
  upstream = http.createServer((req, res) => {
    let d = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (d += c));
    req.on('end', () => {
      const b = JSON.parse(d);
      bodies.push(b);
      script(b, res);
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
  const port = (upstream.address() as AddressInfo).port;
  gw = await startGateway({
    classifiers: await realClassifiers(),
    config: () =>
      testConfig(
        { default_model: 'A', model_config: { A: { pii_policy: { allow_by_default: false, action: 'redact', restore: true } } } },
        [{ name: 'production-stack', address: '127.0.0.1', port, weight: 1 }],
      ),
  });
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'k', maxRetries: 0 });
}, 120_000);

afterAll(async () => {
  await gw?.close();
  upstream?.closeAllConnections();
  await new Promise((r) => upstream?.close(r));
});

const sse = (res: http.ServerResponse, pieces: string[]) => {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  let i = 0;
  const next = () => {
    if (i < pieces.length) {
      res.write(pieces[i++]);
      setTimeout(next, 5);
    } else res.end();
  };
  next();
};
const ev = (o: unknown) => `data: ${JSON.stringify(o)}\n\n`;
const chunk = (index: number, delta: unknown, finish: string | null = null) => ({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'A', choices: [{ index, delta, finish_reason: finish }] });

// A street address written over two lines: the detected value holds a newline.
const ADDRESS_PROMPT = 'Please ship my order to\n12 Main Street\nSpringfield, IL 62704 and call me.';

describe('PII restore into tool-call arguments', () => {
  it('a restored value is JSON-escaped inside the arguments string (JSON answer)', async () => {
    script = (b, res) => {
      const ph = /<STREET_ADDRESS_\d+>/.exec(b.messages.at(-1).content)?.[0] ?? '<none>';
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'c', object: 'chat.completion', created: 1, model: 'A', choices: [{ index: 0, message: { role: 'assistant', content: null, tool_calls: [{ id: 't', type: 'function', function: { name: 'ship', arguments: JSON.stringify({ address: ph }) } }] }, finish_reason: 'tool_calls' }] }));
    };
    const r = await client.chat.completions.create({ model: 'A', messages: [{ role: 'user', content: ADDRESS_PROMPT }] });
    const sent = bodies.at(-1)!.messages.at(-1).content as string;
    expect(sent).toMatch(/<STREET_ADDRESS_\d+>/);
    expect(sent).not.toContain('Main Street');
    const call = r.choices[0].message.tool_calls![0];
    const args = call.type === 'function' ? call.function.arguments : '';
    expect(() => JSON.parse(args)).not.toThrow();
    expect(JSON.parse(args).address).toContain('12 Main Street\nSpringfield');
  });

  it('the same, streamed with the placeholder split over chunks and network reads', async () => {
    script = (b, res) => {
      const ph = /<STREET_ADDRESS_\d+>/.exec(b.messages.at(-1).content)?.[0] ?? '<none>';
      const args = JSON.stringify({ address: ph });
      const cut = args.indexOf('ADDRESS');
      const text =
        ev(chunk(0, { role: 'assistant', tool_calls: [{ index: 0, id: 't', type: 'function', function: { name: 'ship', arguments: args.slice(0, cut) } }] })) +
        ev(chunk(0, { tool_calls: [{ index: 0, function: { arguments: args.slice(cut) } }] })) +
        ev(chunk(0, {}, 'tool_calls')) +
        'data: [DONE]\n\n';
      const at = text.indexOf('ADDRESS') + 2;
      sse(res, [text.slice(0, at), text.slice(at)]);
    };
    const stream = await client.chat.completions.create({ model: 'A', messages: [{ role: 'user', content: ADDRESS_PROMPT }], stream: true });
    let args = '';
    for await (const ch of stream) for (const c of ch.choices) for (const t of c.delta.tool_calls ?? []) args += t.function?.arguments ?? '';
    expect(() => JSON.parse(args)).not.toThrow();
    expect(JSON.parse(args).address).toContain('12 Main Street\nSpringfield');
  });

  // A Go-served model (Ollama; Go's encoding/json escapes '<' and '>' by default) writes the
  // placeholder into arguments as \u003cSTREET_ADDRESS_1\u003e; JSON.parse reads that as the
  // placeholder, so the client got it unrestored.
  for (const stream of [false, true]) {
    it(`placeholders with \\u003c / \\u003e escaped brackets are restored (${stream ? 'streamed, split inside the escape' : 'JSON answer'})`, async () => {
      script = (b, res) => {
        const ph = /<STREET_ADDRESS_\d+>/.exec(b.messages.at(-1).content)?.[0] ?? '<none>';
        const args = JSON.stringify({ address: ph }).replace(/</g, '\\u003c').replace(/>/g, '\\u003e');
        if (!b.stream) {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ id: 'c', object: 'chat.completion', created: 1, model: 'A', choices: [{ index: 0, message: { role: 'assistant', content: null, tool_calls: [{ id: 't', type: 'function', function: { name: 'ship', arguments: args } }] }, finish_reason: 'tool_calls' }] }));
          return;
        }
        const cut = args.indexOf('u003c') + 2;
        sse(res, [
          ev(chunk(0, { role: 'assistant', tool_calls: [{ index: 0, id: 't', type: 'function', function: { name: 'ship', arguments: args.slice(0, cut) } }] })),
          ev(chunk(0, { tool_calls: [{ index: 0, function: { arguments: args.slice(cut) } }] })) + ev(chunk(0, {}, 'tool_calls')) + 'data: [DONE]\n\n',
        ]);
      };
      let args = '';
      if (stream) {
        const s = await client.chat.completions.create({ model: 'A', messages: [{ role: 'user', content: ADDRESS_PROMPT }], stream: true });
        for await (const ch of s) for (const c of ch.choices) for (const t of c.delta.tool_calls ?? []) args += t.function?.arguments ?? '';
      } else {
        const call = (await client.chat.completions.create({ model: 'A', messages: [{ role: 'user', content: ADDRESS_PROMPT }] })).choices[0].message.tool_calls![0];
        args = call.type === 'function' ? call.function.arguments : '';
      }
      expect(bodies.at(-1)!.messages.at(-1).content).not.toContain('Main Street');
      expect(JSON.parse(args).address).toContain('12 Main Street\nSpringfield');
    });
  }
});

describe('PII restore at the end of a stream', () => {
  // An upstream that ends a choice without finish_reason (cut short, or not following the spec):
  // the text the restorer held back as a possible placeholder must still reach the client.
  for (const withDone of [true, false]) {
    it(`held text is sent when the stream ends without finish_reason (${withDone ? 'with' : 'without'} [DONE])`, async () => {
      script = (_b, res) => sse(res, [ev(chunk(0, { role: 'assistant', content: 'Write to <EMAIL_ADDRESS_1> or <EMAIL_ADD' })), withDone ? 'data: [DONE]\n\n' : '']);
      const r = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'A', stream: true, messages: [{ role: 'user', content: 'Mail jane.doe@example.com please.' }] }),
      });
      const text = await r.text();
      const events = text.split('\n\n').filter((e) => e.trim());
      const content = events
        .filter((e) => e.startsWith('data: {'))
        .map((e) => JSON.parse(e.slice(6)).choices?.[0]?.delta?.content ?? '')
        .join('');
      expect(content).toBe('Write to jane.doe@example.com or <EMAIL_ADD');
      if (withDone) expect(events.at(-1)).toBe('data: [DONE]');
    });
  }
});

// Replies with every text the upstream received, so the client sees what restore made of it.
const echoAll = (b: Record<string, any>, res: http.ServerResponse) => {
  const content = b.messages.map((m: { content: string }) => m.content).join('\n');
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ id: 'c', object: 'chat.completion', created: 1, model: 'A', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }] }));
};

describe('placeholders already present in the request', () => {
  it("a literal the user typed keeps its text; the detected value gets a number no text of the request uses", async () => {
    script = echoAll;
    const prompt = 'My template says <EMAIL_ADDRESS_1> and <EMAIL_ADDRESS_3>; fill in jane.doe@example.com please.';
    const r = await client.chat.completions.create({ model: 'A', messages: [{ role: 'user', content: prompt }] });
    const sent = bodies.at(-1)!.messages.at(-1).content as string;
    expect(sent).not.toContain('jane.doe@example.com');
    const made = sent.match(/<EMAIL_ADDRESS_\d+>/g)!;
    // The user's two literals, then the placeholder this request made: a number neither literal has.
    expect(made.slice(0, 2)).toEqual(['<EMAIL_ADDRESS_1>', '<EMAIL_ADDRESS_3>']);
    expect(made[2]).toBe('<EMAIL_ADDRESS_2>');
    expect(r.choices[0].message.content).toBe(prompt);
  });

  it('a placeholder left by an earlier redacting hop in another message is not reused', async () => {
    script = echoAll;
    const messages = [
      { role: 'user' as const, content: 'Earlier I wrote to <EMAIL_ADDRESS_1>.' },
      { role: 'assistant' as const, content: 'Noted.' },
      { role: 'user' as const, content: 'Now write to jane.doe@example.com instead.' },
    ];
    const r = await client.chat.completions.create({ model: 'A', messages });
    const sent = bodies.at(-1)!.messages as Array<{ content: string }>;
    expect(sent[0].content).toBe('Earlier I wrote to <EMAIL_ADDRESS_1>.');
    expect(sent[2].content).toMatch(/^Now write to <EMAIL_ADDRESS_([2-9]|\d\d+)> instead\.$/);
    expect(r.choices[0].message.content).toBe(messages.map((m) => m.content).join('\n'));
  });
});

describe('assistant history besides content', () => {
  it("an earlier assistant turn's reasoning_content and reasoning are masked before the model sees them, and restored in the answer", async () => {
    script = (b, res) => {
      const prior = b.messages[1] as Record<string, string>;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'c', object: 'chat.completion', created: 1, model: 'A', choices: [{ index: 0, message: { role: 'assistant', content: `${prior.reasoning_content} / ${prior.reasoning}` }, finish_reason: 'stop' }] }));
    };
    const messages = [
      { role: 'user', content: 'Who should I write to?' },
      { role: 'assistant', content: 'Ann.', reasoning_content: 'Her mail is ann.lee@example.com.', reasoning: 'Or call 212-555-0187.' },
      { role: 'user', content: 'Remind me of both.' },
    ];
    const r = await client.chat.completions.create({ model: 'A', messages: messages as any });
    const seen = bodies.at(-1)!.messages[1] as Record<string, string>;
    expect(JSON.stringify(seen)).not.toContain('ann.lee@example.com');
    expect(seen.reasoning_content).toMatch(/^Her mail is <EMAIL_ADDRESS_\d+>\.$/);
    expect(seen.reasoning).not.toContain('212-555-0187');
    expect(r.choices[0].message.content).toBe('Her mail is ann.lee@example.com. / Or call 212-555-0187.');
  });
});

describe('placeholders the model retyped', () => {
  // The upstream answers with the placeholder it got in other case and spacing, next to the user's
  // own literal and a variant of a number this request never made: only the request's own comes back.
  const PROMPT = 'Keep <email_address_1> as is; reply to jane.doe@example.com.';
  const answerFor = (b: Record<string, any>) => {
    const n = /<EMAIL_ADDRESS_(\d+)>/.exec(b.messages.at(-1).content)?.[1] ?? 'none';
    return `A <email_address_${n}> B <Email Address ${n}> C < EMAIL_ADDRESS_${n} > D <email_address_1> E <EMAIL_ADDRESS_9> F <email_address_${n}0>`;
  };
  const expected = 'A jane.doe@example.com B jane.doe@example.com C jane.doe@example.com D <email_address_1> E <EMAIL_ADDRESS_9> F <email_address_20>';

  it('JSON answer', async () => {
    script = (b, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'c', object: 'chat.completion', created: 1, model: 'A', choices: [{ index: 0, message: { role: 'assistant', content: answerFor(b) }, finish_reason: 'stop' }] }));
    };
    const r = await client.chat.completions.create({ model: 'A', messages: [{ role: 'user', content: PROMPT }] });
    expect(bodies.at(-1)!.messages.at(-1).content).toBe('Keep <email_address_1> as is; reply to <EMAIL_ADDRESS_2>.');
    expect(r.choices[0].message.content).toBe(expected);
  });

  it('streamed, every retyped placeholder split over chunks and network reads', async () => {
    script = (b, res) => {
      const text = answerFor(b);
      // Cut each chunk inside a placeholder: after '<Email Add', '< EMAIL', '<email_address_'.
      const cuts = [text.indexOf('<Email') + 9, text.indexOf('< EMAIL') + 7, text.indexOf('F <') + 17, text.length];
      let at = 0;
      let out = ev(chunk(0, { role: 'assistant', content: '' }));
      for (const c of cuts) out += ev(chunk(0, { content: text.slice(at, c) })), (at = c);
      out += ev(chunk(0, {}, 'stop')) + 'data: [DONE]\n\n';
      const mid = out.indexOf('Address') + 3;
      sse(res, [out.slice(0, mid), out.slice(mid)]);
    };
    const stream = await client.chat.completions.create({ model: 'A', messages: [{ role: 'user', content: PROMPT }], stream: true });
    let content = '';
    for await (const ch of stream) for (const c of ch.choices) content += c.delta.content ?? '';
    expect(content).toBe(expected);
  });
});

describe('PII restore in refusals', () => {
  const PROMPT = 'Send my records to jane.doe@example.com.';
  const placeholder = (b: Record<string, any>) => /<EMAIL_ADDRESS_\d+>/.exec(b.messages.at(-1).content)?.[0] ?? '<none>';

  it('choices[].message.refusal (JSON answer)', async () => {
    script = (b, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const refusal = `I cannot send records to ${placeholder(b)}.`;
      res.end(JSON.stringify({ id: 'c', object: 'chat.completion', created: 1, model: 'A', choices: [{ index: 0, message: { role: 'assistant', content: null, refusal }, finish_reason: 'stop' }] }));
    };
    const r = await client.chat.completions.create({ model: 'A', messages: [{ role: 'user', content: PROMPT }] });
    expect(r.choices[0].message.refusal).toBe('I cannot send records to jane.doe@example.com.');
  });

  it('choices[].delta.refusal (SSE), the placeholder split over chunks and network reads', async () => {
    script = (b, res) => {
      const p = placeholder(b);
      const text =
        ev(chunk(0, { role: 'assistant', refusal: `I cannot send records to ${p.slice(0, 8)}` })) +
        ev(chunk(0, { refusal: `${p.slice(8)}.` })) +
        ev(chunk(0, {}, 'stop')) +
        'data: [DONE]\n\n';
      const at = text.indexOf('ADDRESS') + 3;
      sse(res, [text.slice(0, at), text.slice(at)]);
    };
    const r = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'A', stream: true, messages: [{ role: 'user', content: PROMPT }] }),
    });
    const refusal = (await r.text())
      .split('\n\n')
      .filter((e) => e.startsWith('data: {'))
      .map((e) => JSON.parse(e.slice(6)).choices?.[0]?.delta?.refusal ?? '')
      .join('');
    expect(refusal).toBe('I cannot send records to jane.doe@example.com.');
  });
});

// A client that sends legacy `functions` (their texts are redacted since 5ed945a) gets the model's
// call back in the legacy `function_call`: its arguments hold the placeholder and are restored as
// tool-call arguments are, JSON or streamed.
describe('PII restore into a legacy function_call', () => {
  const EMAIL = 'jane.doe@example.com';
  const functions = [{ name: 'mail', description: 'Sends a mail.', parameters: { type: 'object', properties: { to: { type: 'string' } } } }];
  const placeholderOf = (b: Record<string, any>) => /<EMAIL_ADDRESS_\d+>/.exec(b.messages.at(-1).content)?.[0] ?? '<none>';

  it('JSON answer', async () => {
    script = (b, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const message = { role: 'assistant', content: null, function_call: { name: 'mail', arguments: JSON.stringify({ to: placeholderOf(b) }) } };
      res.end(JSON.stringify({ id: 'c', object: 'chat.completion', created: 1, model: 'A', choices: [{ index: 0, message, finish_reason: 'function_call' }] }));
    };
    const r = await client.chat.completions.create({ model: 'A', messages: [{ role: 'user', content: `Mail ${EMAIL} the report.` }], functions } as never);
    expect(JSON.stringify(bodies.at(-1))).not.toContain(EMAIL);
    expect(JSON.parse((r as any).choices[0].message.function_call.arguments)).toEqual({ to: EMAIL });
  });

  it('streamed, the placeholder cut across chunks', async () => {
    script = (b, res) => {
      const args = JSON.stringify({ to: placeholderOf(b) });
      const cut = args.indexOf('<') + 4;
      sse(res, [
        ev(chunk(0, { role: 'assistant', function_call: { name: 'mail', arguments: args.slice(0, cut) } })),
        ev(chunk(0, { function_call: { arguments: args.slice(cut) } })) + ev(chunk(0, {}, 'function_call')) + 'data: [DONE]\n\n',
      ]);
    };
    const stream = await client.chat.completions.create({ model: 'A', stream: true, messages: [{ role: 'user', content: `Mail ${EMAIL} the report.` }], functions } as never);
    let args = '';
    for await (const ch of stream as any) for (const c of ch.choices) args += c.delta.function_call?.arguments ?? '';
    expect(JSON.parse(args)).toEqual({ to: EMAIL });
  });
});

// Structured output: the answer's content is JSON (response_format json_object / json_schema,
// vLLM's guided_json or structured_outputs.json), so a placeholder there sits in a JSON string and
// its value goes back JSON-escaped, as into tool-call arguments. Restored raw, the address's newline
// broke the JSON the client parses.
describe('PII restore into a structured-output (JSON) answer', () => {
  const jsonAnswer = (b: Record<string, any>) => JSON.stringify({ address: /<STREET_ADDRESS_\d+>/.exec(b.messages.at(-1).content)?.[0] ?? '<none>' });
  const formats: Array<[string, Record<string, unknown>]> = [
    ['response_format json_object', { response_format: { type: 'json_object' } }],
    ['response_format json_schema', { response_format: { type: 'json_schema', json_schema: { name: 'a', schema: { type: 'object' } } } }],
    ['guided_json', { guided_json: { type: 'object' } }],
  ];
  for (const [name, extra] of formats) {
    it(`JSON answer, ${name}`, async () => {
      script = (b, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: 'c', object: 'chat.completion', created: 1, model: 'A', choices: [{ index: 0, message: { role: 'assistant', content: jsonAnswer(b) }, finish_reason: 'stop' }] }));
      };
      const r = await client.chat.completions.create({ model: 'A', messages: [{ role: 'user', content: ADDRESS_PROMPT }], ...extra } as never);
      const content = (r as any).choices[0].message.content as string;
      expect(JSON.parse(content).address).toContain('12 Main Street\nSpringfield');
    });
  }

  it('streamed, the placeholder split over chunks', async () => {
    script = (b, res) => {
      const text = jsonAnswer(b);
      const cut = text.indexOf('<') + 5;
      sse(res, [ev(chunk(0, { role: 'assistant', content: text.slice(0, cut) })), ev(chunk(0, { content: text.slice(cut) })) + ev(chunk(0, {}, 'stop')) + 'data: [DONE]\n\n']);
    };
    const stream = await client.chat.completions.create({ model: 'A', stream: true, messages: [{ role: 'user', content: ADDRESS_PROMPT }], response_format: { type: 'json_object' } });
    let content = '';
    for await (const ch of stream) for (const c of ch.choices) content += c.delta.content ?? '';
    expect(JSON.parse(content).address).toContain('12 Main Street\nSpringfield');
  });

  it('a plain-text answer still gets the value as written', async () => {
    script = (b, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'c', object: 'chat.completion', created: 1, model: 'A', choices: [{ index: 0, message: { role: 'assistant', content: `Shipping to ${JSON.parse(jsonAnswer(b)).address}.` }, finish_reason: 'stop' }] }));
    };
    const r = await client.chat.completions.create({ model: 'A', messages: [{ role: 'user', content: ADDRESS_PROMPT }] });
    expect(r.choices[0].message.content).toContain('12 Main Street\nSpringfield');
  });
});
