// Mutation audit, round 2: what a streamed field holds back as a possible placeholder start
// (src/guard/placeholder-hold.ts, through StreamRestorer), where surviving mutants showed behaviour
// untested. Held: an unfinished \u003C (upper case too), the later of a '<' and a \u003c. Not held: an
// escaped backslash before "u00" or "u003c" (text, not an escape), an opener followed by more than
// 64 characters, or by a character no placeholder has (a newline).
import { describe, expect, it } from 'vitest';
import { StreamRestorer } from '../../src/guard/redaction.ts';

const restore = new Map([['<EMAIL_ADDRESS_1>', 'ann@example.com']]);

describe('StreamRestorer hold-back', () => {
  it('JSON text: an upper-case \\u003C opener is held; the later opener of < and \\u003c is the one held from', () => {
    expect(new StreamRestorer(restore, true).push('{"to":"\\u003CEMAIL')).toBe('{"to":"');
    expect(new StreamRestorer(restore, true).push('{"x":"a<b","to":"\\u003cEMAIL')).toBe('{"x":"a<b","to":"');
  });

  it('JSON text: after an escaped backslash, "u00" and "u003cEMAIL" are text and go out at once', () => {
    expect(new StreamRestorer(restore, true).push('{"p":"a\\\\u00')).toBe('{"p":"a\\\\u00');
    expect(new StreamRestorer(restore, true).push('{"p":"\\\\u003cEMAIL')).toBe('{"p":"\\\\u003cEMAIL');
    // An unescaped start of the escape is held.
    expect(new StreamRestorer(restore, true).push('{"p":"a\\u00')).toBe('{"p":"a');
  });

  it('an opener followed by more than 64 characters, or by a newline, is not held', () => {
    const long = `Hi <EMAIL_ADDRESS_1${' '.repeat(50)}`;
    expect(long.length - 'Hi <'.length).toBe(65);
    expect(new StreamRestorer(restore).push(long)).toBe(long);
    expect(new StreamRestorer(restore).push(`Hi <EMAIL_ADDRESS_1${' '.repeat(49)}`)).toBe('Hi ');
    expect(new StreamRestorer(restore).push('Hi <EMAIL\nADDR')).toBe('Hi <EMAIL\nADDR');
  });
});
