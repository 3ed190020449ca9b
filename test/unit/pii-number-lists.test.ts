// Spaced number lists are no phone numbers (number-lists.ts): one- and two-digit groups, more groups
// than a phone has, groups that go on past the span, a list word before them. The phone layouts of
// the training split stay phones, pair-only ones under a phone word or label included.
import { describe, expect, it } from 'vitest';
import { runRecognizers } from '../../src/classify/pii/recognizers/index.ts';
import { listRunResume, numberList } from '../../src/classify/pii/recognizers/number-lists.ts';

/** Phone spans kept at the gateway's default threshold (classifier.pii_model.threshold 0.7). */
const phones = (text: string) => runRecognizers(text, 0.7).filter((m) => m.type === 'PHONE_NUMBER').map((m) => text.slice(m.start, m.end));

describe('spaced number lists', () => {
  it.each([
    'rows 12 34 56 78 90',
    '12 34 56 78',
    'lottery numbers 04 11 23 35 42 49',
    'the list 1 2 3 4 5 6 7 8 9 10 11 12',
    'scores: 415 555 2671 308 912',
    'scores: 415 555 2671',
    'the winning numbers are 101 202 3030',
    'values 1-2-3-4-5-6-7',
    // A phone word does not make a phone of a list's tail (found again after the run was refused).
    'call 12 34 56 78 90 11',
    // A phone shape inside a longer run of groups: part of a card or an IBAN glued to a word.
    'card 4111 1111 1111 1111 5',
    'x1977DE89 3704 0044 0532 0130 00',
    // An extension after a list is no phone's: the list test reads the groups without it.
    'rows 12 34 56 78 x12',
    'rows 12 34 56 78 ext. 12',
    '12 34 56 78 90 11 x12',
    'scores: 415 555 2671 x12',
    '28-81-33-70 x12',
    '12 34 56 78 90 555 1234 x12',
    '415 555 2671 308 912 x12',
  ])('not a phone: %s', (text) => {
    expect(phones(text)).toEqual([]);
  });

  it.each([
    ['(415) 555 2671', '(415) 555 2671'],
    ['415 555 2671 is my cell', '415 555 2671'],
    ['415 555 2671', '415 555 2671'],
    ['call me on 06 12 34 56 78', '06 12 34 56 78'],
    ['Can someone call me on 01.84.17.61.18?', '01.84.17.61.18'],
    ['Phone: 28-81-33-70', '28-81-33-70'],
    ['28-64-66-98 office', '28-64-66-98'],
    ['Phone:\n51-16-34-25', '51-16-34-25'],
    ['Reach Anna at 0490 75 40 81.', '0490 75 40 81'],
    ['+33 6 12 34 56 78', '+33 6 12 34 56 78'],
    ['my number is 083 564 9312', '083 564 9312'],
    // A count after a whole North American number is left out (unit-counts.ts), with or without a phone word.
    ['call 415 555 2671 24 hours a day', '415 555 2671'],
    ['415 555 2671 24 hours', '415 555 2671'],
    ['Call 1 415 555 2671 7 days a week', '1 415 555 2671'],
    ['call 415 555 2671 24', '415 555 2671 24'],
    // British numbers (a trunk 0 or +44 and 10 digits) likewise.
    ['call 020 7946 0018 24 hours a day', '020 7946 0018'],
    ['ring 0161 496 0000 3 times', '0161 496 0000'],
    ['020 7946 0018 24 hours', '020 7946 0018'],
    ['0161 496 0000 3 times', '0161 496 0000'],
    ['mobile 07700 900123 7 days a week', '07700 900123'],
    ['+44 20 7946 0018 24 hrs', '+44 20 7946 0018'],
    ['+44 (0)20 7946 0018 24 hrs', '+44 (0)20 7946 0018'],
    ['call 020 7946 0018 24', '020 7946 0018 24'],
    // A refused run is skipped up to its last group, which may still start a phone.
    ['12 34 56 78 90 11 22 555-123-4567', '555-123-4567'],
    ['rows 12 34 56 78 90 11 22 33 then call 415-555-2671', '415-555-2671'],
    ['12 34 56 78 90 11 22 4155552671 is my cell', '4155552671'],
    // A phone's extension stays on it.
    ['call 555 1234 x12', '555 1234 x12'],
    ['415 555 2671 ext. 12', '415 555 2671 ext. 12'],
    ['Phone: 28-81-33-70 x12', '28-81-33-70 x12'],
  ])('a phone: %s', (text, phone) => {
    expect(phones(text)).toEqual([phone]);
  });

  // An extension before a number ends the phone before it; it is no group of a list.
  it.each([
    ['call 555 1234 x12 555 9876 x34', ['555 1234 x12', '555 9876 x34']],
    ['call 555 1234 x12 555 9876', ['555 1234 x12', '555 9876']],
    ['call 555 0000 ext. 12 555 1234', ['555 0000 ext. 12', '555 1234']],
  ])('two phones: %s', (text, two) => {
    expect(phones(text)).toEqual(two);
  });

  it('resumes a refused run at its last group, an extension after it or not', () => {
    const t = 'rows 12 34 56 78 90 11 22 555-1234';
    expect(listRunResume(t, 5)).toBe(t.indexOf('555'));
    const x = '12 34 56 78 90 11 22 33 x12';
    expect(listRunResume(x, 0)).toBe(x.indexOf('33'));
    // One group: the next character, as for any refusal.
    expect(listRunResume('12-34-56-78-90', 0)).toBe(1);
  });

  it('leaves what is not one run of digit groups to the phone rules', () => {
    for (const t of ['4155552671', '+1 415 555 2671', '(415) 555 2671', '415 555 2671 x12']) expect(numberList(t, 0, t.length)).toBe(false);
  });
});
