// Featurizer registry, keyed by manifest.featurizer.type. A factory receives the featurizer block of
// the manifest as params, the manifest, and the bytes of the extra pack files it declares (read by
// the loader, so factories stay synchronous and runtime-agnostic). Factories that need no files keep
// the two-argument signature.
import type { Featurizer, PackManifest } from '../types.ts';
import { createHashedNgramsFeaturizer } from './hashed-ngrams.ts';
import { createTokenFeaturizer } from './token-features.ts';
import { createHfTokenizerFeaturizer } from './hf-tokenizer.ts';

/** Extra pack files by their manifest.files key (e.g. "tokenizer"), already read. */
export type PackFiles = Readonly<Record<string, Uint8Array>>;

export type FeaturizerFactory = (params: Record<string, unknown>, manifest: PackManifest, files: PackFiles) => Featurizer;

export interface FeaturizerSpec {
  create: FeaturizerFactory;
  /** Files the factory needs: manifest.files key -> default file name when the manifest names none. */
  files?: Readonly<Record<string, string>>;
  /** Files read when present (same shape as files). */
  optionalFiles?: Readonly<Record<string, string>>;
  /**
   * True if, for text that is not truncated, the features do not depend on max_length (no padding to
   * it). Lets packs that differ only in max_length share one featurization of a request.
   */
  lengthIndependent?: boolean;
}

const registry: Record<string, FeaturizerSpec> = {
  'hashed-ngrams': { create: createHashedNgramsFeaturizer, lengthIndependent: true },
  'token-features': { create: createTokenFeaturizer },
  'hf-tokenizer': {
    create: createHfTokenizerFeaturizer,
    files: { tokenizer: 'tokenizer.json' },
    optionalFiles: { tokenizer_config: 'tokenizer_config.json' },
  },
};

export function featurizerSpec(type: string): FeaturizerSpec | undefined {
  return Object.prototype.hasOwnProperty.call(registry, type) ? registry[type] : undefined;
}

export function featurizerTypes(): string[] {
  return Object.keys(registry);
}
