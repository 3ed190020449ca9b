// The joined user turns the jailbreak guard scores besides each message (src/guard/turns.ts): only with
// two or more turns that have text, the newest `maxTurns` oldest first, cut to the newest `maxChars`
// at a word start (the bound on the extra scan's cost).
import { describe, expect, it } from 'vitest';
import { joinedUserTurns, MAX_JOINED_CHARS, MAX_JOINED_TURNS, turnSeamWindows } from '../../src/guard/turns.ts';
import { splitWindows, windowOverlap } from '../../src/guard/windows.ts';

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

// Only the joined text's windows that read two turns are scored: the per-message scan already read
// each turn, and the windows inside one turn cost 10 classifier calls on a chat of 4 x ~1,100 characters.
describe('turnSeamWindows', () => {
  const turn = (i: number, n: number) => Array.from({ length: n }, (_, k) => `t${i}w${k}`).join(' ');

  it('none for fewer than two turns with text, or 0 / 1 turns joined', () => {
    expect(turnSeamWindows(['only one', ' '], 512)).toEqual([]);
    expect(turnSeamWindows(['a', 'b'], 512, 1)).toEqual([]);
    expect(turnSeamWindows(['a', 'b'], 512, 0)).toEqual([]);
  });

  it('the whole joined text when it fits one window', () => {
    expect(turnSeamWindows(['a b', 'c d', 'e f'], 512)).toEqual(['a b\n\nc d\n\ne f']);
  });

  it('long turns: only the windows over a boundary, each boundary in one, fewer calls than the whole text', () => {
    const turns = [0, 1, 2, 3].map((i) => turn(i, 200)); // ~1,100 characters each
    const joined = joinedUserTurns(turns)!;
    const all = splitWindows(joined, 512, windowOverlap(512)).map((w) => joined.slice(w.start, w.end));
    const got = turnSeamWindows(turns, 512);
    expect(got.length).toBeGreaterThanOrEqual(3);
    expect(got.length).toBeLessThanOrEqual(6);
    expect(all.length).toBeGreaterThan(got.length + 4);
    for (const w of got) {
      expect(all).toContain(w);
      expect(w.length).toBeLessThanOrEqual(512);
      expect(w).toMatch(/\S\n\n\S/); // text of both turns around the separator
    }
    // Every boundary the cut kept is read across: a window ends in turn k's last word and the next begins.
    for (const k of [1, 2, 3]) expect(got.some((w) => w.includes(`t${k - 1}w199\n\nt${k}w0`)), `boundary ${k}`).toBe(true);
    // And no window lies inside one turn.
    for (const w of all.filter((x) => !got.includes(x))) expect(w).not.toMatch(/\S\n\n\S/);
  });
});
