// Phone numbers written as tool call ids. Identifiers under structural keys (`id`, `tool_call_id`,
// `call_id`) are left out of the PII scan so a normal body adds no text, but an id is whatever the
// client wrote and reaches the engine, its logs and the templates that render call ids: a tool_call_id
// of "415-555-2671" or "4155552671" passed a policy that denies PHONE_NUMBER unread, and where the
// assistant's call id was not identifier-shaped ("+1 415-555-2671") it alone was masked. Such an id
// is now read (src/guard/pii-id-values.ts): masked in both places with one placeholder under redact,
// refused under block. Engine-made ids pass as sent. An e-mail address as an id was read already.
// fetch -> semroute (real socket, real packs) -> the echo upstream, which records what it received.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postChat, startEchoGateway, type EchoGateway } from './helpers/echo-gateway.ts';

// Every type but PHONE_NUMBER allowed: what is masked or refused is the phone number alone.
const OTHERS = ['PERSON', 'TITLE', 'ORGANIZATION', 'GPE', 'STREET_ADDRESS', 'DATE_TIME', 'EMAIL_ADDRESS', 'CREDIT_CARD', 'IBAN_CODE', 'US_SSN', 'IP_ADDRESS', 'DOMAIN_NAME', 'AGE', 'NRP', 'ZIP_CODE', 'US_DRIVER_LICENSE'];
const REDACT = 'gpt-oss-20b';
const BLOCK = 'deepseek-v3';
// Denies every type: an engine id read and found to hold anything would be masked.
const DENY_ALL = 'qwen3';

let g: EchoGateway;
beforeAll(async () => {
  g = await startEchoGateway({
    model_config: {
      [REDACT]: { pii_policy: { allow_by_default: false, pii_types_allowed: OTHERS, action: 'redact', restore: true } },
      [BLOCK]: { pii_policy: { allow_by_default: false, pii_types_allowed: OTHERS, action: 'block' } },
      [DENY_ALL]: { pii_policy: { allow_by_default: false, pii_types_allowed: [], action: 'redact' } },
    },
  });
}, 120_000);
afterAll(() => g?.close());

/** A finished tool call: the assistant's call `callId`, the tool's result for `resultId`. */
const toolTurns = (model: string, callId: string, resultId = callId) => ({
  model,
  messages: [
    { role: 'user', content: 'Look up the opening hours of the library, please.' },
    { role: 'assistant', content: null, tool_calls: [{ id: callId, type: 'function', function: { name: 'lookup_hours', arguments: '{"place":"library"}' } }] },
    { role: 'tool', tool_call_id: resultId, content: 'Open 9 to 5.' },
  ],
});

/** The ids the upstream received: the call's and the result's. */
async function forwardedIds(body: Record<string, unknown>): Promise<{ raw: string; call: string; result: string; redacted: string | null }> {
  const before = g.echo.bodies.length;
  const res = await postChat(g.gw, body);
  expect(res.status).toBe(200);
  await res.text();
  expect(g.echo.bodies).toHaveLength(before + 1);
  const m = g.echo.bodies[before]!.messages;
  return { raw: g.echo.raw[before]!, call: m[1].tool_calls[0].id, result: m[2].tool_call_id, redacted: res.headers.get('x-vsr-pii-redacted') };
}

describe('phone numbers as tool call ids under a policy that denies PHONE_NUMBER', () => {
  it.each(['415-555-2671', '4155552671', '415.555.2671', 'call_4155552671'])('redact: %s is masked in the call and its result alike', async (id) => {
    const { raw, call, result, redacted } = await forwardedIds(toolTurns(REDACT, id));
    expect(raw).not.toContain('4155552671');
    expect(raw).not.toContain('555-2671');
    expect(raw).not.toContain('555.2671');
    expect(call).toMatch(/<PHONE_NUMBER_\d+>/);
    expect(result).toBe(call);
    expect(redacted).toBe('PHONE_NUMBER');
  });

  it('redact: the call id written with +1 and the result id without: both masked', async () => {
    const { raw, call, result } = await forwardedIds(toolTurns(REDACT, '+1 415-555-2671', '415-555-2671'));
    expect(raw).not.toContain('555-2671');
    expect(call).toMatch(/^<PHONE_NUMBER_\d+>$/);
    expect(result).toMatch(/^<PHONE_NUMBER_\d+>$/);
  });

  it('block: refused, nothing forwarded', async () => {
    const before = g.echo.raw.length;
    const res = await postChat(g.gw, toolTurns(BLOCK, '415-555-2671'));
    expect(res.status).toBe(200);
    expect(res.headers.get('x-vsr-pii-violation')).toBe('true');
    expect(((await res.json()) as { choices: Array<{ finish_reason: string }> }).choices[0]!.finish_reason).toBe('content_filter');
    expect(g.echo.raw).toHaveLength(before);
  });

  it('a passed-through route (/v1/responses): a function_call_output call_id holding a phone number is refused', async () => {
    const before = g.echo.raw.length;
    const res = await fetch(`${g.gw.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: REDACT, input: [{ type: 'function_call_output', call_id: '4155552671', output: 'Open 9 to 5.' }] }),
      // Forwarded (the old behaviour), the echo upstream, which reads chat bodies only, never answers.
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    expect(res.status).toBe(400);
    expect(text).toContain('pii_policy_denied');
    expect(text).not.toContain('4155552671');
    expect(g.echo.raw).toHaveLength(before);
  });

  it.each([
    'call_Hs7k2l9dEf0pQr8sTu1vWx3y',
    'chatcmpl-tool-4155552671a0b1c2d3e4f5a6b7c8d9e0',
    'chatcmpl-tool-a4111111111111111b2c3d4e5f6a7b8c',
    '123e4567-e89b-12d3-a456-426614174000',
    'a1B2c3D4e',
    'functions.lookup_hours:0',
  ])('an engine-made id passes as sent under a policy that denies every type: %s', async (id) => {
    const { call, result, redacted } = await forwardedIds(toolTurns(DENY_ALL, id));
    expect([call, result]).toEqual([id, id]);
    expect(redacted).toBeNull();
  });
});
