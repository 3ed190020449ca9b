// unread-strings.ts (e76b167): an integer beyond 2^53 is read by its digits as sent (chat: an
// ExactInteger kept by parseJsonBody; the passed-through routes: the body's text given to unreadText),
// under its own key; a JSON schema's `pattern` and a structural_tag response_format are fixed 'never'.
import { describe, expect, it } from 'vitest';
import { maskDuplicates, unreadSlots, unreadText } from '../../src/guard/unread-strings.ts';
import { parseJsonBody } from '../../src/pipeline/request.ts';
import { serialiseBody } from '../../src/pipeline/exact-integers.ts';

const CARD19 = '6234567890123456780';

describe('integers beyond 2^53', () => {
  it('chat: read by their literal, under their own key (a seed is skipped), masked as a placeholder string in valid JSON', () => {
    const body = parseJsonBody(`{"seed":${CARD19},"x":{"card":${CARD19},"n":[${CARD19}]}}`) as object;
    const slots = unreadSlots(body, new Set());
    expect(slots.map((s) => s.get())).toEqual([CARD19, CARD19]);
    slots[0]!.set('<CREDIT_CARD_1>');
    maskDuplicates(body, new Map([[CARD19, '<CREDIT_CARD_1>']]));
    expect(JSON.parse(serialiseBody(body))).toEqual({ seed: 6234567890123457000, x: { card: '<CREDIT_CARD_1>', n: ['<CREDIT_CARD_1>'] } });
    expect(serialiseBody(body)).toContain(`"seed":${CARD19}`);
  });

  it('passed-through: the text read again for them, only where given; other numbers and strings as before', () => {
    const text = `{"seed":${CARD19},"extra":[${CARD19}, 12345678, "a \\"${CARD19}\\" b"]}`;
    const parsed = JSON.parse(text);
    expect(unreadText(parsed, [], text)).toEqual([`${CARD19}\n12345678\na "${CARD19}" b`]);
    // Without the text, JSON.parse's rounding: digits that fail Luhn.
    expect(unreadText(parsed, [])).toEqual([`6234567890123457000\n12345678\na "${CARD19}" b`]);
  });
});

describe('decoding constraints of response_format', () => {
  it('a pattern at any depth and a structural_tag response_format are fixed never; enum values and a json_schema are not', () => {
    const body = {
      response_format: { type: 'json_schema', json_schema: { schema: { properties: { to: { type: 'string', pattern: 'p1', format: 'email' } } } } },
      tools: [{ function: { parameters: { properties: { id: { pattern: 'p2' } } } } }],
      extra: { note: 'free' },
    };
    const fixed = Object.fromEntries(unreadSlots(body, new Set()).map((s) => [s.get(), s.fixed]));
    expect(fixed).toEqual({ p1: 'never', p2: 'never', free: undefined });
    const tag = { response_format: { type: 'structural_tag', structures: [{ begin: '<a>', schema: { title: 't' }, end: '</a>' }], triggers: ['<a'] } };
    const slots = unreadSlots(tag, new Set());
    expect(slots.map((s) => s.get())).toEqual(['<a>', 't', '</a>', '<a']);
    expect(slots.every((s) => s.fixed === 'never')).toBe(true);
  });
});
