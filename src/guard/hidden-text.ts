// What an encoded stretch of a text says, for the jailbreak guard. A model reads more than the words
// on the surface: ASCII smuggled in Unicode tag characters (U+E0020-U+E007E: invisible, but a model
// that sees their bytes reads them; the guard's fold drops them as default-ignorable), base64 and hex
// it is asked to decode, HTML numeric entities, percent-escapes and leetspeak. The guard's n-grams saw none of
// those words, so an injection so written was forwarded unscored. Each decoded stretch is scored as
// a text of its own (jailbreak.ts); what is forwarded is never changed. Only decodings that read as
// text count (valid UTF-8, mostly letters, digits, punctuation and spaces, with a space), so hashes,
// images and other binary payloads add nothing, and ordinary encoded prose scores as ordinary prose.
// A decoding that is itself a whole base64 or hex token (base64 of base64, hex of base64, ...) has no
// space, so it never read as text and the injection under it was forwarded (0.038): such a token is
// decoded again, up to MAX_LAYERS encodings per run. Each layer is shorter than the one above it, so
// a run costs a few passes over its length at most.
import { jsonSays } from './json-text.ts';

const TAG_RUN = /[\u{E0020}-\u{E007E}]+/gu;
// Runs long enough to hold a sentence (24 characters: 18 bytes of base64, 12 of hex), with the lines
// that follow them when the run ends its line: `base64` wraps its output at 76 columns, and the lines of
// base64 of base64 decode to pieces of the inner token that are no token (57 characters each).
const B64_RUN = /[A-Za-z0-9+/_-]{24,}={0,2}(?:\r?\n[A-Za-z0-9+/_-]+={0,2})*/g;
const LONG_RUN = /^[A-Za-z0-9+/_-]{24,}/;
const HEX_ONLY = /^(?:[0-9a-fA-F]{2})+$/;
const ENTITY = /&#(?:[xX]([0-9a-fA-F]{1,6})|([0-9]{1,7}));/g;
const PCT_RUN = /(?:%[0-9a-fA-F]{2})+/g;
/** Fewer escapes than this are a URL's %20 or a page's &#169;, not a hidden sentence. */
const MIN_ESCAPES = 8;
const TEXTLIKE = /[\p{L}\p{N}\p{P}\p{S}\p{Zs}\n\r\t]/u;
const utf8 = new TextDecoder('utf-8', { fatal: true });
const lenient = new TextDecoder('utf-8');

/** The decoded stretches of `text` worth scoring (and those of what they decode to, one level down). */
export function hiddenTexts(text: string, depth = 2): string[] {
  const out: string[] = [];
  if (text.length < 24 || depth <= 0) return out;
  const add = (s: string | undefined) => {
    if (!s || !s.trim()) return;
    out.push(s);
    out.push(...hiddenTexts(s, depth - 1));
  };
  if (/[\u{E0020}-\u{E007E}]/u.test(text)) {
    const runs = [...text.matchAll(TAG_RUN)].map((m) => [...m[0]].map((c) => String.fromCharCode(c.codePointAt(0)! - 0xe0000)).join(''));
    const joined = runs.join(' ');
    if (joined.replace(/\s/g, '').length >= 8) add(joined);
  }
  // All of them as one text (windowed as any other): one classifier call per run bought 40,000 calls
  // with a body of short runs.
  const decoded: string[] = [];
  for (const m of text.matchAll(B64_RUN)) {
    // Wrapped lines decoded as one token (without the last line too: a word under the block joins it),
    // else each line as its own (two tokens on adjacent lines).
    const lines = m[0].split(/\r?\n/);
    const whole = lines.length > 1 ? (textOf(lines.join('')) ?? (lines.length > 2 ? textOf(lines.slice(0, -1).join('')) : undefined)) : undefined;
    if (whole) decoded.push(whole);
    else {
      for (const line of lines) {
        const t = LONG_RUN.test(line) ? textOf(line) : undefined;
        if (t) decoded.push(t);
      }
    }
  }
  add(decoded.join('\n'));
  add(unleet(text));
  if (count(text, ENTITY) >= MIN_ESCAPES) add(text.replace(ENTITY, (e, hex: string | undefined, dec: string | undefined) => codePoint(hex ? parseInt(hex, 16) : Number(dec)) ?? e));
  if (count(text, /%[0-9a-fA-F]{2}/g) >= MIN_ESCAPES) add(text.replace(PCT_RUN, (run) => lenient.decode(bytesOfHex(run.replace(/%/g, '')))));
  return out;
}

/** Encodings read off one run: base64 of hex of base64 is read, a fourth layer is not. */
const MAX_LAYERS = 3;
/** Bytes of a base64 / hex token: their alphabet and padding. (A token with line breaks reads as text, whose runs are decoded one by one.) */
const TOKEN_BYTE = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_-=') TOKEN_BYTE[c.charCodeAt(0)] = 1;
const WHOLE_TOKEN = /^[A-Za-z0-9+/_-]{24,}={0,2}$/;

/**
 * A run's decoding as hex (when it is all hex digits) or base64, when it reads as text, or when it
 * is another token whose decoding does (`layers` left). Decoded JSON is read as its keys and values
 * (json-text.ts), as the guard reads a JSON text: the pack scored a JWT's payload
 * ({"sub":"1234567890","name":"John Doe",...}) 0.749 by its braces and quotes.
 */
function textOf(run: string, layers = MAX_LAYERS): string | undefined {
  const hex = HEX_ONLY.test(run) ? bytesOfHex(run) : undefined;
  let t = hex && readable(hex);
  const b64 = t ? undefined : base64Bytes(run);
  t ||= b64 && readable(b64);
  if (t) return jsonSays(t) ?? t;
  if (layers <= 1) return undefined;
  for (const bytes of [hex, b64]) {
    const inner = bytes && tokenOf(bytes);
    const u = inner && textOf(inner, layers - 1);
    if (u) return u;
  }
  return undefined;
}

/** The bytes as base64 (standard or URL-safe, padding optional), or undefined when they are not. */
function base64Bytes(run: string): Uint8Array | undefined {
  const b64 = run.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '');
  if (b64.length % 4 === 1) return undefined;
  let bin: string;
  try {
    bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  } catch {
    return undefined;
  }
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

/** The bytes as one whole base64 / hex token of a sentence's length, else undefined. Binary stops at its first odd byte. */
function tokenOf(bytes: Uint8Array): string | undefined {
  if (bytes.length < 24) return undefined;
  for (let i = 0; i < bytes.length; i++) if (bytes[i]! >= 128 || !TOKEN_BYTE[bytes[i]!]) return undefined;
  const s = lenient.decode(bytes);
  return WHOLE_TOKEN.test(s) ? s : undefined;
}

/** The bytes as text when they are UTF-8 that reads as words: 90% text-like characters and a space. */
function readable(bytes: Uint8Array): string | undefined {
  let s: string;
  try {
    s = utf8.decode(bytes);
  } catch {
    return undefined;
  }
  if (s.length < 8 || !/\s/.test(s)) return undefined;
  let ok = 0;
  for (const c of s) if (TEXTLIKE.test(c)) ok++;
  return ok >= 0.9 * [...s].length ? s : undefined;
}

function bytesOfHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function codePoint(n: number): string | undefined {
  return Number.isInteger(n) && n > 0 && n <= 0x10ffff && !(n >= 0xd800 && n <= 0xdfff) ? String.fromCodePoint(n) : undefined;
}

function count(text: string, re: RegExp): number {
  let n = 0;
  for (const _ of text.matchAll(re)) if (++n >= MIN_ESCAPES) break;
  return n;
}

// Leetspeak ("1gn0r3 4ll pr3v10u5 1n57ruc710n5"): digits and symbols standing for letters inside
// words, which a model reads as the words. Read so only when most words are so written (at least
// four, and 60% of the words of three or more characters): "mp3", "h2o" or "x86" in ordinary text
// never make it.
const LEET: Record<string, string> = { '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '8': 'b', '9': 'g', '@': 'a', $: 's', '|': 'l', '!': 'i' };
const LEET_WORD = /[A-Za-z0-9@$|!]{3,}/g;
const MIXED = /(?=.*[A-Za-z])(?=.*[0-9@$|])/;

/** The text with leetspeak words read as letters, when most of its words are leetspeak; else undefined. */
function unleet(text: string): string | undefined {
  if (!/[0-9]/.test(text) || !/[A-Za-z]/.test(text)) return undefined;
  let words = 0;
  let leet = 0;
  for (const m of text.matchAll(LEET_WORD)) {
    words++;
    if (MIXED.test(m[0])) leet++;
  }
  if (leet < 4 || leet * 5 < words * 3) return undefined;
  return text.replace(LEET_WORD, (w) => (MIXED.test(w) ? w.replace(/[0-9@$|!]/g, (c) => LEET[c] ?? c) : w));
}
