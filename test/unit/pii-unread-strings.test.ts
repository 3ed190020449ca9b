// unread-strings.ts: which strings of a body no PII reader covers, and how they are masked in place.
import { describe, expect, it } from 'vitest';
import { maskDuplicates, unreadSlots, unreadText } from '../../src/guard/unread-strings.ts';

describe('unreadSlots', () => {
  it('finds strings under unknown keys at any depth, skips covered texts and identifiers under structural keys', () => {
    const body = JSON.parse('{"model":"m","messages":[{"role":"user","content":"hi","conTent":"mail a@b.co"}],"x":{"y":[1,"deep a@b.co",{"id":"call_1"}]},"type":"a@b.co"}');
    const slots = unreadSlots(body, new Set(['hi']));
    expect(slots.map((s) => s.get())).toEqual(['mail a@b.co', 'deep a@b.co', 'a@b.co']);
    expect(new Set(slots.map((s) => s.group)).size).toBe(1);
    expect(slots.every((s) => s.logged)).toBe(true);
  });

  it('a "__proto__" key (an own property after JSON.parse) is read and masked in place', () => {
    const body = JSON.parse('{"x":{"__proto__":"mail a@b.co"}}');
    const [slot] = unreadSlots(body, new Set());
    expect(slot!.get()).toBe('mail a@b.co');
    slot!.set('mail <EMAIL_ADDRESS_1>');
    expect(JSON.stringify(body)).toBe('{"x":{"__proto__":"mail <EMAIL_ADDRESS_1>"}}');
  });

  it('nesting deeper than a recursive walk could go is read to the bottom', () => {
    let body: unknown = 'a@b.co';
    for (let i = 0; i < 20_000; i++) body = { n: body };
    expect(unreadSlots(body, new Set()).map((s) => s.get())).toEqual(['a@b.co']);
  });
});

describe('unreadText and maskDuplicates', () => {
  it('a string inside a text a passed-through reader joined is covered; others are one text', () => {
    expect(unreadText({ input: ['one', 'two'], a: 'one', b: 'x@y.co', c: ['z@y.co'] }, ['one\ntwo'])).toEqual(['x@y.co\nz@y.co']);
    expect(unreadText({ input: 'one' }, ['one'])).toEqual([]);
  });

  it('gives a masked text to every copy of it', () => {
    const body = { a: 'mail a@b.co', b: ['mail a@b.co', 'other'] };
    maskDuplicates(body, new Map([['mail a@b.co', 'mail <EMAIL_ADDRESS_1>']]));
    expect(body).toEqual({ a: 'mail <EMAIL_ADDRESS_1>', b: ['mail <EMAIL_ADDRESS_1>', 'other'] });
  });
});
