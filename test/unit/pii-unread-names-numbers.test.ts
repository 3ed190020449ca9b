// unread-strings.ts: which key names and numbers are read beside the unread strings, and which slots
// are fixed (never masked freely: key names, fields that steer decoding).
import { describe, expect, it } from 'vitest';
import { maskDuplicates, unreadSlots, unreadText } from '../../src/guard/unread-strings.ts';

const texts = (body: unknown) => unreadSlots(body, new Set()).map((s) => s.get());

describe('key names and numbers', () => {
  it('reads key names that are not plain identifiers, and keys of 7 digits or more', () => {
    const body = { model: 'm', metadata: { order_id: 'A', 'x-trace.id': 'B', $schema: 'C', 'a@b.co': 1, 'Jane Doe': 2, '50256': 3, '4111-1111-1111-1111': 4 } };
    expect(texts(body)).toEqual(['A', 'B', 'C', 'a@b.co', 'Jane Doe', '4111-1111-1111-1111']);
  });

  it('reads integers of 7 digits or more, not under integer fields, not short ones or fractions', () => {
    const body = { seed: 4111111111111111, max_tokens: 12345678, temperature: 0.7, n: 1, x: { card: 4111111111111111, count: 123456, f: 1234567.5, neg: -5551234567, ids: [1, 2, 99999999] } };
    expect(texts(body)).toEqual(['4111111111111111', '-5551234567', '99999999']);
  });

  it('a number slot is masked as a string; a key name slot is fixed and never renamed', () => {
    const body = { x: { 'a@b.co': 4111111111111111 } };
    const [key, num] = unreadSlots(body, new Set());
    expect(key!.fixed).toBe('never');
    expect(num!.fixed).toBeUndefined();
    num!.set('<CREDIT_CARD_1>');
    key!.set('<EMAIL_ADDRESS_1>');
    expect(body).toEqual({ x: { 'a@b.co': '<CREDIT_CARD_1>' } });
  });

  it('fields that steer decoding are fixed: stop and bad_words literal, patterns never; a covered value is still read there', () => {
    const body = { stop: ['hi', 'END'], bad_words: ['w'], guided_regex: 'r', structured_outputs: { grammar: 'g', json: 'j' }, extra: { stop: 'not top level' } };
    const slots = unreadSlots(body, new Set(['hi', 'j']));
    expect(slots.map((s) => [s.get(), s.fixed])).toEqual([
      ['hi', 'literal'], ['END', 'literal'], ['w', 'literal'], ['r', 'never'], ['g', 'never'], ['not top level', undefined],
    ]);
  });

  it('maskDuplicates gives a number the masking of an equal read text, but not a seed or a fixed field', () => {
    const body = { seed: 4111111111111111, stop: ['4111111111111111'], x: { card: 4111111111111111 } };
    maskDuplicates(body, new Map([['4111111111111111', '<CREDIT_CARD_1>']]));
    expect(body).toEqual({ seed: 4111111111111111, stop: ['4111111111111111'], x: { card: '<CREDIT_CARD_1>' } });
  });

  it('unreadText (passed-through routes) joins key names and numbers with the strings; a key a reader read counts as read', () => {
    expect(unreadText({ input: 'hello', extra: { 'a@b.co': 4111111111111111, 'Jane Doe': 'x' } }, ['hello', 'Jane Doe'])).toEqual(['a@b.co\n4111111111111111\nx']);
    expect(unreadText({ input: 'hello', temperature: 0.5, dimensions: 12345678, encoding_format: 'float', extra: { user_id: 7 } }, ['hello'])).toEqual([]);
  });
});
