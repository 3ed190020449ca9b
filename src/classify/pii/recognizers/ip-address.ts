import { scan, type PatternMatch, type Recognizer } from './types.ts';

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
// A trailing sentence dot is fine ("... 10.0.0.1."), another octet is not ("1.2.3.4.5").
const IPV4_RE = new RegExp(`(?<![\\p{N}.])${OCTET}(?:\\.${OCTET}){3}(?![\\p{N}]|\\.\\d)`, 'gu');
// Candidates: hex groups and colons with at least two colons; the validator decides.
const IPV6_RE = /(?<![\p{L}\p{N}:])(?=[0-9A-Fa-f]{0,4}:[0-9A-Fa-f]{0,4}:)[0-9A-Fa-f:]{2,39}(?![\p{L}\p{N}:])/gu;

/** RFC 4291 text form without an embedded IPv4 tail: 8 groups, or fewer with exactly one "::". */
export function ipv6Valid(s: string): boolean {
  const parts = s.split('::');
  if (parts.length > 2) return false;
  const groups = (p: string) => (p === '' ? [] : p.split(':'));
  const head = groups(parts[0]!);
  const tail = parts.length === 2 ? groups(parts[1]!) : [];
  const all = [...head, ...tail];
  if (!all.every((g) => /^[0-9A-Fa-f]{1,4}$/.test(g))) return false;
  return parts.length === 2 ? all.length <= 7 : all.length === 8;
}

export const ipAddressRecognizer: Recognizer = {
  type: 'IP_ADDRESS',
  find: (text) => {
    const v4 = scan(text, IPV4_RE, (m) => ({ type: 'IP_ADDRESS', start: m.index, end: m.index + m[0].length, confidence: 0.95 }));
    // An IPv6 candidate holds two colons; most texts have none to look at.
    const v6 = !text.includes(':') ? [] : scan(text, IPV6_RE, (m): PatternMatch | null => {
      if (!ipv6Valid(m[0])) return null;
      // "::" alone or "a::" style fragments are too weak to call an address.
      if (m[0].replace(/:/g, '').length < 3) return null;
      return { type: 'IP_ADDRESS', start: m.index, end: m.index + m[0].length, confidence: 0.95 };
    });
    return [...v4, ...v6];
  },
};
