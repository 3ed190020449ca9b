// Whether what a restricting pii_policy's scan found keeps the answer out of the semantic cache.
// The same rule as the store's own scan for a model that may see PII (cache/pii-check.ts): only the
// types in semantic_cache.skip_pii_types (identifiers of one person) count, so "Which novels did
// Jane Austen write?" is cached whatever the model's policy, and an answer to a question with an
// e-mail address in it is not. The stage withdrew the store on any type it found, and the PII pack
// finds a PERSON in most ordinary questions, so a model whose policy allows names cached next to nothing.
// What the stage changed keeps the answer out as before: a masked value (the answer was written to a
// placeholder), a refusal, another model picked for the request.
import type { PiiEntity } from '../classify/types.ts';
import type { PiiPlan } from './pii-policy.ts';

/**
 * `read`: what was found in the texts the model reads and the strings no reader covers (not the
 * asker's id in `user` or `metadata`, whose findings keep no answer out: pii-cache-identity.test.ts).
 */
export function keepsAnswerOut(read: readonly PiiEntity[], skipTypes: readonly string[], plan: PiiPlan): boolean {
  if (!read.length) return false;
  if (plan.action !== 'allow' || plan.changed) return true;
  const skip = new Set(skipTypes.map((t) => t.toUpperCase()));
  return read.some((e) => skip.has(e.type.toUpperCase()));
}
