// Packs whose featurizers are configured identically (domain, intent and jailbreak all use the same
// hashed n-grams) would featurize the same request text once each. This shares the result: each
// group remembers the last text it encoded. Features are never mutated after encode, so sharing
// them is safe; concurrent requests only lose hits, never get another text's features.
import type { Features, Featurizer } from './types.ts';
import type { LoadedPack } from './pack-loader.ts';
import { featurizerSpec } from './featurizers/index.ts';

interface Memo {
  text: string | undefined;
  features: Features | undefined;
}

function groupKey(pack: LoadedPack, lengthIndependent: boolean): string {
  const m = pack.manifest;
  return JSON.stringify([m.featurizer, m.inputs, m.task, lengthIndependent ? null : m.max_length]);
}

/** Packs with featurizers wrapped so identical configurations share one encode per text. */
export function shareFeaturizers(packs: LoadedPack[]): LoadedPack[] {
  const memos = new Map<string, Memo>();
  return packs.map((pack) => {
    const lengthIndependent = featurizerSpec(pack.manifest.featurizer.type)?.lengthIndependent === true;
    const key = groupKey(pack, lengthIndependent);
    let memo = memos.get(key);
    if (!memo) memos.set(key, (memo = { text: undefined, features: undefined }));
    const m = memo;
    const own = pack.featurizer;
    const maxLength = pack.manifest.max_length;
    const featurizer: Featurizer = {
      type: own.type,
      encode(text: string): Features {
        const f = m.features;
        // A result from a pack with another max_length is valid here only if it was not cut and fits.
        if (f && m.text === text && !f.truncated && f.length <= maxLength) return f;
        const mine = own.encode(text);
        m.text = text;
        m.features = mine;
        return mine;
      },
    };
    return { ...pack, featurizer };
  });
}
