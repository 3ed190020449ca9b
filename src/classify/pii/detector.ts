// PII detector: token model spans (BIO-merged) + deterministic recognizers, with the vLLM Semantic
// Router's type names. Stub: the PII work replaces the body, keeping the signature.
import type { PiiDetector, TokenClassifier } from '../types.ts';

export function createPiiDetector(model: TokenClassifier | undefined, opts: { name: string; threshold: number }): PiiDetector {
  void model;
  return { name: opts.name, types: [], detect: async () => [] };
}
