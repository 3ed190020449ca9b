// Digest of runRecognizers' spans over a fixed, seeded corpus of recognizer formats and the
// characters at their edges (scheme and host forms, month and year forms, demonyms with plural
// endings, letters Unicode case folding maps onto ASCII ones, non-ASCII neighbours, digit runs).
// A speed-up of the recognizers must leave it unchanged (pii-recognizers-golden.test.ts).
import { createHash } from 'node:crypto';
import type { PatternMatch } from '../../../src/classify/pii/recognizers/index.ts';
// mulberry32, the project's one seeded PRNG: the same corpus on every machine.
import { rng } from '../../../models/train/rng.ts';


const PIECES = [
  'March', 'mar.', 'Sept.', 'ſept', 'ſaudi', '\u212Aenyan', 'Germans', 'swisses', 'Thais', 'THAI', 'é', 'éGerman', '—', 'in', 'of',
  'In', '1977', '2024-01-05', '2024-01-05T12:30:59', '12:30', '3pm', '3 p.m.', "o'clock", '5', '14', '1st', '1/2/2023', '1.2.33',
  '.', '@', 'a.b', 'www.example.com', 'Example.COM', 'https://x.org/a(b)', 'HTTP://', 'ftp://', 'http://', '://', 'foo-bar', '-',
  '/', ':', ' ', ' ', ' ', '\n', ',', 'x@y.com', 'a.b@c-d.example', '..', 'example.co.uk', '日本', '𝐀', '4111111111111111',
  '4111 1111 1111 1111', 'DE89370400440532013000', 'DE89 3704 0044 0532 0130 00', 'Republic', '(', ')', 'a', 'Mr', 'Dr.', 'Smith',
  'aged', '42', 'years old', '555-123-4567', '+49 30 1234567', 'call', '123-45-6789', 'ssn', '192.168.0.1', '::1', 'fe80::1',
  'x'.repeat(70), 'a-'.repeat(40), '1'.repeat(20), 'ab.cd', 'Indian', 'indians', 'lao', 'sikhs', 'Polish—Greek', 'K', 'ſ', '\u0301',
];

/** sha256 over every text's spans (start, end, type, confidence), and how many spans there were. */
export function recognizerDigest(run: (text: string) => PatternMatch[], n = 5000): { digest: string; texts: number; spans: number } {
  const r = rng(20261207);
  const h = createHash('sha256');
  let spans = 0;
  for (let i = 0; i < n; i++) {
    let text = '';
    const pieces = 1 + Math.floor(r() * 16);
    for (let k = 0; k < pieces; k++) text += PIECES[Math.floor(r() * PIECES.length)]! + (r() < 0.5 ? ' ' : '');
    const got = run(text);
    spans += got.length;
    h.update(JSON.stringify(got.map((m) => [m.start, m.end, m.type, m.confidence])));
    h.update('\n');
  }
  return { digest: h.digest('hex'), texts: n, spans };
}
