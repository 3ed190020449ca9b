// Under on_exceed: block, texts over the PII budget are refused whatever a scan would find, so none
// is scanned: the scan up to the budget cost up to ~1 s of one core (200k characters, or 2,000
// detector calls for 100k tiny text parts) for a request answered 413 anyway (QA probe, 2026-12-06).
import { describe, expect, it } from 'vitest';
import { scanPii } from '../../src/guard/pii-scan.ts';
import { BudgetMeter } from '../../src/guard/budget.ts';
import { fakePii } from './guard-fakes.ts';

const filler = (n: number) => 'the quick brown fox jumps over it '.repeat(Math.ceil(n / 34)).slice(0, n);

describe('PII scan budget under block', () => {
  it('too many characters: nothing is scanned, the meter says exceeded', async () => {
    const d = fakePii({ maxChars: 10_000 });
    const meter = new BudgetMeter({ maxChars: 1_000, maxTexts: 10, onExceed: 'block' });
    const r = await scanPii(d, ['a@b.co ' + filler(600), 'c@d.co ' + filler(600)], { meter, windowChars: 200 });
    expect(meter.exceeded).toBe(true);
    expect(d.calls).toBe(0);
    expect(r).toEqual([[], []]);
  });

  it('too many texts: nothing is scanned; blank texts do not count', async () => {
    const d = fakePii({ maxChars: 10_000 });
    const meter = new BudgetMeter({ maxChars: 1_000_000, maxTexts: 5, onExceed: 'block' });
    await scanPii(d, Array.from({ length: 6 }, (_, i) => `text ${i}`), { meter });
    expect(meter.exceeded).toBe(true);
    expect(d.calls).toBe(0);
    const ok = new BudgetMeter({ maxChars: 1_000_000, maxTexts: 5, onExceed: 'block' });
    const r = await scanPii(d, ['', '  \n', ...Array.from({ length: 4 }, (_, i) => `x${i}@y.co`), ' '], { meter: ok });
    expect(ok.exceeded).toBe(false);
    expect(r.flat()).toHaveLength(4);
  });

  it('exactly at the budget is scanned whole', async () => {
    const d = fakePii({ maxChars: 10_000 });
    const texts = ['a@b.co ' + filler(493), 'c@d.co ' + filler(493)];
    const meter = new BudgetMeter({ maxChars: 1_000, maxTexts: 2, onExceed: 'block' });
    const r = await scanPii(d, texts, { meter, windowChars: 200 });
    expect(meter.exceeded).toBe(false);
    expect(meter.chars).toBe(1_000);
    expect(r.map((x) => x.length)).toEqual([1, 1]);
  });

  it('under allow the part that fits is still scanned', async () => {
    const d = fakePii({ maxChars: 10_000 });
    const meter = new BudgetMeter({ maxChars: 1_000, maxTexts: 10, onExceed: 'allow' });
    const r = await scanPii(d, ['a@b.co ' + filler(600), 'c@d.co ' + filler(600)], { meter, windowChars: 200 });
    expect(meter.exceeded).toBe(true);
    expect(r[0]).toHaveLength(1);
    expect(d.calls).toBeGreaterThan(0);
  });
});
