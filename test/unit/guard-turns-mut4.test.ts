// Mutation audit 4 of src/guard/turns.ts: the joined turns' windows scored are exactly those of the
// joined text that hold text of two turns (README: "the windows of that text that cross a turn
// boundary ... are scored, not those inside one turn"). Mutants that survived the turns tests moved
// the boundary test by the separator's length: one scored a window ending in the blank line after a
// turn (it reads that turn only: mutant T12), the other dropped one ending just after the next turn's
// first word (mutant T5). Pure function: no gateway test can tell which windows were scored.
import { describe, expect, it } from 'vitest';
import { joinedUserTurns, turnSeamWindows } from '../../src/guard/turns.ts';
import { splitWindows, windowOverlap } from '../../src/guard/windows.ts';

const words = (n: number, tag: string) => Array.from({ length: n }, (_, k) => `${tag}${k % 10}`).join(' ');

/** The windows of the joined text that hold a non-blank character on both sides of a "\n\n" between turns. */
function crossing(turns: string[], size: number): string[] {
  const joined = joinedUserTurns(turns)!;
  return splitWindows(joined, size, windowOverlap(size))
    .map((w) => joined.slice(w.start, w.end))
    .filter((w) => /\S\s*\n\n\s*\S/.test(w));
}

describe('turnSeamWindows: the windows over a boundary, no more, no fewer', () => {
  // The first turn ends about three quarters into a window; the next one starts with words of
  // assorted lengths and then a word too long to cut, so the window's end moves back onto the blank
  // line or just after one of those first words.
  const cases: Array<[string, string[]]> = [];
  for (const lead of [0, 1, 2, 3, 5]) {
    for (const firstLen of [430, 440, 450, 460, 470]) {
      const second = `${lead ? `${'I'.repeat(lead)} ` : ''}${'x'.repeat(200)} ${words(60, 'b')}`;
      cases.push([`lead ${lead}, first turn ${firstLen}`, [words(200, 'a').slice(0, firstLen).trimEnd(), second, words(80, 'c')]]);
    }
  }

  for (const [name, turns] of cases) {
    it(name, () => {
      expect(turnSeamWindows(turns, 512)).toEqual(crossing(turns, 512));
    });
  }

  it('the cases hit both edges: a window ending on the blank line, and one ending a word or two into the next turn', () => {
    const ends = cases.flatMap(([, turns]) => {
      const joined = joinedUserTurns(turns)!;
      const seam = joined.indexOf('\n\n');
      return splitWindows(joined, 512, windowOverlap(512)).map((w) => w.end - seam);
    });
    expect(ends).toContain(2); // just after the separator: reads the first turn only
    expect(ends.some((d) => d > 2 && d <= 4)).toBe(true); // one short word into the second turn
  });
});
