// Hashed word/char n-gram featurizer shared by training (models/train) and serving.
// Stub: the text-models work replaces this with the real implementation.
import type { Featurizer, PackManifest } from '../types.ts';

export function createHashedNgramsFeaturizer(params: Record<string, unknown>, manifest: PackManifest): Featurizer {
  void params;
  throw new Error(`hashed-ngrams featurizer not implemented yet (pack ${manifest.name})`);
}
