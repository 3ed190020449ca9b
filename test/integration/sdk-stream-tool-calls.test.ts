// Streamed tool calls through the gateway as the openai SDK's helpers assemble them
// (chat.completions.stream, runTools with stream: true): the final message must be the one the
// same SDK assembles straight against the upstream. The upstream streams like vLLM with a tool
// parser and a reasoning parser: reasoning_content deltas, then parallel tool calls whose arguments
// arrive in small pieces (a PII value among them), finish_reason tool_calls, the usage chunk when asked.
// Model A's pii_policy redacts and restores, so its upstream sees placeholders and the client its values.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { realClassifiers, startGateway, testConfig, type Gateway } from './gateway-harness.ts';

const EMAIL = 'maria.gonzalez@example.org';
const PROMPT = `Send the quarterly report to ${EMAIL} and look that contact up.`;
const PLACEHOLDER = /<EMAIL_ADDRESS_\d+>/;
const ADDRESS = new RegExp(`${PLACEHOLDER.source}|[\\w.+-]+@[\\w-]+\\.[\\w.]+`);

const bodies: Array<Record<string, any>> = [];
let upstream: http.Server;
let upstreamUrl: string;
let gw: Gateway;

const ev = (o: unknown) => `data: ${JSON.stringify(o)}\n\n`;
const chunk = (model: string, choices: unknown[], extra: Record<string, unknown> = {}) => ({ id: 'chatcmpl-t', object: 'chat.completion.chunk', created: 1, model, choices, ...extra });
const even = (s: string, n: number) => Array.from({ length: Math.ceil(s.length / n) }, (_, i) => s.slice(i * n, i * n + n));
/**
 * `s` in pieces of n, except the address (a value or its placeholder), which is cut in two halves of
 * its own: the chunks around it are then the same whichever of the two the upstream saw, so the SDK
 * (which keeps the last reasoning_content delta, not their sum) assembles the same message both ways.
 */
const pieces = (s: string, n: number, address: string): string[] => {
  const at = s.indexOf(address);
  if (at < 0 || !address) return even(s, n);
  const half = Math.ceil(address.length / 2);
  return [...even(s.slice(0, at), n), address.slice(0, half), address.slice(half), ...pieces(s.slice(at + address.length), n, address)];
};

/**
 * The SSE events vLLM would send for this request: tool calls first, an answer once tool results are
 * in. `packed`: the last call's last argument piece (the end of a placeholder) rides in the chunk
 * that carries finish_reason, as vLLM's tool parsers may send it. (A call's arguments continued
 * after the next call started would make the SDK fire its done event early, with the text so far.)
 */
function events(b: Record<string, any>, packed = false): string[] {
  const model = b.model as string;
  const last = b.messages.at(-1);
  const text = (m: any) => (typeof m.content === 'string' ? m.content : '');
  const out: string[] = [ev(chunk(model, [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }]))];
  const address = ADDRESS.exec(b.messages.map(text).join('\n'))?.[0] ?? 'nobody';
  // vLLM's reasoning parser output: reasoning_content, or reasoning in newer vLLM (model B here).
  const field = model === 'B' ? 'reasoning' : 'reasoning_content';
  for (const r of pieces(`The user wants mail for ${address}; two tools.`, 7, address)) out.push(ev(chunk(model, [{ index: 0, delta: { [field]: r }, logprobs: null, finish_reason: null }])));
  let finish = 'stop';
  if (last.role === 'tool') {
    const results = b.messages.filter((m: any) => m.role === 'tool').map(text).join(' | ');
    for (const c of pieces(`Done: ${results}`, 5, address)) out.push(ev(chunk(model, [{ index: 0, delta: { content: c }, logprobs: null, finish_reason: null }])));
  } else {
    const calls = [
      { name: 'send_email', args: JSON.stringify({ to: address, subject: 'Q3 report', body: `Hello ${address},\nattached.` }) },
      { name: 'lookup_contact', args: JSON.stringify({ email: address }) },
    ];
    const tails: unknown[] = [];
    calls.forEach((c, i) => {
      out.push(ev(chunk(model, [{ index: 0, delta: { tool_calls: [{ index: i, id: `chatcmpl-tool-${i}`, type: 'function', function: { name: c.name, arguments: '' } }] }, logprobs: null, finish_reason: null }])));
      const last = packed && i === calls.length - 1;
      const ps = last ? [c.args.slice(0, c.args.lastIndexOf(address) + 3), c.args.slice(c.args.lastIndexOf(address) + 3)] : pieces(c.args, 3, address);
      if (last) tails.push({ index: i, function: { arguments: ps.pop() } });
      for (const a of ps) out.push(ev(chunk(model, [{ index: 0, delta: { tool_calls: [{ index: i, function: { arguments: a } }] }, logprobs: null, finish_reason: null }])));
    });
    if (packed) {
      out.push(ev(chunk(model, [{ index: 0, delta: { tool_calls: tails }, logprobs: null, finish_reason: 'tool_calls', stop_reason: null }])));
      out.push('data: [DONE]\n\n');
      return out;
    }
    finish = 'tool_calls';
  }
  out.push(ev(chunk(model, [{ index: 0, delta: { content: '' }, logprobs: null, finish_reason: finish, stop_reason: null }])));
  if (b.stream_options?.include_usage) out.push(ev(chunk(model, [], { usage: { prompt_tokens: 20, completion_tokens: 30, total_tokens: 50 } })));
  out.push('data: [DONE]\n\n');
  return out;
}

beforeAll(async () => {
  upstream = http.createServer((req, res) => {
    let d = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (d += c));
    req.on('end', () => {
      const b = JSON.parse(d);
      bodies.push(b);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      // Each event written on its own, with network reads cut inside some of them too.
      const evs = events(b, req.headers['x-shape'] === 'packed').flatMap((e, i) => (i % 4 === 1 ? [e.slice(0, 9), e.slice(9)] : [e]));
      let i = 0;
      const next = () => {
        if (i < evs.length) {
          res.write(evs[i++]);
          setImmediate(next);
        } else res.end();
      };
      next();
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
  const port = (upstream.address() as AddressInfo).port;
  upstreamUrl = `http://127.0.0.1:${port}/v1`;
  gw = await startGateway({
    classifiers: await realClassifiers(),
    config: () =>
      testConfig(
        {
          default_model: 'B',
          model_config: {
            A: { pii_policy: { allow_by_default: false, action: 'redact', restore: true } },
            B: { pii_policy: { allow_by_default: true } },
          },
        },
        [{ name: 'production-stack', address: '127.0.0.1', port, weight: 1 }],
      ),
  });
}, 120_000);

afterAll(async () => {
  await gw?.close();
  upstream?.closeAllConnections();
  await new Promise((r) => upstream?.close(r));
});

const SEND_PARAMS = { type: 'object', properties: { to: { type: 'string' }, subject: { type: 'string' }, body: { type: 'string' } } };
const LOOKUP_PARAMS = { type: 'object', properties: { email: { type: 'string' } } };
const TOOLS = [
  { type: 'function' as const, function: { name: 'send_email', parameters: SEND_PARAMS } },
  { type: 'function' as const, function: { name: 'lookup_contact', parameters: LOOKUP_PARAMS } },
];

async function streamed(baseURL: string, model: string, shape = '', usage = false) {
  const client = new OpenAI({ baseURL, apiKey: 'k', maxRetries: 0, defaultHeaders: shape ? { 'x-shape': shape } : {} });
  const stream = client.chat.completions.stream({ model, messages: [{ role: 'user', content: PROMPT }], tools: TOOLS, ...(usage ? { stream_options: { include_usage: true } } : {}) });
  const done: Array<{ name: string; index: number; arguments: string }> = [];
  const reasoning: string[] = [];
  stream.on('tool_calls.function.arguments.done', (e) => done.push({ name: e.name, index: e.index, arguments: e.arguments }));
  stream.on('chunk', (c) => {
    const d = c.choices[0]?.delta as { reasoning_content?: string; reasoning?: string } | undefined;
    const r = d?.reasoning_content ?? d?.reasoning;
    if (typeof r === 'string') reasoning.push(r);
  });
  const final = await stream.finalChatCompletion();
  return { final, done, reasoning };
}

describe('chat.completions.stream: tool calls split over many chunks, two in parallel', () => {
  for (const model of ['B', 'A']) {
    it(`the gateway's stream assembles as the upstream's does (model ${model}${model === 'A' ? ', PII redacted and restored' : ''})`, async () => {
      const direct = await streamed(upstreamUrl, model);
      const via = await streamed(`${gw.url}/v1`, model);
      if (model === 'A') {
        const sent = bodies.at(-1)!.messages.at(-1).content as string;
        expect(sent).toMatch(PLACEHOLDER);
        expect(sent).not.toContain(EMAIL);
      }
      const message = via.final.choices[0]!.message;
      expect(via.final.choices[0]!.finish_reason).toBe('tool_calls');
      expect(message.tool_calls).toHaveLength(2);
      expect(JSON.parse(message.tool_calls![0]!.type === 'function' ? message.tool_calls![0]!.function.arguments : '')).toEqual({ to: EMAIL, subject: 'Q3 report', body: `Hello ${EMAIL},\nattached.` });
      expect(via.final.choices).toEqual(direct.final.choices);
      expect(via.done).toEqual(direct.done);
      expect(via.done.map((d) => d.name)).toEqual(['send_email', 'lookup_contact']);
      // Without a PII policy the reasoning deltas pass chunk for chunk; with one, a held placeholder
      // half moves to the next delta, so only their sum is the same.
      if (model === 'B') expect(via.reasoning).toEqual(direct.reasoning);
      expect(via.reasoning.join('')).toBe(direct.reasoning.join(''));
      expect(via.reasoning.join('')).toContain(EMAIL);
    });
  }
});

describe('chat.completions.stream: the last argument piece in the finishing chunk', () => {
  for (const model of ['B', 'A']) {
    it(`model ${model}: same final message and tool-call done events as straight against the upstream`, async () => {
      const direct = await streamed(upstreamUrl, model, 'packed');
      const via = await streamed(`${gw.url}/v1`, model, 'packed');
      const calls = via.final.choices[0]!.message.tool_calls!.map((c) => (c.type === 'function' ? JSON.parse(c.function.arguments) : undefined));
      expect(calls).toEqual([{ to: EMAIL, subject: 'Q3 report', body: `Hello ${EMAIL},\nattached.` }, { email: EMAIL }]);
      expect(via.final.choices).toEqual(direct.final.choices);
      expect(via.done).toEqual(direct.done);
    });
  }
});

describe('chat.completions.stream with stream_options.include_usage', () => {
  for (const model of ['B', 'A']) {
    it(`model ${model}: the usage chunk after the tool calls reaches the SDK as the upstream sent it`, async () => {
      const direct = await streamed(upstreamUrl, model, '', true);
      const via = await streamed(`${gw.url}/v1`, model, '', true);
      expect(via.final.usage).toEqual({ prompt_tokens: 20, completion_tokens: 30, total_tokens: 50 });
      expect(via.final.usage).toEqual(direct.final.usage);
      expect(via.final.choices).toEqual(direct.final.choices);
    });
  }
});

describe('runTools with stream: true: the tools run with the values, the answer quotes their results', () => {
  for (const model of ['B', 'A']) {
    it(`model ${model}: same tool arguments, same final answer as straight against the upstream`, async () => {
      const run = async (baseURL: string) => {
        const client = new OpenAI({ baseURL, apiKey: 'k', maxRetries: 0 });
        const seen: unknown[] = [];
        const runner = client.chat.completions.runTools({
          model,
          stream: true,
          messages: [{ role: 'user', content: PROMPT }],
          tools: [
            { type: 'function', function: { name: 'send_email', description: 'Send an e-mail', parameters: SEND_PARAMS, parse: JSON.parse, function: (a: { to: string }) => (seen.push(a), `sent to ${a.to}`) } },
            { type: 'function', function: { name: 'lookup_contact', description: 'Find a contact', parameters: LOOKUP_PARAMS, parse: JSON.parse, function: (a: { email: string }) => (seen.push(a), `${a.email} is Maria`) } },
          ],
        });
        const content = await runner.finalContent();
        return { content, seen, calls: (await runner.allChatCompletions()).length };
      };
      const direct = await run(upstreamUrl);
      const via = await run(`${gw.url}/v1`);
      expect(via.seen).toEqual(direct.seen);
      expect(via.seen[0]).toMatchObject({ to: EMAIL });
      expect(via.content).toBe(direct.content);
      expect(via.content).toBe(`Done: sent to ${EMAIL} | ${EMAIL} is Maria`);
      expect(via.calls).toBe(2);
      if (model === 'A') {
        // The tool results went back through the gateway masked too.
        const toolMsgs = bodies.at(-1)!.messages.filter((m: any) => m.role === 'tool');
        expect(toolMsgs.map((m: any) => m.content).join(' ')).not.toContain(EMAIL);
      }
    });
  }
});
