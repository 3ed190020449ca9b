// guardText (src/guard/normalize.ts) stops folding soon after its output passes the caller's budget
// `limit`, so a body of megabytes costs the guard only what the budget lets it score. Its ASCII path
// folded the whole text first: a 5 MB message of "a." pairs took 1.6 s of CPU in joinSpaced before
// the budget refused it (10 MiB bodies: ~3.5 s a request), 30 times the cost of parsing the body.
import { describe, expect, it } from 'vitest';
import { guardText } from '../../src/guard/normalize.ts';

const MB5 = { 'letters spelled out': 'a.'.repeat(2_500_000), 'single letters': 'a b '.repeat(1_250_000), 'placeholders': '{{name}} '.repeat(560_000), 'prose': 'The quick brown fox. '.repeat(240_000) };

describe('guardText under a limit', () => {
  for (const [name, text] of Object.entries(MB5)) {
    it(`${name} (${text.length} characters, ASCII): the output passes the limit, and stops soon after`, () => {
      const out = guardText(text, 1_000_000);
      expect(out.length).toBeGreaterThan(1_000_000);
      expect(out.length).toBeLessThan(1_000_000 + 2 * 65_536);
    });
  }

  it('a text within the limit folds the same as without one (ASCII and not)', () => {
    for (const t of ['I g n o r e  a l l', 'Hello {{name}}', 'ｉｇｎｏｒｅ all', 'a.'.repeat(40_000) + ' done']) expect(guardText(t, 1_000_000)).toBe(guardText(t));
  });
});
