import { hasContext, scan, type Recognizer } from './types.ts';
import { idOrAmount, labelAfter, nanpValid, notDialled } from './nanp.ts';
import { EXTENSION, listRunResume, numberList } from './number-lists.ts';
import { dropCount } from './unit-counts.ts';

// Optional +country, optional (area), then 2-6 digit groups joined by one separator each, optional
// extension; or one bare run of 10-13 digits (nanp.ts: when one counts without a phone word); or a trunk prefix and a 7-8 digit subscriber number
// ("0378 3549890", "021-4006034": 6 of the 9 training-split phone numbers the other shapes missed).
// Validation rejects dates, amounts and version numbers.
const PHONE_RE =
  /(?<![\p{L}\p{N}+\-.\/])(?:\+\d{1,3}[ .\-]?)?(?:\(\d{1,5}\)[ .\-]?)?(?:0\d{1,3}[ \-]\d{7,8}|\d{6,13}|\d{1,5}(?:[ .\-]\d{1,6}){0,5})(?:(?: ?x| ?ext\.? ?)\d{1,5})?(?![\p{L}\p{N}\/:]|[.\-,]\d)/gu;
const CONTEXT = /(?:phone|call|tel|mobile|cell|fax|contact|reach|text me|whatsapp|sms|dial|number|ring|office)/i;
const DATE_LIKE = /^(?:\d{4}[\-.\/]\d{1,2}[\-.\/]\d{1,2}|\d{1,2}[\-.\/]\d{1,2}[\-.\/]\d{2,4})$/;

/** Where the scan goes on after refusing `m`: no candidate starting at an inner group of its spaced
 *  run is a phone either (number-lists.ts), so from the run's last group, not its next group. One
 *  without a space has nothing to skip: the next character, as scan() does. (A module function: a
 *  closure over the candidate made the scan of 1 MB of "1. " twice as slow.) */
const refused = (text: string, m: RegExpExecArray) => (m[0].includes(' ') && /^\d/.test(m[0]) ? listRunResume(text, m.index) : null);

export const phoneRecognizer: Recognizer = {
  type: 'PHONE_NUMBER',
  find: (text) =>
    scan(text, PHONE_RE, (m) => {
      let s = m[0];
      let core = s.replace(EXTENSION, '');
      let digits = core.replace(/\D/g, '');
      // Dropping groups (below) only removes digits.
      if (digits.length < 7) return refused(text, m);
      // A phone number followed by another number ("... 123-4567 4111 1111"): drop trailing groups.
      while (digits.length > 15 && /[ .\-]\d+$/.test(core)) {
        core = core.replace(/[ .\-]\d+$/, '');
        s = core;
        digits = core.replace(/\D/g, '');
      }
      // Separators mixed without a country code or an area code in brackets: the trailing groups are
      // another number ("555-123-4567 14", "0.0846 2.63" in a table): dropped until one kind is left.
      // No training-split phone mixes them outside brackets ("(37) 788-063": 16 of 16).
      const bare = !core.startsWith('+') && !core.includes('(');
      while (bare && new Set(core.match(/[ .\-]/g)).size > 1 && /[ .\-]\d+$/.test(core)) {
        core = core.replace(/[ .\-]\d+$/, '');
        s = core;
        digits = core.replace(/\D/g, '');
      }
      // A count after a complete number ("415 555 2671 24 hours", unit-counts.ts): not part of it.
      if (s === core) {
        core = dropCount(text, m.index, core);
        s = core;
        digits = core.replace(/\D/g, '');
      }
      if (digits.length < 7 || digits.length > 15) return refused(text, m);
      if (DATE_LIKE.test(core)) return refused(text, m);
      const plus = core.startsWith('+');
      const paren = core.includes('(');
      const groups = core.split(/[ .\-()+]+/).filter(Boolean);
      const seps = new Set(core.match(/[ .\-]/g) ?? []);
      // One dot between two groups is a decimal ("0.223016", "238.0508"); dotted phones have 3+ groups.
      if (!plus && !paren && groups.length === 2 && seps.has('.')) return refused(text, m);
      // Dotted quads are IPs or versions, "1 000 000" style runs are amounts.
      if (/^\d{1,3}(?:\.\d{1,3}){3}$/.test(core)) return refused(text, m);
      if (!plus && !paren && groups.length >= 3 && groups[0]!.length <= 3 && groups.slice(1).every((g) => g.length === 3) && seps.has(',')) return refused(text, m);
      const context = hasContext(text, m.index, CONTEXT, 40);
      let confidence: number;
      if (groups.length === 1 && !plus) {
        if (digits.length < 10 || digits.length > 13) return refused(text, m);
        // A bare run: a phone word before it or a phone label after it, else a valid North American
        // number with no arithmetic or key around it (nanp.ts); never when the words around it make
        // it an id, an amount or a time.
        const end = m.index + s.length;
        if (idOrAmount(text, m.index, end)) confidence = 0.4;
        else if (context || labelAfter(text, end)) confidence = 0.75;
        else confidence = nanpValid(digits) && !notDialled(text, m.index, end) ? 0.7 : 0.4;
      } else {
        // Spaced one- and two-digit groups, more groups than a phone has, a list word before them
        // (number-lists.ts): a list of numbers.
        if (!plus && !paren && numberList(text, m.index, m.index + s.length)) return refused(text, m);
        confidence = plus || paren ? 0.85 : 0.7;
        if (context) confidence = Math.min(1, confidence + 0.2);
      }
      return { type: 'PHONE_NUMBER', start: m.index, end: m.index + s.length, confidence };
    }),
};
