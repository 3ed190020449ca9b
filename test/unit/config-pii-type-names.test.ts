// pii_types_allowed names types exactly as the PII scan reports them (the reference's list, vsr.md 3):
// `pii_types_allowed: [EMAIL, PHONE]` allowed nothing, so every e-mail was blocked for that model,
// and the config loaded without a word. Now each name that is none of the types warns, with the type
// it most likely means; case is not a mistake (the policy compares upper-cased names).
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/index.ts';

const load = (allowed: unknown[]) =>
  validateConfig({
    default_model: 'm',
    vllm_endpoints: [{ name: 'e', address: '10.0.0.1', port: 80 }],
    model_config: { m: { pii_policy: { allow_by_default: false, pii_types_allowed: allowed } } },
  }).warnings;

describe('pii_types_allowed names', () => {
  it('a short or Presidio spelling warns, naming the type it means', () => {
    const w = load(['EMAIL', 'PHONE', 'LOCATION', 'PERSON']);
    expect(w).toHaveLength(3);
    expect(w[0]).toContain('model_config.m.pii_policy.pii_types_allowed[0]: "EMAIL"');
    expect(w[0]).toContain('EMAIL_ADDRESS');
    expect(w[1]).toContain('PHONE_NUMBER');
    expect(w[2]).toContain('GPE');
  });

  it('an unknown name warns, listing the types', () => {
    const w = load(['CREDITCARD']);
    expect(w).toHaveLength(1);
    expect(w[0]).toContain('"CREDITCARD"');
    expect(w[0]).toContain('CREDIT_CARD');
  });

  it('every reference type, TITLE, and lower case load quietly', () => {
    const all = ['AGE', 'CREDIT_CARD', 'DATE_TIME', 'DOMAIN_NAME', 'EMAIL_ADDRESS', 'GPE', 'IBAN_CODE', 'IP_ADDRESS', 'NRP', 'ORGANIZATION', 'PERSON', 'PHONE_NUMBER', 'STREET_ADDRESS', 'US_DRIVER_LICENSE', 'US_SSN', 'ZIP_CODE', 'TITLE', 'email_address'];
    expect(load(all)).toEqual([]);
  });
});
