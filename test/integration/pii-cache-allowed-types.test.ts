// The semantic cache and a model whose pii_policy restricts: an answer is kept out for what a model
// that may see PII would keep it out for (semantic_cache.skip_pii_types: identifiers of one person),
// not for any type the PII stage detected. The stage withdrew the store on any entity, so under a
// policy that allows names ("Which novels did Jane Austen write?": PERSON, allowed, forwarded as
// sent) no answer with a name in it was ever cached, though the same question to a model that may
// see PII is (the store's own scan counts skip_pii_types only; the PII pack finds a PERSON in 59% of
// our intent rows, README). A masked value or a refused / rerouted request still keeps the answer out.
// The official openai SDK -> semroute with the cache on (real socket, real packs) -> the mock upstream.
import { describe, expect, it } from 'vitest';
import { packsAvailable } from './gateway-harness.ts';
import { usePolicyCacheGateway } from './helpers/policy-cache-gateway.ts';

const NAMES = ['PERSON', 'TITLE', 'ORGANIZATION', 'GPE', 'NRP', 'DATE_TIME', 'AGE', 'EMAIL_ADDRESS'];
const policies = {
  // Restricts, allows names, places, dates and e-mail addresses: scanned, nothing masked or refused.
  'deepseek-v3': { pii_policy: { allow_by_default: false, pii_types_allowed: NAMES, action: 'block' } },
  // Restricts everything, masks and restores.
  'gpt-oss-20b': { pii_policy: { allow_by_default: false, pii_types_allowed: [], action: 'redact', restore: true } },
};
const { gw, servedAgain } = usePolicyCacheGateway(policies);

/** The types the classification API finds in `text` (the same pack and cut as the policy's scan). */
async function typesIn(text: string): Promise<string[]> {
  const r = await fetch(`${gw.served.url}/api/v1/classify/pii`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text }) });
  return [...new Set(((await r.json()) as { entities: Array<{ type: string }> }).entities.map((e) => e.type))].sort();
}

describe.skipIf(!packsAvailable())('restricting models and the cache: skip_pii_types decide, as for a model that may see PII', () => {
  // One question per case: an entry stored by an earlier case must not answer a later one.
  it.each([
    ['qwen3', 'What did Marie Curie discover?'],
    ['deepseek-v3', 'Which novels did Jane Austen write?'],
    ['deepseek-v3', 'When did Abraham Lincoln give the Gettysburg Address?'],
  ])('%s: a name the policy allows keeps the answer cached: %s', async (model, question) => {
    expect(await typesIn(question)).toContain('PERSON');
    expect(await servedAgain(model, question)).toBe(true);
  });

  it.each([
    // Allowed by the policy, but an identifier of one person (skip_pii_types): kept out as on qwen3.
    ['deepseek-v3', 'How do I ask Jane Austen at jane.austen@example.com for a signed copy?'],
    ['qwen3', 'How do I ask Jane Austen at jane.austen@example.net for a reading?'],
    // Masked (PERSON denied): the answer was written to a placeholder.
    ['gpt-oss-20b', "Who was Abraham Lincoln's vice president?"],
  ])('%s: still kept out: %s', async (model, question) => {
    expect(await servedAgain(model, question)).toBe(false);
  });
});
