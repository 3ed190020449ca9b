// Shared featurization under concurrency: the jailbreak scan and the routing classification of one
// request are separated by other requests' encodes (every inference awaits), and must still share.
import { describe, expect, it } from 'vitest';
import { shareFeaturizers } from '../../src/classify/shared-features.ts';
import type { LoadedPack } from '../../src/classify/pack-loader.ts';
import type { Features } from '../../src/classify/types.ts';

function fakePack(name: string) {
  const calls: string[] = [];
  const pack = {
    manifest: { name, version: '1', task: 'sequence-classification', featurizer: { type: 'hashed-ngrams', seed: 1 }, inputs: ['ids'], output: 'probs', max_length: 4096 },
    featurizer: { type: 'hashed-ngrams', encode: (text: string): Features => (calls.push(text), { feeds: {}, length: text.length, truncated: false }) },
  } as unknown as LoadedPack;
  return { pack, calls };
}

describe('shared featurization, interleaved requests', () => {
  it('a text encoded by one pack is reused by the other after other texts were encoded in between', () => {
    const jb = fakePack('jailbreak');
    const dom = fakePack('domain');
    const [j, d] = shareFeaturizers([jb.pack, dom.pack]);
    const texts = Array.from({ length: 20 }, (_, i) => `request ${i}`);
    const first = texts.map((t) => j!.featurizer.encode(t)); // 20 concurrent requests pass the guard
    texts.forEach((t, i) => expect(d!.featurizer.encode(t)).toBe(first[i])); // then route
    expect(jb.calls).toHaveLength(20);
    expect(dom.calls).toHaveLength(0);
  });

  it('keeps a bounded number of texts', () => {
    const jb = fakePack('jailbreak');
    const dom = fakePack('domain');
    const [j, d] = shareFeaturizers([jb.pack, dom.pack]);
    for (let i = 0; i < 200; i++) j!.featurizer.encode(`t${i}`);
    d!.featurizer.encode('t0'); // long evicted
    d!.featurizer.encode('t199'); // still there
    expect(dom.calls).toEqual(['t0']);
    const long = 'x'.repeat(20_000);
    j!.featurizer.encode(long);
    d!.featurizer.encode(long); // too long to keep
    expect(dom.calls).toEqual(['t0', long]);
  });
});
