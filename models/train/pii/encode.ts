// Rows -> per-token feature ids (the serving featurizer's own code) and BIO label indices.
import { tokenFeatureIds, tokenize, type TokenFeatureParams, type TokenFeatureTemplate, TOKEN_FEATURE_TEMPLATES } from '../../../src/classify/featurizers/token-features.ts';
import type { PiiRow } from './data.ts';

/** Entity types the token model learns, in label order (B-x at 1+2i, I-x at 2+2i). */
export const MODEL_TYPES = [
  'PERSON', 'ORGANIZATION', 'GPE', 'STREET_ADDRESS', 'DATE_TIME', 'AGE', 'NRP', 'TITLE', 'ZIP_CODE',
  'US_DRIVER_LICENSE', 'PHONE_NUMBER', 'EMAIL_ADDRESS', 'CREDIT_CARD', 'IBAN_CODE', 'US_SSN', 'IP_ADDRESS', 'DOMAIN_NAME',
] as const;

// BIO tags by default. IO tags (one label per type) were tried, since a BIO softmax splits a
// name token's mass between B-X and I-X: dev micro-F1 0.560 vs 0.574 for BIO, so BIO stays;
// PII_TAGS=io selects IO for experiments.
export type TagScheme = 'io' | 'bio';
export const TAG_SCHEME: TagScheme = (process.env['PII_TAGS'] as TagScheme | undefined) ?? 'bio';
export const labelsFor = (scheme: TagScheme): string[] => ['O', ...MODEL_TYPES.flatMap((t) => (scheme === 'io' ? [t] : [`B-${t}`, `I-${t}`]))];
export const LABELS: string[] = labelsFor(TAG_SCHEME);

export const MAX_LENGTH = 512;

export function defaultFeatureParams(buckets: number): TokenFeatureParams {
  return { buckets, templates: [...TOKEN_FEATURE_TEMPLATES] as TokenFeatureTemplate[], input: 'feature_ids' };
}

export interface EncodedSet {
  K: number;
  /** [tokens, K] */
  ids: Int32Array;
  /** [tokens] label index */
  labels: Int32Array;
  /** row r covers tokens rowStart[r] .. rowStart[r+1] */
  rowStart: Int32Array;
  /** per-row token offsets, for decoding spans */
  offsets: Array<Array<[number, number]>>;
  /** spans that do not align with token boundaries (counted, never trained on) */
  misaligned: number;
  /** [tokens] row of each token's pretrained word vector, -1 when it has none (wordvec.ts) */
  wv?: Int32Array;
}

export function encodeRows(rows: PiiRow[], params: TokenFeatureParams): EncodedSet {
  const K = params.templates.length;
  const idParts: Int32Array[] = [];
  const labelParts: number[] = [];
  const rowStart = new Int32Array(rows.length + 1);
  const offsets: Array<Array<[number, number]>> = [];
  const typeIndex = new Map<string, number>(MODEL_TYPES.map((t, i) => [t, i]));
  let n = 0;
  let misaligned = 0;
  rows.forEach((row, r) => {
    rowStart[r] = n;
    const { tokens } = tokenize(row.text, MAX_LENGTH);
    idParts.push(tokenFeatureIds(row.text, tokens, params));
    const lab = new Array<number>(tokens.length).fill(0);
    for (const s of row.spans) {
      const ti = typeIndex.get(s.type);
      const inside = tokens.map((t, i) => [t, i] as const).filter(([t]) => t.start >= s.start && t.end <= s.end);
      if (inside.length === 0 || inside[0]![0].start !== s.start || inside[inside.length - 1]![0].end !== s.end) {
        misaligned++;
        continue;
      }
      if (ti === undefined) continue;
      inside.forEach(([, i], j) => (lab[i] = TAG_SCHEME === 'io' ? 1 + ti : j === 0 ? 1 + 2 * ti : 2 + 2 * ti));
    }
    labelParts.push(...lab);
    offsets.push(tokens.map((t) => [t.start, t.end]));
    n += tokens.length;
  });
  rowStart[rows.length] = n;
  const ids = new Int32Array(n * K);
  let o = 0;
  for (const p of idParts) {
    ids.set(p, o);
    o += p.length;
  }
  return { K, ids, labels: Int32Array.from(labelParts), rowStart, offsets, misaligned };
}
