import { isAsciiAlnum, scanAt, sticky } from './anchors.ts';
import type { PatternMatch, Recognizer } from './types.ts';

// URLs with a scheme (span includes scheme, path and a trailing slash, as Presidio labels them),
// plus "www." hosts and bare hostnames ending in a common TLD.
const URL_RE = sticky(/(?<![\p{L}\p{N}])(?:https?|ftp):\/\/[^\s<>"'`\\]{1,2048}/giu);
const TLDS =
  'com|org|net|edu|gov|mil|int|io|ai|co|info|biz|app|dev|me|tv|us|uk|ca|de|fr|es|it|nl|be|ch|at|se|no|dk|fi|pl|cz|pt|ru|cn|jp|kr|in|au|nz|br|mx|ar|uy|cl|za|ie|gr|hu|ro|tr|il|sg|hk|tw|xyz|online|site|tech|store|shop|blog|cloud';
const HOST_RE = new RegExp(
  `(?<![\\p{L}\\p{N}.@\\-/])(?:[A-Za-z0-9](?:[A-Za-z0-9\\-]{0,61}[A-Za-z0-9])?\\.){1,8}(?:${TLDS})(?![\\p{L}\\p{N}\\-@]|\\.[A-Za-z0-9])(?:/[^\\s<>"'\`\\\\]{0,2048})?`,
  // Case-sensitive on purpose: a lowercase TLD keeps "end.It was" from reading as a host.
  'uy',
);
// Sentence punctuation that ends a prose URL rather than belonging to it.
const TRAILING = /[.,;:!?)\]}'"]+$/;

// The regexes run only where a match can begin. A URL begins 3 to 5 characters before its "://".
function urlStarts(text: string): number[] {
  const out: number[] = [];
  for (let c = text.indexOf('://'); c >= 0; c = text.indexOf('://', c + 3)) for (let p = Math.max(0, c - 5); p <= c - 3; p++) out.push(p);
  return out;
}

// A host's first label (1-63 of [A-Za-z0-9-], alphanumeric at both ends) runs from a position no
// such character precedes up to a dot followed by one: so a host can begin only at the start of
// the run of label characters before such a dot. In prose most dots end sentences and start none.
const LABEL_MAX = 63;
const isLabelChar = (c: number): boolean => c === 45 || isAsciiAlnum(c);
function hostStarts(text: string): number[] {
  const out: number[] = [];
  for (let dot = text.indexOf('.', 1); dot >= 0; dot = text.indexOf('.', dot + 1)) {
    if (!isAsciiAlnum(text.charCodeAt(dot - 1)) || !isAsciiAlnum(text.charCodeAt(dot + 1))) continue;
    let p = dot - 1;
    while (p > 0 && dot - p <= LABEL_MAX && isLabelChar(text.charCodeAt(p - 1))) p--;
    if (dot - p <= LABEL_MAX) out.push(p);
  }
  return out;
}

function trimUrl(text: string, start: number, s: string): PatternMatch | null {
  let t = s.replace(TRAILING, '');
  // Keep a closing parenthesis that balances one inside the URL (Wikipedia-style links).
  if (s.length > t.length && s[t.length] === ')' && (t.match(/\(/g)?.length ?? 0) > (t.match(/\)/g)?.length ?? 0)) t += ')';
  if (t.length < 4) return null;
  return { type: 'DOMAIN_NAME', start, end: start + t.length, confidence: 0.95 };
}

export const domainRecognizer: Recognizer = {
  type: 'DOMAIN_NAME',
  find: (text) => {
    const urls = !text.includes('://') ? [] : scanAt(text, URL_RE, urlStarts(text), (m) => (/:\/\/[\p{L}\p{N}]/u.test(m[0]) ? trimUrl(text, m.index, m[0]) : null));
    const hosts = scanAt(text, HOST_RE, hostStarts(text), (m) => {
      const r = trimUrl(text, m.index, m[0]);
      if (!r) return null;
      // Bare hosts are weaker evidence than a scheme; "www." makes them as good.
      r.confidence = /^www\./i.test(m[0]) ? 0.9 : 0.7;
      return r;
    });
    return [...urls, ...hosts];
  },
};
