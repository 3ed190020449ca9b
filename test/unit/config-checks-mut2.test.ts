// Mutation audit, round 2: the load-time warnings of src/config/pii-type-check.ts and effort-check.ts
// where surviving mutants showed behaviour untested: a pii_types_allowed alias (EMAIL) or a spelling
// with other separators (credit-card) is told the type to write; a name like none lists the types; a
// category's reasoning_effort warning names its category and model_scores indices in that order.
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/index.ts';

const base = { default_model: 'm', vllm_endpoints: [{ name: 'e', address: '10.0.0.1', port: 80 }] };
const piiWarnings = (allowed: unknown[]) =>
  validateConfig({ ...base, model_config: { m: { pii_policy: { allow_by_default: false, pii_types_allowed: allowed } } } }).warnings;

describe('pii_types_allowed warnings', () => {
  it('an alias or a spelling with other separators is told the type to write', () => {
    const w = piiWarnings(['EMAIL', 'credit-card', 'Phone Number']);
    expect(w).toHaveLength(3);
    expect(w[0]).toContain('"EMAIL" is not a PII type the scan reports, so it allows nothing (write EMAIL_ADDRESS)');
    expect(w[1]).toContain('(write CREDIT_CARD)');
    expect(w[2]).toContain('(write PHONE_NUMBER)');
  });
  it('a name like no type lists the types', () => {
    const w = piiWarnings(['FOO']);
    expect(w).toHaveLength(1);
    expect(w[0]).toContain('(types: AGE, CREDIT_CARD, DATE_TIME,');
  });
});

describe('reasoning_effort warnings', () => {
  it('name the category and the model_scores entry, in that order', () => {
    const { warnings } = validateConfig({
      ...base,
      categories: [
        { name: 'a', model_scores: [{ model: 'm', score: 1, use_reasoning: false }] },
        { name: 'b', model_scores: [{ model: 'm', score: 1, use_reasoning: true, reasoning_effort: 'hgih' }, { model: 'm', score: 0.5, use_reasoning: false }] },
      ],
    });
    const w = warnings.filter((x) => x.includes('hgih'));
    expect(w).toHaveLength(1);
    expect(w[0]).toMatch(/^categories\[1\]\.model_scores\[0\]\.reasoning_effort: "hgih"/);
  });
});
