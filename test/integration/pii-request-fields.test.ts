// Personal data in request fields outside the messages that still reach the model (issue #4): the
// client's tool definitions (descriptions, enum / const / default / example values: chat templates
// render each tool's JSON, OpenAI's API shows them to the model), legacy `functions` and an
// assistant turn's legacy `function_call` arguments (OpenAI reads both), the structured-output
// schema (`response_format.json_schema`; vLLM's `guided_json` / `guided_choice` /
// `structured_outputs`: values the model is made to write) and OpenAI's `prediction` content. The
// PII policy read none of them: a model whose policy denies e-mail addresses got them as written.
// Redaction must keep every JSON the model needs intact (the tool schema, the arguments text).
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEchoGateway, type EchoGateway } from './helpers/echo-gateway.ts';

const EMAIL = 'jane.doe@example.com';
const ask = { role: 'user' as const, content: 'What is the weather in Paris?' };

let g: EchoGateway;
let client: OpenAI;
beforeAll(async () => {
  g = await startEchoGateway({ model_config: { 'deepseek-v3': { pii_policy: { allow_by_default: false, action: 'redact', restore: true } } } });
  client = new OpenAI({ baseURL: `${g.gw.url}/v1`, apiKey: 'k', maxRetries: 0 });
}, 120_000);
afterAll(() => g?.close());

/** Sends `extra` with the SDK and returns what the model received (parsed) and its raw text. */
async function forwarded(extra: Record<string, unknown>, messages: unknown[] = [ask]): Promise<{ body: Record<string, any>; raw: string; redacted: string | null }> {
  g.echo.raw.length = 0;
  g.echo.bodies.length = 0;
  const { response } = await client.chat.completions.create({ model: 'deepseek-v3', messages, ...extra } as never).withResponse();
  expect(g.echo.raw).toHaveLength(1);
  return { body: g.echo.bodies[0]!, raw: g.echo.raw[0]!, redacted: response.headers.get('x-vsr-pii-redacted') };
}

const PLACEHOLDER = /^<EMAIL_ADDRESS_\d+>$/;

describe('personal data outside the messages is redacted for a model whose policy denies it', () => {
  it('tool definitions: descriptions and enum / default / example values; the schema stays valid', async () => {
    const tool = {
      type: 'function',
      function: {
        name: 'send_mail',
        description: `Sends mail on behalf of ${EMAIL}.`,
        parameters: { type: 'object', properties: { to: { type: 'string', description: `e.g. ${EMAIL}`, enum: [EMAIL, 'team@corp'], default: EMAIL, examples: [EMAIL] } }, required: ['to'] },
      },
    };
    const f = await forwarded({ tools: [tool] });
    expect(f.raw).not.toContain(EMAIL);
    expect(f.redacted).toContain('EMAIL_ADDRESS');
    const fn = f.body.tools[0].function;
    expect(fn.description).toMatch(/^Sends mail on behalf of <EMAIL_ADDRESS_\d+>\.$/);
    const to = fn.parameters.properties.to;
    expect(to.enum[0]).toMatch(PLACEHOLDER);
    expect(to.enum[1]).toBe('team@corp');
    // One value, one placeholder, wherever it appears.
    expect(to.default).toBe(to.enum[0]);
    expect(to.examples[0]).toBe(to.enum[0]);
    expect(fn.parameters.required).toEqual(['to']);
  });

  it('legacy functions and an assistant turn’s legacy function_call arguments (still JSON)', async () => {
    const messages = [
      ask,
      { role: 'assistant', content: null, function_call: { name: 'send_mail', arguments: JSON.stringify({ to: EMAIL }) } },
      { role: 'function', name: 'send_mail', content: 'sent' },
      ask,
    ];
    const f = await forwarded({ functions: [{ name: 'send_mail', description: `Mails ${EMAIL}`, parameters: { type: 'object', properties: {} } }] }, messages);
    expect(f.raw).not.toContain(EMAIL);
    expect(f.body.functions[0].description).toMatch(/^Mails <EMAIL_ADDRESS_\d+>$/);
    expect(JSON.parse(f.body.messages[1].function_call.arguments).to).toMatch(PLACEHOLDER);
  });

  it('tool-call arguments sent as an object (vLLM renders them as they are): their strings, the object kept', async () => {
    const messages = [
      ask,
      { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'send_mail', arguments: { to: EMAIL, cc: [EMAIL], n: 1 } } }] },
      { role: 'tool', tool_call_id: 'c1', content: 'sent' },
      ask,
    ];
    const f = await forwarded({}, messages);
    expect(f.raw).not.toContain(EMAIL);
    const args = f.body.messages[1].tool_calls[0].function.arguments;
    expect(args.to).toMatch(PLACEHOLDER);
    expect(args.cc).toEqual([args.to]);
    expect(args.n).toBe(1);
  });

  it('the structured-output schema (response_format, guided_json as object or JSON text, guided_choice, structured_outputs)', async () => {
    const schema = { type: 'object', properties: { to: { type: 'string', const: EMAIL, description: `always ${EMAIL}` } } };
    const f = await forwarded({
      response_format: { type: 'json_schema', json_schema: { name: 'mail', description: `for ${EMAIL}`, schema } },
      guided_json: schema,
      guided_choice: [EMAIL, 'nobody'],
      structured_outputs: { choice: [EMAIL], json: JSON.stringify(schema) },
    });
    expect(f.raw).not.toContain(EMAIL);
    const js = f.body.response_format.json_schema;
    expect(js.description).toMatch(/^for <EMAIL_ADDRESS_\d+>$/);
    expect(js.schema.properties.to.const).toMatch(PLACEHOLDER);
    expect(f.body.guided_json.properties.to.const).toMatch(PLACEHOLDER);
    expect(f.body.guided_choice).toEqual([expect.stringMatching(PLACEHOLDER), 'nobody']);
    expect(f.body.structured_outputs.choice[0]).toMatch(PLACEHOLDER);
    expect(JSON.parse(f.body.structured_outputs.json).properties.to.const).toMatch(PLACEHOLDER);
  });

  it('prediction content, as a string or text parts', async () => {
    for (const content of [`Write to ${EMAIL}.`, [{ type: 'text', text: `Write to ${EMAIL}.` }]]) {
      const f = await forwarded({ prediction: { type: 'content', content } });
      expect(f.raw).not.toContain(EMAIL);
      const got = typeof content === 'string' ? f.body.prediction.content : f.body.prediction.content[0].text;
      expect(got).toMatch(/^Write to <EMAIL_ADDRESS_\d+>\.$/);
    }
  });

  it('a tool list of 3,000 strings is read tool by tool (one text each, not 3,000: max_texts is 2,000)', async () => {
    const units = Array.from({ length: 30 }, (_, i) => `unit_${i}`);
    const tools = Array.from({ length: 100 }, (_, i) => ({
      type: 'function',
      function: { name: `tool_${i}`, description: i === 99 ? `Mails ${EMAIL}.` : `Converts a value (${i}).`, parameters: { type: 'object', properties: { unit: { type: 'string', enum: units } } } },
    }));
    const f = await forwarded({ tools });
    expect(f.raw).not.toContain(EMAIL);
    expect(f.body.tools[99].function.description).toMatch(/^Mails <EMAIL_ADDRESS_\d+>\.$/);
    expect(f.body.tools[0].function.parameters.properties.unit.enum).toEqual(units);
  });

  it('ordinary tools, schemas and predictions are forwarded as sent', async () => {
    const extra = {
      tools: [{ type: 'function', function: { name: 'get_weather', description: 'Current weather for a city.', parameters: { type: 'object', properties: { unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } } } } }],
      response_format: { type: 'json_schema', json_schema: { name: 'w', schema: { type: 'object', properties: { temp: { type: 'number', description: 'degrees' } } } } },
      prediction: { type: 'content', content: 'It is sunny.' },
    };
    const f = await forwarded(extra);
    expect(f.body).toMatchObject(extra);
  });
});
