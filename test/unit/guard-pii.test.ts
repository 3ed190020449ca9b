import { describe, expect, it } from 'vitest';
import { maskText, mergeSameType, newMaskState, scanPii } from '../../src/guard/pii-scan.ts';
import { BudgetMeter } from '../../src/guard/budget.ts';
import { collectTextSlots, restoreTap, restoreText, StreamRestorer } from '../../src/guard/redaction.ts';
import type { ChatBody } from '../../src/pipeline/context.ts';
import { fakePii } from './guard-fakes.ts';

const filler = (n: number) => 'the quick brown fox jumps over it '.repeat(Math.ceil(n / 34)).slice(0, n);

describe('scanPii', () => {
  it('finds entities past the pack cut, with offsets into the full text, each once', async () => {
    const d = fakePii({ maxChars: 600 });
    const text = `mail a.b@example.com then ${filler(9_000)} and bob@corp.io, ssn 123-45-6789 ${filler(2_000)}`;
    const [ents] = await scanPii(d, [text], { windowChars: 500, overlapChars: 100 });
    const values = ents.map((e) => text.slice(e.start, e.end));
    expect(values).toEqual(['a.b@example.com', 'bob@corp.io', '123-45-6789']);
    expect(ents.map((e) => e.type)).toEqual(['EMAIL_ADDRESS', 'EMAIL_ADDRESS', 'US_SSN']);
    expect(d.calls).toBeGreaterThan(20);
  });

  it('filters by type and threshold, skips empty texts, stays index-aligned', async () => {
    const d = fakePii({ maxChars: 10_000 });
    const r = await scanPii(d, ['', 'x@y.com 111-22-3333', 'nothing'], { types: ['US_SSN'] });
    expect(r.map((x) => x.length)).toEqual([0, 1, 0]);
    expect(r[1][0].type).toBe('US_SSN');
    const none = await scanPii(d, ['x@y.com'], { threshold: 0.999 });
    expect(none[0]).toEqual([]);
  });

  it('stops at the budget and flags the meter (under allow: under block nothing is scanned, guard-pii-budget-block)', async () => {
    const d = fakePii({ maxChars: 10_000 });
    const meter = new BudgetMeter({ maxChars: 100, maxTexts: 10, onExceed: 'allow' });
    const r = await scanPii(d, ['a@b.co ' + filler(80), 'c@d.co ' + filler(80)], { meter });
    expect(r[0].length).toBe(1);
    expect(r[1].length).toBe(0);
    expect(meter.exceeded).toBe(true);
  });

  it('merges duplicate sightings of one entity from overlapping windows', () => {
    const m = mergeSameType([
      { type: 'EMAIL_ADDRESS', start: 10, end: 20, confidence: 0.8, source: 'model' },
      { type: 'EMAIL_ADDRESS', start: 15, end: 25, confidence: 0.9, source: 'pattern' },
      { type: 'PERSON', start: 12, end: 14, confidence: 0.7, source: 'model' },
    ]);
    expect(m).toEqual([
      { type: 'EMAIL_ADDRESS', start: 10, end: 25, confidence: 0.9, source: 'pattern' },
      { type: 'PERSON', start: 12, end: 14, confidence: 0.7, source: 'model' },
    ]);
  });
});

describe('maskText', () => {
  it('numbers placeholders per type, reuses them for repeated values across texts', () => {
    const st = newMaskState();
    const t1 = 'a@x.io and b@x.io';
    const r1 = maskText(t1, [
      { type: 'EMAIL_ADDRESS', start: 0, end: 6, confidence: 1, source: 'pattern' },
      { type: 'EMAIL_ADDRESS', start: 11, end: 17, confidence: 1, source: 'pattern' },
    ], st);
    expect(r1.masked).toBe('<EMAIL_ADDRESS_1> and <EMAIL_ADDRESS_2>');
    const r2 = maskText('again b@x.io', [{ type: 'EMAIL_ADDRESS', start: 6, end: 12, confidence: 1, source: 'pattern' }], st);
    expect(r2.masked).toBe('again <EMAIL_ADDRESS_2>');
    expect([...st.restore]).toEqual([['<EMAIL_ADDRESS_1>', 'a@x.io'], ['<EMAIL_ADDRESS_2>', 'b@x.io']]);
  });

  it('masks overlapping entities as one span so no fragment leaks', () => {
    const text = 'call John Smith-Jones today';
    const r = maskText(text, [
      { type: 'PERSON', start: 5, end: 15, confidence: 0.9, source: 'model' },
      { type: 'ORGANIZATION', start: 10, end: 21, confidence: 0.6, source: 'model' },
    ]);
    expect(r.masked).toBe('call <PERSON_1> today');
  });

  it('never makes a placeholder that reads like a literal already in the request', () => {
    const email = (start: number, end: number) => ({ type: 'EMAIL_ADDRESS', start, end, confidence: 1, source: 'pattern' as const });
    // Literals in other texts (any case or spacing) and in the masked text itself are skipped.
    const st = newMaskState({ messages: [{ content: 'see <email address 1>' }, { content: [{ text: '<EMAIL_ADDRESS_3>' }] }] });
    const text = 'a@x.io b@x.io c@x.io <Email_Address_4>';
    expect(maskText(text, [email(0, 6), email(7, 13), email(14, 20)], st).masked).toBe('<EMAIL_ADDRESS_2> <EMAIL_ADDRESS_5> <EMAIL_ADDRESS_6> <Email_Address_4>');
    // The classification API's one-text form too.
    expect(maskText('<EMAIL_ADDRESS_1> a@x.io', [email(18, 24)]).masked).toBe('<EMAIL_ADDRESS_1> <EMAIL_ADDRESS_2>');
    // Two type names that differ only in underscore runs never share a spelling a model could blur.
    const two = maskText('x y', [{ type: 'ID  NO', start: 0, end: 1, confidence: 1, source: 'model' }, { type: 'ID_NO', start: 2, end: 3, confidence: 1, source: 'model' }]);
    expect(two.masked).toBe('<ID__NO_1> <ID_NO_2>');
  });

  it('keeps the original two-argument form', () => {
    expect(maskText('no pii', []).masked).toBe('no pii');
  });
});

describe('collectTextSlots', () => {
  it('reaches strings, text parts, tool results and tool-call arguments; skips images and junk', () => {
    const body = {
      model: 'm',
      messages: [
        { role: 'system', content: 'sys' },
        { role: 'user', content: [{ type: 'text', text: 'part1' }, { type: 'image_url', image_url: { url: 'data:x' } }, null, 'str'] },
        { role: 'assistant', content: null, tool_calls: [{ id: '1', type: 'function', function: { name: 'f', arguments: '{"to":"a@b.co"}' } }] },
        { role: 'tool', tool_call_id: '1', content: [{ type: 'text', text: 'result' }] },
        null,
      ],
    } as unknown as ChatBody;
    const slots = collectTextSlots(body);
    expect(slots.map((s) => [s.role, s.get()])).toEqual([
      // The called function's name (name-slots.ts), ahead of the messages.
      ['system', 'f'],
      ['system', 'sys'],
      ['user', 'part1'],
      ['assistant', '{"to":"a@b.co"}'],
      ['tool', 'result'],
    ]);
    slots[3].set('{"to":"<EMAIL_ADDRESS_1>"}');
    expect((body.messages[2] as any).tool_calls[0].function.arguments).toBe('{"to":"<EMAIL_ADDRESS_1>"}');
  });
});

describe('collectTextSlots: assistant history besides content', () => {
  it("reaches an assistant turn's reasoning_content, reasoning and refusal, so they are scanned and masked too", () => {
    const body = {
      model: 'm',
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'ok', reasoning_content: 'mail a@b.co', reasoning: 'call 555-0100', refusal: 'not x@y.co' },
      ],
    } as unknown as ChatBody;
    const slots = collectTextSlots(body);
    expect(slots.map((s) => [s.role, s.get()])).toEqual([
      ['user', 'hi'],
      ['assistant', 'ok'],
      ['assistant', 'mail a@b.co'],
      ['assistant', 'call 555-0100'],
      ['assistant', 'not x@y.co'],
    ]);
    slots[2].set('mail <EMAIL_ADDRESS_1>');
    expect((body.messages[1] as any).reasoning_content).toBe('mail <EMAIL_ADDRESS_1>');
  });

  it('restores a placeholder in a streamed delta.reasoning (newer vLLM) as in reasoning_content', () => {
    const tap = restoreTap(new Map([['<EMAIL_ADDRESS_1>', 'ann@example.com']]));
    const parts = ['Write to <EMAIL_', 'ADDRESS_1> now'];
    let out = '';
    for (const [i, p] of parts.entries()) {
      const c = tap.chunk!({ id: 'c', choices: [{ index: 0, delta: { reasoning: p }, finish_reason: i === parts.length - 1 ? 'stop' : null }] } as any) as any;
      out += c.choices[0].delta.reasoning ?? '';
    }
    expect(out).toBe('Write to ann@example.com now');
  });
});

describe('restore', () => {
  const map = new Map([
    ['<EMAIL_ADDRESS_1>', 'ann@example.com'],
    ['<US_SSN_1>', '123-45-6789'],
  ]);
  const answer = 'Mail <EMAIL_ADDRESS_1> about <US_SSN_1>; keep <OTHER_1> and a < b.';
  const restored = 'Mail ann@example.com about 123-45-6789; keep <OTHER_1> and a < b.';

  it('restores JSON completions (content and tool-call arguments)', () => {
    expect(restoreText(answer, map)).toBe(restored);
    const tap = restoreTap(map);
    const c = tap.json!({
      choices: [{ index: 0, message: { role: 'assistant', content: answer, tool_calls: [{ function: { arguments: '{"e":"<EMAIL_ADDRESS_1>"}' } }] } }],
    }) as any;
    expect(c.choices[0].message.content).toBe(restored);
    expect(c.choices[0].message.tool_calls[0].function.arguments).toBe('{"e":"ann@example.com"}');
  });

  it('restores a stream for every way of splitting it into two or three chunks', () => {
    for (let i = 0; i <= answer.length; i++) {
      for (let j = i; j <= answer.length; j += 5) {
        const r = new StreamRestorer(map);
        const out = r.push(answer.slice(0, i)) + r.push(answer.slice(i, j)) + r.push(answer.slice(j)) + r.flush();
        expect(out).toBe(restored);
      }
    }
  });

  it('holds back only what can still become a placeholder', () => {
    const r = new StreamRestorer(map);
    expect(r.push('see <EMAIL_AD')).toBe('see ');
    expect(r.push('DRESS_1> ok')).toBe('ann@example.com ok');
    expect(r.push('a <b')).toBe('a <b'); // no placeholder starts with "<b"
    expect(r.push(' x <')).toBe(' x ');
    expect(r.pending).toBe(true);
    expect(r.flush()).toBe('<');
  });

  it("restores placeholders retyped in another case or spacing, streamed or not, and nothing it did not make", () => {
    const retyped = 'Mail <email_address_1>, <Email Address 1 >, < US_SSN_1>; not <email_address_2>, <us-ssn-1> or <email_address_1\n>.';
    const want = 'Mail ann@example.com, ann@example.com, 123-45-6789; not <email_address_2>, <us-ssn-1> or <email_address_1\n>.';
    expect(restoreText(retyped, map)).toBe(want);
    for (let i = 0; i <= retyped.length; i++) {
      for (let j = i; j <= retyped.length; j += 3) {
        const r = new StreamRestorer(map);
        expect(r.push(retyped.slice(0, i)) + r.push(retyped.slice(i, j)) + r.push(retyped.slice(j)) + r.flush()).toBe(want);
      }
    }
    // The hold-back accepts the case-insensitive, space-tolerant prefix, and nothing else.
    const r = new StreamRestorer(map);
    expect(r.push('see <email ad')).toBe('see ');
    expect(r.push('dress_1 ')).toBe('');
    expect(r.push('> ok <e-')).toBe('ann@example.com ok <e-');
  });

  it('a spelling two placeholders share is restored only where exact', () => {
    const shared = new Map([['<ID__NO_1>', 'A'], ['<ID_NO_1>', 'B']]);
    expect(restoreText('<ID__NO_1> <ID_NO_1> <id_no_1> <Id No 1>', shared)).toBe('A B <id_no_1> <Id No 1>');
  });

  it('restores streamed chunks per choice and flushes held text on finish_reason', () => {
    const tap = restoreTap(map);
    const pieces = ['Hi <EMA', 'IL_ADDRESS_1', '> and <US_S'];
    const out: string[] = [];
    for (const p of pieces) out.push((tap.chunk!({ choices: [{ index: 0, delta: { content: p }, finish_reason: null }] }) as any).choices[0].delta.content);
    const last = tap.chunk!({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }) as any;
    out.push(last.choices[0].delta.content);
    // the last chunk releases the unfinished "<US_S" as-is
    expect(out.join('')).toBe('Hi ann@example.com and <US_S');
    const tap2 = restoreTap(map);
    const a = tap2.chunk!({ choices: [{ index: 0, delta: { content: 'x <US_' } }, { index: 1, delta: { content: 'y <US_SSN' } }] }) as any;
    const b = tap2.chunk!({ choices: [{ index: 1, delta: { content: '_1>' }, finish_reason: 'stop' }, { index: 0, delta: { content: 'SSN_1>' }, finish_reason: 'stop' }] }) as any;
    expect(a.choices[0].delta.content + b.choices[1].delta.content).toBe('x 123-45-6789');
    expect(a.choices[1].delta.content + b.choices[0].delta.content).toBe('y 123-45-6789');
  });
});

describe('values between plain text and JSON tool-call arguments', () => {
  // A request whose user text holds a value with a backslash and whose earlier assistant tool call
  // holds an address written with a JSON \n escape; the model answers with both placeholders in
  // content and in new tool-call arguments (JSON and streamed).
  const ent = (text: string, value: string, type: string) => ({ type, start: text.indexOf(value), end: text.indexOf(value) + value.length, confidence: 1, source: 'model' as const });
  function redact() {
    const user = 'Log in as DOMAIN\\new_user please';
    const args = JSON.stringify({ addr: '12 Main St\nSpringfield' });
    const body: ChatBody = {
      model: 'm',
      messages: [
        { role: 'user', content: user },
        { role: 'assistant', content: null, tool_calls: [{ id: 't', type: 'function', function: { name: 'ship', arguments: args } }] },
      ],
    };
    const slots = collectTextSlots(body);
    const state = newMaskState(body);
    // The first slot is the called function's name (name-slots.ts): nothing found there.
    const found = [[], [ent(user, 'DOMAIN\\new_user', 'PERSON')], [ent(args, '12 Main St\\nSpringfield', 'ADDRESS')]];
    slots.forEach((slot, i) => slot.set(maskText(slot.get(), found[i]!, state, { json: slot.json }).masked));
    return { body, restore: state.restore };
  }

  it('restore into arguments keeps their JSON meaning, restore into content gives the plain text', () => {
    const { body, restore } = redact();
    expect(body.messages[0]!.content).toBe('Log in as <PERSON_1> please');
    expect(JSON.parse((body.messages[1] as unknown as { tool_calls: Array<{ function: { arguments: string } }> }).tool_calls[0]!.function.arguments)).toEqual({ addr: '<ADDRESS_1>' });
    const answer = {
      choices: [{ index: 0, finish_reason: 'tool_calls', message: { role: 'assistant', content: 'As <person 1> to <ADDRESS_1>.', tool_calls: [{ id: 'u', type: 'function', function: { name: 'login', arguments: '{"user": "<Person_1>", "addr": "<ADDRESS_1>"}' } }] } }],
    };
    const out = restoreTap(restore).json!(answer) as typeof answer;
    const msg = out.choices[0]!.message;
    expect(msg.content).toBe('As DOMAIN\\new_user to 12 Main St\nSpringfield.');
    // Before: the plain value went into the JSON raw ('DOMAIN\new_user' parses with a newline) and the
    // escaped one came back into content with a literal backslash-n.
    expect(JSON.parse(msg.tool_calls[0]!.function.arguments)).toEqual({ user: 'DOMAIN\\new_user', addr: '12 Main St\nSpringfield' });

    const tap = restoreTap(restore);
    const argText = '{"user": "<Person_1>", "addr": "<ADDRESS_1>"}';
    let streamed = '';
    for (const ch of argText) {
      const c = tap.chunk!({ choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: ch } }] }, finish_reason: null }] }) as { choices: Array<{ delta: { tool_calls: Array<{ function: { arguments: string } }> } }> };
      streamed += c.choices[0]!.delta.tool_calls[0]!.function.arguments;
    }
    for (const c of tap.end!() as Array<{ choices: Array<{ delta: { tool_calls?: Array<{ function: { arguments: string } }> } }> }>) streamed += c.choices[0]!.delta.tool_calls?.[0]?.function.arguments ?? '';
    expect(JSON.parse(streamed)).toEqual({ user: 'DOMAIN\\new_user', addr: '12 Main St\nSpringfield' });
  });

  it('one value written plainly and JSON-escaped gets one placeholder', () => {
    const state = newMaskState();
    const plain = 'ship to 12 Main St\nSpringfield';
    const json = '{"to":"12 Main St\\nSpringfield"}';
    const a = maskText(plain, [ent(plain, '12 Main St\nSpringfield', 'ADDRESS')], state).masked;
    const b = maskText(json, [ent(json, '12 Main St\\nSpringfield', 'ADDRESS')], state, { json: true }).masked;
    expect(a).toBe('ship to <ADDRESS_1>');
    expect(b).toBe('{"to":"<ADDRESS_1>"}');
    expect([...state.restore]).toEqual([['<ADDRESS_1>', '12 Main St\nSpringfield']]);
  });
});
