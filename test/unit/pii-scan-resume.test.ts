// The phone and card scans go on past a refused candidate's inner groups instead of from its next
// character (phone.ts with number-lists.ts listRunResume, credit-card.ts resumeAfter). Two checks:
// the spans are those of the same recognizers with every refusal resuming one character on (scan()
// before the skips, loaded with types.ts mocked), over seeded random texts of digit groups,
// separators, prefixes, extensions and words; and a megabyte-shaped run of short groups is no longer
// one candidate per group (candidates counted, not timed: bench/pii.ts --adversarial has the CPU).
import { afterAll, describe, expect, it, vi } from 'vitest';
import { RECOGNIZERS, runRecognizers, type PatternMatch, type Recognizer } from '../../src/classify/pii/recognizers/index.ts';
import { rng } from '../../models/train/rng.ts';

const TYPES = '../../src/classify/pii/recognizers/types.ts';
type Scan = typeof import('../../src/classify/pii/recognizers/types.ts').scan;

/** A fresh copy of the recognizers whose scan() is `wrap(real scan)`. */
async function recognizersWith(wrap: (scan: Scan) => Scan): Promise<typeof import('../../src/classify/pii/recognizers/index.ts')> {
  vi.resetModules();
  vi.doMock(TYPES, async (orig) => {
    const real = (await orig()) as typeof import('../../src/classify/pii/recognizers/types.ts');
    return { ...real, scan: wrap(real.scan) };
  });
  const mod = await import('../../src/classify/pii/recognizers/index.ts');
  vi.doUnmock(TYPES);
  return mod;
}
afterAll(() => vi.resetModules());

// Every refusal resumes one character on, whatever accept says: the scan before the skips.
const oneOn = (scan: Scan): Scan => (text, re, accept) => scan(text, re, (m) => {
  const r = accept(m);
  return typeof r === 'number' ? null : r;
});

// Runs of digit groups (short ones, and whole phones and cards inside them), mostly spaced, with the
// prefixes, extensions, counts and words the phone and card rules read around them.
const GROUPS = ['1', '2', '12', '34', '07', '123', '555', '1234', '2671', '4111', '1111', '0018', '12345', '4155552671', '4111111111111111', '4111 1111 1111 1111', '3782 822463 10005', '415 555 2671', '555-123-4567', '020 7946 0018'];
const SEPS = [' ', ' ', ' ', ' ', '-', '.', ' - '];
const BEFORE = ['', '', '', '+1 ', '(555) ', 'call ', 'card ', 'rows ', 'scores: ', 'a ', '+', ', '];
const AFTER = ['', '', '', ' x12', 'x1234', ' ext. 12', ' 24 hours', ' is my cell', '-', '.', ';', ' a'];
const pick = <T>(r: () => number, a: readonly T[]): T => a[Math.floor(r() * a.length)]!;

function randomText(r: () => number): string {
  let t = '';
  for (let c = 1 + Math.floor(r() * 3); c > 0; c--) {
    t += pick(r, BEFORE);
    for (let g = 1 + Math.floor(r() * 9); g > 0; g--) t += pick(r, GROUPS) + (g > 1 ? pick(r, SEPS) : '');
    t += pick(r, AFTER) + ' ';
  }
  return t;
}

const spans = (ms: PatternMatch[]) => ms.map((m) => `${m.type} ${m.start}-${m.end} ${m.confidence}`);

describe('phone and card scans skipping refused groups', () => {
  it('find the spans a scan resuming one character on finds', async () => {
    const ref = await recognizersWith(oneOn);
    const r = rng(20261208);
    let phones = 0;
    let cards = 0;
    for (let i = 0; i < 20_000; i++) {
      const text = randomText(r);
      for (let k = 0; k < RECOGNIZERS.length; k++) {
        const got = RECOGNIZERS[k]!.find(text);
        expect(spans(got), `${RECOGNIZERS[k]!.type} in ${JSON.stringify(text)}`).toEqual(spans(ref.RECOGNIZERS[k]!.find(text)));
        if (RECOGNIZERS[k]!.type === 'PHONE_NUMBER') phones += got.length;
        if (RECOGNIZERS[k]!.type === 'CREDIT_CARD') cards += got.length;
      }
      expect(spans(runRecognizers(text, 0.7))).toEqual(spans(ref.runRecognizers(text, 0.7)));
    }
    // The corpus has both kinds to find, not only refusals.
    expect(phones).toBeGreaterThan(2000);
    expect(cards).toBeGreaterThan(100);
  });

  it.each(['1 2 3 ', '12 ', '1 2 3 4 5 6 7 8 9 0', '415 555 2671 '])('look at a run of %j once, not once per group', async (shape) => {
    const calls = new Map<RegExp, number>();
    const counted = await recognizersWith((scan) => (text, re, accept) => scan(text, re, (m) => {
      calls.set(re, (calls.get(re) ?? 0) + 1);
      return accept(m);
    }));
    const text = shape.repeat(Math.ceil(65_536 / shape.length));
    const find = (type: string) => counted.RECOGNIZERS.find((x: Recognizer) => x.type === type)!.find(text);
    const groups = text.split(/[ \-]/).length;
    for (const type of ['PHONE_NUMBER', 'CREDIT_CARD']) {
      calls.clear();
      expect(find(type)).toEqual([]);
      const candidates = [...calls.values()].reduce((a, b) => a + b, 0);
      // Before the skips: one candidate per group (the phone scan's lists of 7+ digits excepted).
      expect(candidates, type).toBeLessThan(groups / 2);
    }
  });
});
