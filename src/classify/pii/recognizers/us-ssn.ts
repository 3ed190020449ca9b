import { hasContext, scan, type Recognizer } from './types.ts';

// AAA-GG-SSSS with one consistent separator (dash, space or dot), or nine bare digits after an
// SSN context word. Invalid areas (000, 666, 9xx), group 00 and serial 0000 are rejected.
const SSN_RE = /(?<![\p{N}\-.])(\d{3})([\- .]?)(\d{2})\2(\d{4})(?![\p{N}]|[\-.]\d)/gu;
const CONTEXT = /\b(?:ssn|ssns|social security|social sec|ss#|ss #|taxpayer|tin)\b/i;

export const usSsnRecognizer: Recognizer = {
  type: 'US_SSN',
  find: (text) =>
    scan(text, SSN_RE, (m) => {
      const [, area, sep, group, serial] = m as unknown as [string, string, string, string, string];
      if (area === '000' || area === '666' || area[0] === '9' || group === '00' || serial === '0000') return null;
      if (/^(\d)\1+$/.test(area + group + serial)) return null;
      const context = hasContext(text, m.index, CONTEXT);
      if (sep === '' && !context) return null;
      return { type: 'US_SSN', start: m.index, end: m.index + m[0].length, confidence: context ? 1 : sep === '-' ? 0.85 : 0.6 };
    }),
};
