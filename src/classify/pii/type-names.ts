// PII type names. Output uses the vLLM Semantic Router's names (vsr.md section 3): its Presidio
// token model says GPE for places and STREET_ADDRESS for addresses. Training data keeps each
// source's labels (shared/data/pii/label_map.json maps them to common types); this table takes
// both those and common Presidio/spaCy spellings to the vSR name, so a dropped-in pack labelled
// B-LOCATION or B-ADDRESS reports the same types as ours.
const ALIASES: Record<string, string | null> = {
  ADDRESS: 'STREET_ADDRESS',
  STREET_ADDRESS: 'STREET_ADDRESS',
  LOCATION: 'GPE',
  LOC: 'GPE',
  GPE: 'GPE',
  PER: 'PERSON',
  PERSON: 'PERSON',
  ORG: 'ORGANIZATION',
  ORGANIZATION: 'ORGANIZATION',
  CORPORATION: 'ORGANIZATION',
  GROUP: 'ORGANIZATION',
  PREFIX: 'TITLE',
  TITLE: 'TITLE',
  URL: 'DOMAIN_NAME',
  DOMAIN_NAME: 'DOMAIN_NAME',
  EMAIL: 'EMAIL_ADDRESS',
  IP: 'IP_ADDRESS',
  PHONE: 'PHONE_NUMBER',
  SSN: 'US_SSN',
  IBAN: 'IBAN_CODE',
  DATE: 'DATE_TIME',
  TIME: 'DATE_TIME',
  ZIP: 'ZIP_CODE',
  NO_PII: null,
  O: null,
  PRODUCT: null,
  'CREATIVE-WORK': null,
};

/** The vSR type name for a label (data label, Presidio name or BIO tag body); null if not PII. */
export function toVsrType(label: string): string | null {
  const key = label.toUpperCase();
  if (key in ALIASES) return ALIASES[key]!;
  return /^[A-Z][A-Z0-9_]*$/.test(key) ? key : null;
}

/** Split a BIO / IOB2 / plain tag into its prefix and vSR type. */
export function parseTag(tag: string): { prefix: 'B' | 'I' | 'O'; type: string | null } {
  if (tag === 'O' || tag === '' || tag === 'NO_PII') return { prefix: 'O', type: null };
  const m = /^([BIES])-(.+)$/.exec(tag);
  if (!m) return { prefix: 'I', type: toVsrType(tag) };
  // S- (single) and E- (end) are read as B-/I- so BIOES packs decode too.
  const prefix = m[1] === 'B' || m[1] === 'S' ? 'B' : 'I';
  const type = toVsrType(m[2]!);
  return type ? { prefix, type } : { prefix: 'O', type: null };
}
