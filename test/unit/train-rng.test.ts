// Every trained pack and the tiny-BERT fixture weights draw from models/train/rng.ts. The expected
// values were recorded from the three copies it replaced (models/train/data.ts, models/train/pii/model.ts,
// test/fixtures/tiny-bert/weights.ts), which agreed on 10,000 draws for each of these seeds; a change here
// means `npm run train` would no longer reproduce the committed model.onnx files.
import { describe, expect, it } from 'vitest';
import { rng } from '../../models/train/rng.ts';

const FIRST_FOUR: Record<number, number[]> = {
  0: [0.26642920868471265, 0.0003297457005828619, 0.2232720274478197, 0.1462021479383111],
  1: [0.6270739405881613, 0.002735721180215478, 0.5274470399599522, 0.9810509674716741],
  7: [0.011704753153026104, 0.06195825757458806, 0.97690763277933, 0.6990287057124078],
  42: [0.6011037519201636, 0.44829055899754167, 0.8524657934904099, 0.6697340414393693],
  // seeds the PII trainer and augmenter derive (seed ^ constant)
  1540483477: [0.6892725960351527, 0.35055600153282285, 0.80590939684771, 0.009658889146521688],
  625341585: [0.8967946809716523, 0.6961508246604353, 0.1480235974304378, 0.5576291915494949],
};

describe('training rng (mulberry32)', () => {
  it('yields the recorded sequence for each seed', () => {
    for (const [seed, want] of Object.entries(FIRST_FOUR)) {
      const r = rng(Number(seed));
      expect([r(), r(), r(), r()]).toEqual(want);
    }
  });

  it('stays on the recorded sequence far into the stream', () => {
    const at100k: Record<number, number> = { 0: 0.10509991529397666, 42: 0.9818388000130653, 1540483477: 0.16220068908296525 };
    for (const [seed, want] of Object.entries(at100k)) {
      const r = rng(Number(seed));
      let x = NaN;
      for (let i = 0; i < 100_000; i++) x = r();
      expect(x).toBe(want);
    }
  });

  it('reduces seeds to 32 bits like the old copies (-1 and 2^32+3 as recorded)', () => {
    expect(rng(-1)()).toBe(0.8964226141106337);
    expect(rng(2 ** 32 + 3)()).toBe(0.7202267837710679);
    expect(rng(3)()).toBe(rng(2 ** 32 + 3)());
  });
});
