// A bare 10-digit phone number (or 1 and 10 digits) without a phone word before it was scored 0.4,
// under the gateway's 0.7 cut: "Hi, 4155552671 is my cell" or "It's Dana. 4155552671" reached a
// model whose pii_policy denies PHONE_NUMBER. Presidio finds valid North American numbers written
// bare (libphonenumber); the recognizer now takes a phone label after the run, or a valid NANP
// number with nothing around it that makes it an id, an amount, a time or arithmetic (nanp.ts).
import { describe, expect, it } from 'vitest';
import { runRecognizers } from '../../src/classify/pii/recognizers/index.ts';
import { nanpValid } from '../../src/classify/pii/recognizers/nanp.ts';

/** Spans kept at the gateway's default threshold (classifier.pii_model.threshold 0.7). */
const phones = (text: string) => runRecognizers(text, 0.7).filter((m) => m.type === 'PHONE_NUMBER').map((m) => text.slice(m.start, m.end));

describe('bare phone numbers at the gateway threshold', () => {
  it.each([
    ['Hi, 4155552671 is my cell', '4155552671'],
    ['reach Dana on 6175550199 (mobile)', '6175550199'],
    ["It's Dana. 4155552671", '4155552671'],
    ['Bob here, 14155552671, ring back', '14155552671'],
    ['3660170548-Fax', '3660170548'],
    ['2813882583 mobile', '2813882583'],
    ['write to him, 8005550188', '8005550188'],
    // Found before this change too (a phone word before the run).
    ['call me at 4155552671', '4155552671'],
    ['my number is 2125550123', '2125550123'],
    // A key glued to the run keeps a bare number out, but not when it is a phone word.
    ['?name=dana&phone=4155552671', '4155552671'],
    ['tel_4155552671', '4155552671'],
  ])('%s', (text, phone) => {
    expect(phones(text)).toEqual([phone]);
  });

  it.each([
    // Not a NANP number: Unix times in seconds (1xxxxxxxxx), N11 and reserved codes, a 0 or 1 exchange.
    'logged at 1733600000 by the job',
    'value 4115552671 here',
    'value 4151112671 here',
    'value 4150552671 here',
    'value 5555552671 here',
    'value 3735552671 here',
    'value 2005552671 here',
    // Ids, amounts and times.
    'order id 2125550123 was refunded',
    'Order #4155552671 shipped',
    'invoice no. 4155552671 is overdue',
    '{"user_id": 4155552671, "ok": true}',
    'see ref_4155552671 in the log',
    'row x_4155552671 and #2125550123',
    'call about order 2125550123',
    'ticket=4155552671&page=2',
    'created_at: 2033600000',
    'epoch 2051234567 in UTC',
    'a total of $4155552671 was spent',
    'we spent 4155552671 USD',
    'the file is 4155552671 bytes long',
    // Arithmetic and limits.
    'Is 4155552671 prime?',
    'What is 2125550123 divided by 7?',
    'INT_MAX is 2147483647.',
    'max is 4294967295',
    '2125550123 + 1 = ?',
    // Inside longer digit runs, ids and cards.
    'run 41555526712345 again',
    'id a4155552671b',
    'card 4111111111111111',
    'uuid 123e4567-e89b-12d3-a456-426614174000',
  ])('not a phone: %s', (text) => {
    expect(phones(text)).toEqual([]);
  });

  it('NANP rules: area code and exchange [2-9]XX, neither N11; a leading 1 only on 11 digits', () => {
    expect(nanpValid('4155552671')).toBe(true);
    expect(nanpValid('14155552671')).toBe(true);
    expect(nanpValid('24155552671')).toBe(false);
    expect(nanpValid('1155552671')).toBe(false);
    expect(nanpValid('9115552671')).toBe(false);
    expect(nanpValid('4159112671')).toBe(false);
    expect(nanpValid('4195552671')).toBe(true);
    expect(nanpValid('4995552671')).toBe(false);
    expect(nanpValid('9605552671')).toBe(false);
  });
});
