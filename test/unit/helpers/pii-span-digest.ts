// Digest of the spans the PII detector reports over a fixed, seeded corpus, with a stand-in token
// model (seeded BIO labels and confidences on a simple word tokenizer), so it pins what the code
// after the model does (BIO merge, name/address/layout repairs, recognizers, overlaps) and not the
// shipped model. A speed-up of that code must leave the digest unchanged (pii-spans-golden.test.ts).
import { createHash } from 'node:crypto';
import type { PiiDetector, TokenClassifier, TokenPrediction } from '../../../src/classify/types.ts';
// mulberry32, the project's one seeded PRNG: the same corpus on every machine.
import { rng } from '../../../models/train/rng.ts';

type CreateDetector = (model: TokenClassifier, opts: { name: string; threshold: number }) => PiiDetector;


// Pieces that reach each repair: names with initials and hyphens, sentence starts, multi-line
// addresses and contact cards, street corners, parentheses, quote markers, recognizer formats.
const PIECES = [
  'Maria Garcia', 'Ella H. Snider', 'D. Yefremova', 'Ryan P Costa', 'Valentine-Murray', 'Mr. Smith', 'Dr. Jones', 'Sir', 'The', 'the',
  'Hello', 'Dear', 'Northwind Traders', 'the Netherlands', 'The Hague', 'Cyprus (Greek)', '(Berlin', 'Berlin)', 'Paris', 'Portugal 44674',
  '3378 217 Lovers Lane', '24 Clarke Avenue', 'Apt. 297', 'Suite 5', 'P.O. Box 12', '760 Passauer Strasse 33', 'Cite Guedouala, Tunisia',
  'the corner of Kuusiku 7 and Alexander Flat', 'corner of Main St and 5th', 'Talking-books clerk', 'Irecycle', 'nitrogen', 'DNA', 'UK',
  '36 sq.', '2965 cm', '98', '=', 'maria.garcia@northwind.example', '4111 1111 1111 1111', '+49 30 1234567', '555-123-4567', '123-45-6789',
  '192.168.0.1', 'https://example.com/a', 'DE89 3704 0044 0532 0130 00', '14 March 2025', 'aged 42', 'German', 'at', 'in', 'from', 'and',
  'to', 'send it to', 'call me on', '?', '.', ',', ':', '-', '>', '•', '12345', '60810.', 'It serves', 'x', 'J.', 'K',
];
const GAPS = [' ', ' ', ' ', '  ', ', ', '. ', '\n', '\n', '\n\n', '\n> ', '\n  ', ' - ', '? ', '\t'];
const LABELS = ['O', 'B-PERSON', 'I-PERSON', 'B-ORGANIZATION', 'I-ORGANIZATION', 'B-GPE', 'I-GPE', 'B-STREET_ADDRESS', 'I-STREET_ADDRESS', 'B-PHONE_NUMBER', 'I-PHONE_NUMBER', 'B-US_SSN', 'B-TITLE', 'B-EMAIL_ADDRESS', 'I-LOCATION', 'NO_PII'];

function corpus(n: number, r: () => number): string[] {
  const texts: string[] = [];
  for (let i = 0; i < n; i++) {
    let s = '';
    const pieces = 2 + Math.floor(r() * 24);
    for (let k = 0; k < pieces; k++) s += PIECES[Math.floor(r() * PIECES.length)]! + GAPS[Math.floor(r() * GAPS.length)]!;
    texts.push(s);
  }
  return texts;
}

/** Seeded labels: mostly O, runs of one type so that entities form, sometimes a stray I- or a low score. */
function standInModel(r: () => number): TokenClassifier {
  return {
    name: 'stand-in',
    labels: LABELS,
    threshold: 0.5,
    async predict(text: string): Promise<TokenPrediction[]> {
      const out: TokenPrediction[] = [];
      let type: string | null = null;
      for (const m of text.matchAll(/[\p{L}\p{M}\p{N}]+|\S/gu)) {
        const x = r();
        let label: string;
        if (x < 0.45) (label = 'O'), (type = null);
        else if (type && x < 0.8) label = `I-${type}`;
        else if (x < 0.93) {
          label = LABELS[1 + Math.floor(r() * (LABELS.length - 1))]!;
          type = label.startsWith('B-') || label.startsWith('I-') ? label.slice(2) : null;
        } else label = LABELS[Math.floor(r() * LABELS.length)]!;
        out.push({ start: m.index, end: m.index + m[0].length, label, confidence: Math.round((0.3 + 0.7 * r()) * 1000) / 1000 });
      }
      return out;
    },
  };
}

/** sha256 over every text's spans (start, end, type, confidence, source), and how many spans there were. */
export async function piiSpanDigest(create: CreateDetector, n = 3000): Promise<{ digest: string; texts: number; spans: number }> {
  const r = rng(20261206);
  const texts = corpus(n, r);
  const det = create(standInModel(r), { name: 'pii', threshold: 0.5 });
  const h = createHash('sha256');
  let spans = 0;
  for (const text of texts) {
    const ents = await det.detect(text);
    spans += ents.length;
    h.update(JSON.stringify(ents.map((e) => [e.start, e.end, e.type, e.confidence, e.source])));
    h.update('\n');
  }
  return { digest: h.digest('hex'), texts: texts.length, spans };
}
