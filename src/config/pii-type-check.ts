// pii_types_allowed entries that name no PII type. The policy compares the scan's type names
// (the reference's list, vsr.md 3, plus TITLE, which the pack splits off a name) with these, upper-
// cased; a short or Presidio spelling (EMAIL, PHONE, LOCATION) matches nothing, so it allowed nothing
// and every such value was blocked for the model while the config loaded without a word.
import type { Config } from './schema.ts';
import { toVsrType } from '../classify/pii/type-names.ts';

export const PII_TYPES: readonly string[] = [
  'AGE', 'CREDIT_CARD', 'DATE_TIME', 'DOMAIN_NAME', 'EMAIL_ADDRESS', 'GPE', 'IBAN_CODE', 'IP_ADDRESS', 'NRP',
  'ORGANIZATION', 'PERSON', 'PHONE_NUMBER', 'STREET_ADDRESS', 'TITLE', 'US_DRIVER_LICENSE', 'US_SSN', 'ZIP_CODE',
];
const KNOWN = new Set(PII_TYPES);

/** Names the scan matches by Presidio's and the documentation's spellings' type, where one fits. */
function meant(name: string): string | undefined {
  const t = toVsrType(name);
  if (t && KNOWN.has(t)) return t;
  // CREDITCARD, PHONENUMBER: the same letters as a type without its underscores.
  const bare = name.toUpperCase().replace(/[^A-Z0-9]/g, '');
  return PII_TYPES.find((k) => k.replace(/_/g, '') === bare);
}

export function piiTypeWarnings(c: Config): string[] {
  const out: string[] = [];
  for (const [model, mc] of Object.entries(c.model_config)) {
    (mc.pii_policy?.pii_types_allowed ?? []).forEach((name, i) => {
      if (KNOWN.has(name.toUpperCase())) return;
      const guess = meant(name);
      out.push(
        `model_config.${model}.pii_policy.pii_types_allowed[${i}]: "${name}" is not a PII type the scan reports, so it allows nothing` +
          (guess ? ` (write ${guess})` : ` (types: ${PII_TYPES.join(', ')})`),
      );
    });
  }
  return out;
}
