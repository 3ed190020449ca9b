// Per-token hashed features for token-classification packs (PII), shared by training and serving.
// Stub: the PII work replaces this with the real implementation.
import type { Featurizer, PackManifest } from '../types.ts';

export function createTokenFeaturizer(params: Record<string, unknown>, manifest: PackManifest): Featurizer {
  void params;
  throw new Error(`token-features featurizer not implemented yet (pack ${manifest.name})`);
}
