import { ibanValid } from './checksums.ts';
import { scan, type Recognizer } from './types.ts';

// Country code, check digits, then 11-30 alphanumerics, optionally in space-separated groups.
const IBAN_RE = /(?<![\p{L}\p{N}])[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]){11,30}(?![\p{L}\p{N}])/gu;

export const ibanRecognizer: Recognizer = {
  type: 'IBAN_CODE',
  find: (text) =>
    scan(text, IBAN_RE, (m) => {
      // Grouped IBANs can swallow the next short word ("... 32 to"): drop trailing groups until valid.
      let s = m[0];
      for (let tries = 0; tries < 8 && s.length >= 15; tries++) {
        if (ibanValid(s)) return { type: 'IBAN_CODE', start: m.index, end: m.index + s.length, confidence: 1 };
        const cut = s.lastIndexOf(' ');
        if (cut < 0) break;
        s = s.slice(0, cut);
      }
      return null;
    }),
};
