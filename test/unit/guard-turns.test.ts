// The joined user turns the jailbreak guard scores besides each message (src/guard/turns.ts): only with
// two or more turns that have text, the newest `maxTurns` oldest first, cut to the newest `maxChars`
// at a word start (the bound on the extra scan's cost).
import { describe, expect, it } from 'vitest';
import { joinedUserTurns, MAX_JOINED_CHARS, MAX_JOINED_TURNS } from '../../src/guard/turns.ts';

describe('joinedUserTurns', () => {
  it('none for fewer than two turns with text', () => {
    expect(joinedUserTurns(undefined)).toBeUndefined();
    expect(joinedUserTurns([])).toBeUndefined();
    expect(joinedUserTurns(['only one'])).toBeUndefined();
    expect(joinedUserTurns(['one', '  ', ''])).toBeUndefined();
  });

  it('the last turns, oldest first, blank ones skipped', () => {
    expect(joinedUserTurns(['a', '', 'b'])).toBe('a\n\nb');
    const turns = ['t1', 't2', 't3', 't4', 't5', 't6'];
    expect(joinedUserTurns(turns)).toBe(turns.slice(-MAX_JOINED_TURNS).join('\n\n'));
    expect(joinedUserTurns(turns, 2)).toBe('t5\n\nt6');
  });

  it('cut to the newest maxChars characters, at a word start', () => {
    const old = 'word '.repeat(2_000);
    const joined = joinedUserTurns([old, 'the newest turn'])!;
    expect(joined.length).toBeLessThanOrEqual(MAX_JOINED_CHARS);
    expect(joined.endsWith('\n\nthe newest turn')).toBe(true);
    expect(joined.startsWith('word ')).toBe(true);
    expect(joinedUserTurns(['abcdef ghij', 'klm'], 4, 10)).toBe('ghij\n\nklm');
  });
});
