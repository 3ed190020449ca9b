// The semantic cache and personal data in `user`, `safety_identifier` and `metadata` values, which the
// provider logs but the model never reads. For a model that may see PII (no scan by the PII stage) the
// store's own check (cache/pii-check.ts) leaves them out: the answer is not made from the asker's id,
// so an e-mail address as the `user` id must not keep every answer of that client uncached
// (cache-user-field.test.ts). For a model whose pii_policy restricts, the restricting scan reads them
// (identity-slots.ts), and anything it found there kept the answer out of the cache, even under a
// policy that allows e-mail addresses or masked them: the same request was cached or not by whether
// the model's policy scans. Both paths now read the same places for the cache: the messages and the
// other texts the model reads, and the strings no reader covers (pii-unread-cache.test.ts), not the
// asker's id. The official openai SDK -> semroute with the cache on (real socket, real packs) -> the mock upstream.
import { describe, expect, it } from 'vitest';
import { packsAvailable } from './gateway-harness.ts';
import { usePolicyCacheGateway } from './helpers/policy-cache-gateway.ts';

const EMAIL = 'zoe.park@example.com';
const policies = {
  // Restricts, allows e-mail addresses: scanned, nothing masked or refused.
  'deepseek-v3': { pii_policy: { allow_by_default: false, pii_types_allowed: ['EMAIL_ADDRESS'], action: 'block' } },
  // Restricts everything, masks: `user` reaches the provider as a placeholder.
  'gpt-oss-20b': { pii_policy: { allow_by_default: false, pii_types_allowed: [], action: 'redact', restore: true } },
};
const { servedAgain } = usePolicyCacheGateway(policies);

describe.skipIf(!packsAvailable())('the asker\'s id keeps no answer out of the cache, whatever the policy', () => {
  // One question per case: an entry stored by an earlier case must not answer a later one.
  it.each([
    ['qwen3 (may see PII: the store scans)', 'user', { user: EMAIL }, 'How many legs does a spider have?'],
    ['deepseek-v3 (restricts, allows e-mail)', 'user', { user: EMAIL }, 'How many moons does Mars have?'],
    ['deepseek-v3 (restricts, allows e-mail)', 'safety_identifier', { safety_identifier: EMAIL }, 'How tall is a giraffe?'],
    ['deepseek-v3 (restricts, allows e-mail)', 'metadata', { metadata: { owner: EMAIL }, store: true }, 'How many strings does a violin have?'],
    ['gpt-oss-20b (restricts, masks)', 'user', { user: EMAIL }, 'How many keys does a piano have?'],
    ['gpt-oss-20b (restricts, masks)', 'metadata', { metadata: { owner: `mail ${EMAIL}` }, store: true }, 'How many bones does a shark have?'],
  ])('%s: an address in %s, the answer is stored and served', async (_name, _field, fields, question) => {
    const model = _name.split(' ')[0]!;
    expect(await servedAgain(model, question, fields)).toBe(true);
  });

  it.each([
    ['qwen3', 'How do I write to zoe.park@example.com about the rent?'],
    ['deepseek-v3', 'How do I remind zoe.park@example.com about the invoice?'],
    ['gpt-oss-20b', 'How do I thank zoe.park@example.com for the gift?'],
  ])('%s: the address in the question still keeps its answer out', async (model, question) => {
    expect(await servedAgain(model, question, { user: 'client-7' })).toBe(false);
  });
});
