// Packs with identically configured featurizers share one encode per request text.
import { describe, expect, it } from 'vitest';
import { shareFeaturizers } from '../../src/classify/shared-features.ts';
import type { LoadedPack } from '../../src/classify/pack-loader.ts';
import type { Features } from '../../src/classify/types.ts';

function fakePack(name: string, type: string, maxLength: number, params: Record<string, unknown> = {}) {
  const calls: string[] = [];
  const pack = {
    manifest: { name, version: '1', task: 'sequence-classification', featurizer: { type, ...params }, inputs: ['ids'], output: 'probs', max_length: maxLength },
    featurizer: {
      type,
      encode(text: string): Features {
        calls.push(text);
        const n = Math.min(text.length, maxLength);
        return { feeds: {}, length: n, truncated: text.length > maxLength };
      },
    },
  } as unknown as LoadedPack;
  return { pack, calls };
}

describe('shared featurization', () => {
  it('identical configurations encode a text once', () => {
    const a = fakePack('domain', 'hf-tokenizer', 10);
    const b = fakePack('intent', 'hf-tokenizer', 10);
    const [wa, wb] = shareFeaturizers([a.pack, b.pack]);
    const fa = wa!.featurizer.encode('hello');
    expect(wb!.featurizer.encode('hello')).toBe(fa);
    expect(a.calls.length + b.calls.length).toBe(1);
    wb!.featurizer.encode('other text');
    expect(b.calls).toEqual(['other text']);
  });

  it('a length-independent featurizer shares across max_length only while the text is not cut', () => {
    const a = fakePack('domain', 'hashed-ngrams', 8, { seed: 1 });
    const b = fakePack('jailbreak', 'hashed-ngrams', 16, { seed: 1 });
    const [wa, wb] = shareFeaturizers([a.pack, b.pack]);
    wa!.featurizer.encode('short');
    wb!.featurizer.encode('short');
    expect(b.calls).toEqual([]);
    const long = 'a text longer than eight';
    expect(wa!.featurizer.encode(long).truncated).toBe(true);
    expect(wb!.featurizer.encode(long).truncated).toBe(true); // its own, cut at 16, not domain's
    expect(b.calls).toEqual([long]);
  });

  it('different parameters or a max_length-dependent featurizer never share', () => {
    const a = fakePack('x', 'hashed-ngrams', 8, { seed: 1 });
    const b = fakePack('y', 'hashed-ngrams', 8, { seed: 2 });
    const c = fakePack('z', 'hf-tokenizer', 8);
    const d = fakePack('w', 'hf-tokenizer', 9);
    const w = shareFeaturizers([a.pack, b.pack, c.pack, d.pack]);
    for (const p of w) p.featurizer.encode('same');
    expect([a.calls, b.calls, c.calls, d.calls].map((c) => c.length)).toEqual([1, 1, 1, 1]);
  });
});
