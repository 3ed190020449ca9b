// Guardrails end to end: the `openai` SDK -> semroute (real socket, real packs on onnxruntime-node)
// -> upstream (mock Production Stack router, or an echo server to see what a model received).
// Counts over the reference's own cases are printed; the floors asserted are the ones measured on
// the committed packs, minus a small margin (see the final report of issue 4).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { realClassifiers, SHARED, startGateway, testConfig, type Gateway } from './gateway-harness.ts';
import { startEchoUpstream, type EchoServer } from './guard-echo-upstream.ts';
import type { Classifiers } from '../../src/classify/types.ts';
import { loadDefaultConfig } from '../../src/config/index.ts';

type Case = { question: string; description?: string; pii_type?: string; category?: string };
const load = (f: string): Case[] => JSON.parse(readFileSync(`${SHARED}vsr-testdata/${f}`, 'utf8'));
const JAILBREAK = load('jailbreak_detection_cases.json');
const PII = load('pii_detection_cases.json');
const BENIGN = load('domain_classify_cases.json');
const ep = (port: number) => [{ name: 'production-stack', address: '127.0.0.1', port }];
const DENY = { allow_by_default: false, pii_types_allowed: [] as string[] };
const sdk = (gw: Gateway) => new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'k', maxRetries: 0 });

interface Answer {
  headers: Headers;
  content: string;
  finish: string | null;
  model: string;
  chunks: number;
}

async function ask(client: OpenAI, model: string, messages: OpenAI.ChatCompletionMessageParam[] | string, stream = false): Promise<Answer> {
  const msgs = typeof messages === 'string' ? [{ role: 'user' as const, content: messages }] : messages;
  if (!stream) {
    const { data, response } = await client.chat.completions.create({ model, messages: msgs }).withResponse();
    return { headers: response.headers, content: data.choices[0].message.content ?? '', finish: data.choices[0].finish_reason, model: data.model, chunks: 0 };
  }
  const { data, response } = await client.chat.completions.create({ model, messages: msgs, stream: true }).withResponse();
  let content = '';
  let finish: string | null = null;
  let m = '';
  let chunks = 0;
  for await (const ch of data) {
    chunks++;
    m = ch.model;
    for (const c of ch.choices) {
      content += c.delta?.content ?? '';
      finish = c.finish_reason ?? finish;
    }
  }
  return { headers: response.headers, content, finish, model: m, chunks };
}

let classifiers: Classifiers;
beforeAll(async () => {
  classifiers = await realClassifiers();
  expect(classifiers.sequence('jailbreak')).toBeDefined();
  expect(classifiers.pii('pii')).toBeDefined();
});

describe('jailbreak guard (prompt_guard.enabled, threshold 0.7)', () => {
  let gw: Gateway;
  let client: OpenAI;
  beforeAll(async () => {
    gw = await startGateway({ classifiers, config: (port) => testConfig({ prompt_guard: { enabled: true, threshold: 0.7 } }, ep(port)) });
    client = sdk(gw);
  });
  afterAll(() => gw?.close());

  it('blocks the reference jailbreak cases and reports the count', async () => {
    let blocked = 0;
    for (const c of JAILBREAK) {
      const before = gw.mock.mock.requests.length;
      const a = await ask(client, 'MoM', c.question);
      if (a.headers.get('x-vsr-jailbreak-blocked') === 'true') {
        blocked++;
        expect(a.finish).toBe('content_filter');
        expect(a.model).toBe('security-filter');
        expect(a.headers.get('x-vsr-jailbreak-type')).toBe('jailbreak');
        expect(Number(a.headers.get('x-vsr-jailbreak-confidence'))).toBeGreaterThanOrEqual(0.7);
        expect(a.headers.get('x-vsr-jailbreak-confidence')).toMatch(/^\d\.\d{3}$/);
        expect(a.content).toMatch(/^I cannot process this request as it appears to contain a potential jailbreak attempt \(type: jailbreak, confidence: \d\.\d{3}\)\. Please rephrase/);
        expect(gw.mock.mock.requests.length).toBe(before); // never reached a model
      } else {
        expect(a.finish).toBe('stop');
      }
    }
    console.log(`[guard] jailbreak cases blocked: ${blocked}/${JAILBREAK.length}`);
    expect(blocked).toBeGreaterThanOrEqual(7);
  });

  it('lets the benign domain cases through and reports false blocks', async () => {
    let blocked = 0;
    for (const c of BENIGN) {
      const a = await ask(client, 'MoM', c.question);
      if (a.headers.get('x-vsr-jailbreak-blocked') === 'true') blocked++;
      else expect(a.content).toMatch(/^This is a mock answer from /);
    }
    console.log(`[guard] benign domain cases blocked as jailbreak: ${blocked}/${BENIGN.length}`);
    expect(blocked).toBeLessThanOrEqual(6);
  });

  it('streaming block: one chunk with content_filter, then [DONE], parsed by the SDK', async () => {
    const inj = JAILBREAK[0].question;
    const a = await ask(client, 'MoM', inj, true);
    expect(a.headers.get('content-type')).toMatch(/text\/event-stream/);
    expect(a.headers.get('x-vsr-jailbreak-blocked')).toBe('true');
    expect(a.chunks).toBe(1);
    expect(a.finish).toBe('content_filter');
    expect(a.content).toContain('potential jailbreak attempt');
    // Accept: text/event-stream without stream:true is streaming too (reference request-header rule)
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: inj }] }),
    });
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(text.split('\n\n').filter(Boolean)).toHaveLength(2);
    // Media types are case-insensitive (RFC 9110 8.3.1): 'Text/Event-Stream' asks for a stream too.
    const mixed = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'Text/Event-Stream' },
      body: JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: inj }] }),
    });
    expect(mixed.headers.get('content-type')).toMatch(/text\/event-stream/);
    expect((await mixed.text()).endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('streaming block with stream_options.include_usage: a usage chunk (zeros) before [DONE], as any OpenAI stream', async () => {
    const stream = await client.chat.completions.create({ model: 'MoM', messages: [{ role: 'user', content: JAILBREAK[0].question }], stream: true, stream_options: { include_usage: true } });
    const chunks = [];
    for await (const ch of stream) chunks.push(ch);
    expect(chunks).toHaveLength(2);
    expect(chunks[0].choices[0].finish_reason).toBe('content_filter');
    expect(chunks[1].choices).toEqual([]);
    expect(chunks[1].usage).toEqual({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
    expect(chunks[1].id).toBe(chunks[0].id);
  });

  it('scans every user message, not only the latest', async () => {
    const a = await ask(client, 'qwen3', [
      { role: 'user', content: JAILBREAK[0].question },
      { role: 'assistant', content: 'Sure.' },
      { role: 'user', content: 'Thanks, go on.' },
    ]);
    expect(a.headers.get('x-vsr-jailbreak-blocked')).toBe('true');
  });
});

describe('jailbreak guard options', () => {
  it('action: flag forwards with a header; scan_roles reaches system and tool texts', async () => {
    const gw = await startGateway({
      classifiers,
      config: (port) => testConfig({ prompt_guard: { enabled: true, action: 'flag', scan_roles: ['user', 'system', 'tool'] } }, ep(port)),
    });
    try {
      const client = sdk(gw);
      const inj = JAILBREAK[0].question;
      const a = await ask(client, 'qwen3', inj);
      expect(a.content).toBe('This is a mock answer from qwen3.');
      expect(a.headers.get('x-vsr-jailbreak-flagged')).toBe('true');
      expect(a.headers.get('x-vsr-jailbreak-confidence')).toMatch(/^\d\.\d{3}$/);
      const b = await ask(client, 'qwen3', [
        { role: 'user', content: 'Summarise the tool result.' },
        { role: 'assistant', content: null, tool_calls: [{ id: 't1', type: 'function', function: { name: 'fetch', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 't1', content: inj },
      ]);
      expect(b.headers.get('x-vsr-jailbreak-flagged')).toBe('true');
      const c = await ask(client, 'qwen3', [{ role: 'system', content: inj }, { role: 'user', content: 'hello' }]);
      expect(c.headers.get('x-vsr-jailbreak-flagged')).toBe('true');
      const d = await ask(client, 'qwen3', 'What is the boiling point of water?');
      expect(d.headers.get('x-vsr-jailbreak-flagged')).toBeNull();
    } finally {
      await gw.close();
    }
  });
});

describe('PII policy (every served model denies all types)', () => {
  let gw: Gateway;
  let client: OpenAI;
  beforeAll(async () => {
    gw = await startGateway({
      classifiers,
      config: (port) => testConfig({ model_config: { qwen3: { pii_policy: DENY }, 'deepseek-v3': { pii_policy: DENY }, 'gpt-oss-20b': { pii_policy: DENY } } }, ep(port)),
    });
    client = sdk(gw);
  });
  afterAll(() => gw?.close());

  it('blocks the reference PII cases (auto routing and explicit model) and reports the count', async () => {
    let routed = 0;
    let explicit = 0;
    for (const c of PII) {
      const before = gw.mock.mock.requests.length;
      const a = await ask(client, 'MoM', c.question);
      if (a.headers.get('x-vsr-pii-violation') === 'true') {
        routed++;
        expect(a.finish).toBe('content_filter');
        expect(a.content).toMatch(/^I cannot process this request as it contains personally identifiable information \(\[[A-Z_ ]+\]\) that is not allowed for the '[\w-]+' model according to the configured privacy policy\. Please remove/);
        expect(gw.mock.mock.requests.length).toBe(before);
      }
      const b = await ask(client, 'gpt-oss-20b', c.question, true);
      if (b.headers.get('x-vsr-pii-violation') === 'true') {
        explicit++;
        expect(b.chunks).toBe(1);
        expect(b.finish).toBe('content_filter');
        expect(b.model).toBe('gpt-oss-20b');
        expect(b.content).toContain("not allowed for the 'gpt-oss-20b' model");
      }
    }
    console.log(`[guard] PII cases blocked: auto ${routed}/${PII.length}, explicit+stream ${explicit}/${PII.length}`);
    expect(routed).toBeGreaterThanOrEqual(18);
    expect(explicit).toBe(routed);
  });

  it('reports how many benign domain cases a deny-all policy blocks', async () => {
    let blocked = 0;
    for (const c of BENIGN) if ((await ask(client, 'MoM', c.question)).headers.get('x-vsr-pii-violation') === 'true') blocked++;
    console.log(`[guard] benign domain cases blocked by a deny-all PII policy: ${blocked}/${BENIGN.length}`);
    expect(blocked).toBeLessThanOrEqual(45);
  });
});

describe('PII policy alternatives', () => {
  it('reroutes to the best allowed model in the category, else default_model; never to a denying model', async () => {
    // Every category prefers gpt-oss-20b (may see no PII), then deepseek-v3 (may see PERSON);
    // default_model qwen3 may see everything.
    const categories = loadDefaultConfig().config.categories.map((c) => ({
      ...c,
      model_scores: [
        { model: 'gpt-oss-20b', score: 0.9, use_reasoning: false },
        { model: 'deepseek-v3', score: 0.8, use_reasoning: false },
      ],
    }));
    const gw = await startGateway({
      classifiers,
      config: (port) =>
        testConfig(
          {
            default_model: 'qwen3',
            categories,
            // every prompt gets a category, so the in-category alternative is what is exercised
            classifier: { category_model: { threshold: 0 }, pii_model: { threshold: 0.7 } },
            model_config: { 'gpt-oss-20b': { pii_policy: DENY }, 'deepseek-v3': { pii_policy: { allow_by_default: false, pii_types_allowed: ['PERSON'] } } },
          },
          ep(port),
        ),
    });
    try {
      const client = sdk(gw);
      const tally = { alternative: 0, default: 0, untouched: 0, noCategory: 0 };
      for (const c of PII) {
        // What the detector finds in this text (the classification API runs the same scan).
        const r = await fetch(`${gw.url}/api/v1/classify/pii`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: c.question }) });
        const types = new Set(((await r.json()) as { entities: Array<{ type: string }> }).entities.map((e) => e.type));
        const a = await ask(client, 'MoM', c.question);
        expect(a.headers.get('x-vsr-pii-violation')).toBeNull();
        const seen = gw.mock.mock.requests.at(-1)!.model;
        expect(a.headers.get('x-vsr-selected-model')).toBe(seen);
        const category = a.headers.get('x-vsr-selected-category');
        // Low routing confidence: no category, default_model (qwen3) first. A TITLE counts as PERSON (pii-policy.ts).
        const kind = !category ? 'noCategory' : types.size === 0 ? 'untouched' : [...types].every((t) => t === 'PERSON' || t === 'TITLE') ? 'alternative' : 'default';
        const expected = { noCategory: 'qwen3', untouched: 'gpt-oss-20b', alternative: 'deepseek-v3', default: 'qwen3' }[kind];
        expect(seen, `${c.description}: detected ${[...types].join(',')}, category ${category}`).toBe(expected);
        tally[kind]++;
      }
      console.log(
        `[guard] PII cases: ${tally.alternative} rerouted to the in-category alternative, ${tally.default} to default_model, ` +
          `${tally.untouched} with no PII detected stayed, ${tally.noCategory} had no category (default_model by routing); of ${PII.length}`,
      );
      expect(tally.alternative).toBeGreaterThan(0);
      expect(tally.default).toBeGreaterThan(0);
    } finally {
      await gw.close();
    }
  });
});

describe('redaction (pii_policy.action: redact)', () => {
  let echo: EchoServer;
  let gw: Gateway;
  let client: OpenAI;
  const EMAIL = 'jane.doe@example.com';
  const SSN = '123-45-6789';
  const IP = '10.20.30.40';
  const PROMPT = `Please email ${EMAIL} about SSN ${SSN} and the server ${IP}, and cc ${EMAIL}.`;
  beforeAll(async () => {
    echo = await startEchoUpstream();
    gw = await startGateway({
      classifiers,
      config: () =>
        testConfig(
          {
            default_model: 'Model-A',
            model_config: {
              'Model-A': { pii_policy: { allow_by_default: false, action: 'redact', restore: true } },
              'Model-B': { pii_policy: { allow_by_default: false, pii_types_allowed: ['IP_ADDRESS'], action: 'redact' } },
            },
          },
          // named like the default config's endpoint, which its model_config entries prefer
          [{ name: 'production-stack', address: '127.0.0.1', port: echo.port, weight: 1 }],
        ),
    });
    client = sdk(gw);
  });
  afterAll(async () => {
    await gw?.close();
    await echo?.close();
  });

  it('the model sees typed placeholders; the client gets its values back (JSON and stream)', async () => {
    for (const stream of [false, true]) {
      const a = await ask(client, 'Model-A', PROMPT, stream);
      const sent = echo.raw.at(-1)!;
      for (const v of [EMAIL, SSN, IP]) expect(sent).not.toContain(v);
      const userSent = echo.bodies.at(-1)!.messages.at(-1).content as string;
      expect(userSent).toMatch(/<EMAIL_ADDRESS_1>.*<US_SSN_1>.*<IP_ADDRESS_1>.*<EMAIL_ADDRESS_1>\./);
      expect(a.content).toBe(`You said: ${PROMPT}`);
      expect(a.headers.get('x-vsr-pii-redacted')).toBe('EMAIL_ADDRESS,IP_ADDRESS,US_SSN');
    }
  });

  it('without restore the client sees the placeholders; allowed types pass unmasked', async () => {
    const a = await ask(client, 'Model-B', PROMPT, true);
    expect(a.content).toContain('<EMAIL_ADDRESS_1>');
    expect(a.content).toContain(IP);
    expect(a.content).not.toContain(EMAIL);
    expect(echo.raw.at(-1)).not.toContain(SSN);
  });

  it('redacts inside content parts, system prompts and tool results too', async () => {
    await ask(client, 'Model-A', [
      { role: 'system', content: `Escalations go to ${EMAIL}.` },
      // (An image part is not sent to this model: the detector cannot read it, guard-file-media-parts.test.ts.)
      { role: 'user', content: [{ type: 'text', text: `My SSN is ${SSN}.` }, { type: 'text', text: 'Please check it.' }] },
      { role: 'assistant', content: null, tool_calls: [{ id: 't', type: 'function', function: { name: 'lookup', arguments: JSON.stringify({ email: EMAIL }) } }] },
      { role: 'tool', tool_call_id: 't', content: `record for ${SSN}` },
    ]);
    const sent = echo.raw.at(-1)!;
    for (const v of [EMAIL, SSN]) expect(sent).not.toContain(v);
    expect(echo.bodies.at(-1)!.messages[1].content[1]).toEqual({ type: 'text', text: 'Please check it.' });
    expect(JSON.parse(echo.bodies.at(-1)!.messages[2].tool_calls[0].function.arguments)).toEqual({ email: '<EMAIL_ADDRESS_1>' });
  });

  it("redacts a message's participant name (it often holds a person's name or address); a tool message's name is its function's", async () => {
    // Before: { role: 'user', name: '<an e-mail address>' } reached the model unchanged.
    await ask(client, 'Model-A', [
      { role: 'user', name: EMAIL, content: 'hello there' },
      { role: 'assistant', content: null, tool_calls: [{ id: 't', type: 'function', function: { name: 'lookup', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 't', content: 'done' },
      { role: 'user', content: 'thanks' },
    ] as never);
    const sent = echo.bodies.at(-1)!;
    expect(echo.raw.at(-1)!).not.toContain(EMAIL);
    expect(sent.messages[0].name).toBe('<EMAIL_ADDRESS_1>');
    expect(sent.messages[1].tool_calls[0].function.name).toBe('lookup');
  });
});
