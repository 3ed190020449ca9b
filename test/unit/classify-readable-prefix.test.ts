// A classifier call sanitises only the part of a text its pack can read (text.ts readablePrefix).
// Sanitising a whole 1 MB text of lone surrogates cost ~90 ms per call (routing, embedding, ...) to
// keep 128 Ki of it; 10 MB with the guard off ~1 s (QA probe, 2026-12-06). What the featurizer
// receives must be the same text as before, character for character.
import { describe, expect, it } from 'vitest';
import { boundText, cleanInput, readablePrefix, textBudget } from '../../src/classify/text.ts';
import { runPack } from '../../src/classify/sequence-classifier.ts';
import type { LoadedPack } from '../../src/classify/pack-loader.ts';

/** Deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Characters sanitising changes or that decide where boundText cuts.
const TRICKY = ['\ud83d', '\ude00', '\ud83d\ude00', ' ', '\n', '\u0085', '\u0000', '\t', 'a', 'é', '\u00a0'];
// The same without anything that is or becomes whitespace: boundText then reads to the end of its slack.
const NO_SPACE = ['\ud83d', '\ude00', '\ud83d\ude00', 'a', 'é'];

describe('readablePrefix', () => {
  it('gives the featurizer the same text as sanitising the whole text first', () => {
    const next = rng(7);
    for (const maxLength of [128, 4096, 8192]) {
      const cap = readablePrefix('x'.repeat(10_000_000), maxLength).length;
      const budget = textBudget(maxLength);
      for (let round = 0; round < 16; round++) {
        const set = round % 2 ? NO_SPACE : TRICKY;
        const tricky = (n: number) => {
          let out = '';
          while (out.length < n) out += set[Math.floor(next() * set.length)]!;
          return out;
        };
        // Plain text up to the budget, then tricky characters over the cut window and around the cap.
        const head = 'w'.repeat(budget - 4 - Math.floor(next() * 3));
        const window = tricky(90);
        const text = head + window + 'w'.repeat(Math.max(0, cap - 4 - head.length - window.length)) + tricky(6 + Math.floor(next() * 200));
        const before = boundText(cleanInput(text), maxLength);
        const after = boundText(cleanInput(readablePrefix(text, maxLength)), maxLength);
        expect(after.cut).toBe(before.cut);
        expect(after.text === before.text, `maxLength ${maxLength} round ${round}`).toBe(true);
      }
    }
  });

  it('leaves texts a pack could read whole, and the co-run memo keys, as they are', () => {
    const t = 'w'.repeat(262_144);
    expect(readablePrefix(t, 128)).toBe(t);
    expect(readablePrefix(t, 4096)).toBe(t);
  });

  it('a classifier call on 8 M characters costs about what one on 0.25 M does', async () => {
    const seen: number[] = [];
    const pack = {
      manifest: { max_length: 4096, output: 'y' },
      info: { name: 'fake' },
      featurizer: { encode: (t: string) => (seen.push(t.length), { feeds: {}, truncated: false, length: 1 }) },
      session: { run: async () => ({ y: { data: new Float32Array(2), dims: [1, 2] } }) },
    } as unknown as LoadedPack;
    // Lone surrogates: the costliest text to sanitise (every unit is replaced).
    const small = '\ud800'.repeat(1 << 18);
    const large = '\ud800'.repeat(1 << 23);
    // This process's CPU time (ms), not the wall clock: a process descheduled on a loaded box would
    // take that time for the call's own (guard-restore-scaling.test.ts measured 10x for 1-2x of work).
    const fastest = async (text: string) => {
      let best = Infinity;
      for (let r = 0; r < 3; r++) {
        const t0 = process.cpuUsage();
        await runPack(pack, text);
        const { user, system } = process.cpuUsage(t0);
        best = Math.min(best, (user + system) / 1000);
      }
      return best;
    };
    await fastest(small);
    const tSmall = await fastest(small);
    const tLarge = await fastest(large);
    expect(seen.every((n) => n === seen[0])).toBe(true);
    // Sanitising all of it was ~30x (32x the characters).
    expect(tLarge).toBeLessThan(Math.max(4 * tSmall, 20));
  });
});
