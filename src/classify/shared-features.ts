// Packs whose featurizers are configured identically (domain, intent and jailbreak all use the same
// hashed n-grams) would featurize the same request text once each. This shares the result: each
// group remembers the last texts it encoded. Features are never mutated after encode, so sharing
// them is safe; concurrent requests only lose hits, never get another text's features.
import type { Features, Featurizer } from './types.ts';
import type { LoadedPack } from './pack-loader.ts';
import { featurizerSpec } from './featurizers/index.ts';

/**
 * The last few texts each group encoded. One slot was not enough in a server: between a request's
 * jailbreak scan and its routing classification other requests featurize their own texts (every
 * inference awaits), so a single slot was overwritten and the text was encoded twice.
 */
interface Memo {
  recent: Map<string, Features>;
}

const RECENT_TEXTS = 32;
/** Longer texts are not kept (bounds the memo's memory; their windows are encoded per window anyway). */
const MEMO_MAX_CHARS = 16_384;

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
    if (!memo) memos.set(key, (memo = { recent: new Map() }));
    const m = memo;
    const own = pack.featurizer;
    const maxLength = pack.manifest.max_length;
    const featurizer: Featurizer = {
      type: own.type,
      encode(text: string): Features {
        const f = m.recent.get(text);
        // A result from a pack with another max_length is valid here only if it was not cut and fits.
        if (f && !f.truncated && f.length <= maxLength) return f;
        const mine = own.encode(text);
        if (text.length <= MEMO_MAX_CHARS) {
          m.recent.delete(text);
          m.recent.set(text, mine);
          if (m.recent.size > RECENT_TEXTS) m.recent.delete(m.recent.keys().next().value!);
        }
        return mine;
      },
    };
    return { ...pack, featurizer };
  });
}
