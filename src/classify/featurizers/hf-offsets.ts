// Character offsets for tokens produced by @huggingface/tokenizers, which returns token strings but
// no offsets. We rebuild them: normalise the text one code point at a time (remembering where each
// normalised unit came from), then walk the token strings over that normalised text. Unknown tokens
// ([UNK], byte-fallback pieces) take the gap up to the next token that does match. Every path ends in
// a valid span, so odd input gives imprecise offsets at worst, never an exception.

export type Span = [number, number];

export interface AlignOptions {
  /** The tokenizer's normaliser (text -> text), or null. */
  normalize: ((s: string) => string) | null;
  /** Byte-level BPE (GPT-2/RoBERTa/ModernBERT): token strings encode UTF-8 bytes. */
  byteLevel: boolean;
  /** WordPiece continuation prefix, e.g. "##". */
  subwordPrefix?: string;
  /** BPE end-of-word suffix, e.g. "</w>". */
  endOfWordSuffix?: string;
  /** Metaspace replacement character, e.g. "▁". */
  metaspace?: string;
  /** Token strings that carry no surface text (the unknown token). */
  unknown: ReadonlySet<string>;
}

const BYTE_TO_CHAR: string[] = (() => {
  const bs: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) bs.push(b);
  for (let b = 0xa1; b <= 0xac; b++) bs.push(b);
  for (let b = 0xae; b <= 0xff; b++) bs.push(b);
  const cs = bs.slice();
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n++);
    }
  }
  const out: string[] = new Array(256);
  bs.forEach((b, i) => (out[b] = String.fromCharCode(cs[i]!)));
  return out;
})();
const CHAR_TO_BYTE = new Map(BYTE_TO_CHAR.map((c, b) => [c, b]));
const encoder = new TextEncoder();

/** Normalised text as units (UTF-16 code units, or UTF-8 bytes for byte-level) with their source spans. */
interface Units {
  units: number[];
  start: number[];
  end: number[];
}

function perCodePoint(text: string): Array<[string, number, number]> {
  const out: Array<[string, number, number]> = [];
  for (let i = 0; i < text.length; ) {
    const cp = text.codePointAt(i)!;
    const w = cp > 0xffff ? 2 : 1;
    out.push([text.slice(i, i + w), i, i + w]);
    i += w;
  }
  return out;
}

function normalizedUnits(text: string, opts: AlignOptions): Units {
  const cps = perCodePoint(text);
  const pieces = cps.map(([c]) => (opts.normalize ? safeNormalize(opts.normalize, c) : c));
  const joined = pieces.join('');
  const whole = opts.normalize ? safeNormalize(opts.normalize, text) : text;
  // Map each UTF-16 unit of the normalised text to the original code point it came from.
  const chars: string[] = [];
  const start: number[] = [];
  const end: number[] = [];
  if (joined === whole) {
    cps.forEach(([, s, e], i) => {
      for (const u of pieces[i]!) {
        for (let k = 0; k < u.length; k++) {
          chars.push(u[k]!);
          start.push(s);
          end.push(e);
        }
      }
    });
  } else {
    // Context-dependent normaliser (Replace of a multi-char pattern, Prepend, final sigma): greedy
    // walk that recognises a dropped character, a few inserted units, or else a substitution.
    let j = 0;
    const emit = (n: number, s: number, e: number) => {
      for (let k = 0; k < n && j < whole.length; k++, j++) {
        chars.push(whole[j]!);
        start.push(s);
        end.push(e);
      }
    };
    cps.forEach(([, s, e], i) => {
      const p = pieces[i]!;
      if (p.length === 0 || j >= whole.length) return;
      if (whole.startsWith(p, j)) return emit(p.length, s, e);
      const next = pieces.slice(i + 1, i + 4).find((x) => x.length > 0);
      if (next && whole.startsWith(next, j)) return; // this character was dropped
      for (let d = 1; d <= 4; d++) if (whole.startsWith(p, j + d)) return emit(d + p.length, s, e); // inserted before it
      emit(1, s, e); // substituted
    });
    for (; j < whole.length; j++) {
      chars.push(whole[j]!);
      start.push(text.length);
      end.push(text.length);
    }
  }
  const meta = opts.metaspace ? opts.metaspace.charCodeAt(0) : -1;
  // A normaliser may already have turned spaces into the metaspace mark; compare as spaces.
  const code = (c: string) => (c.charCodeAt(0) === meta ? 0x20 : c.charCodeAt(0));
  if (!opts.byteLevel) return { units: chars.map(code), start, end };
  // Byte-level: expand to UTF-8 bytes, one code point at a time so pairs stay together.
  const units: number[] = [];
  const bs: number[] = [];
  const be: number[] = [];
  for (let i = 0; i < chars.length; ) {
    const hi = chars[i]!.charCodeAt(0);
    const w = hi >= 0xd800 && hi <= 0xdbff && i + 1 < chars.length ? 2 : 1;
    const bytes = encoder.encode(chars.slice(i, i + w).join(''));
    for (const b of bytes) {
      units.push(b);
      bs.push(start[i]!);
      be.push(end[i + w - 1]!);
    }
    i += w;
  }
  return { units, start: bs, end: be };
}

function safeNormalize(normalize: (s: string) => string, s: string): string {
  try {
    return normalize(s);
  } catch {
    return s;
  }
}

/** The units a token string stands for, or null if it has no known surface. */
function surface(token: string, opts: AlignOptions): number[] | null {
  if (opts.unknown.has(token)) return null;
  if (/^<0x[0-9A-Fa-f]{2}>$/.test(token)) return null; // SentencePiece byte fallback
  let t = token;
  if (opts.byteLevel) {
    const out: number[] = [];
    for (const ch of t) {
      const b = CHAR_TO_BYTE.get(ch);
      if (b !== undefined) out.push(b);
      else for (const x of encoder.encode(ch)) out.push(x);
    }
    return out.length ? out : null;
  }
  if (opts.subwordPrefix && t.length > opts.subwordPrefix.length && t.startsWith(opts.subwordPrefix)) {
    t = t.slice(opts.subwordPrefix.length);
  }
  if (opts.endOfWordSuffix && t.length > opts.endOfWordSuffix.length && t.endsWith(opts.endOfWordSuffix)) {
    t = t.slice(0, -opts.endOfWordSuffix.length);
  }
  if (opts.metaspace) t = t.split(opts.metaspace).join(' ');
  if (t.length === 0) return null;
  const out: number[] = [];
  for (let i = 0; i < t.length; i++) out.push(t.charCodeAt(i));
  return out;
}

const isSpaceUnit = (u: number) => u === 0x20 || u === 0x09 || u === 0x0a || u === 0x0d || u === 0x0b || u === 0x0c;

function matchAt(hay: number[], needle: number[], at: number): boolean {
  if (at + needle.length > hay.length) return false;
  for (let k = 0; k < needle.length; k++) if (hay[at + k] !== needle[k]) return false;
  return true;
}

function find(hay: number[], needle: number[], from: number): number {
  for (let p = from; p + needle.length <= hay.length; p++) if (matchAt(hay, needle, p)) return p;
  return -1;
}

/**
 * Character spans [start, end) in `text` for each token of `tokens` (the tokenizer's output for
 * `text` without special tokens). Spans are trimmed of surrounding whitespace.
 */
export function alignTokens(text: string, tokens: readonly string[], opts: AlignOptions): Span[] {
  const { units, start, end } = normalizedUnits(text, opts);
  const spans: Array<Span | null> = new Array(tokens.length).fill(null);
  const toOriginal = (a: number, b: number): Span => {
    if (a >= b || a >= units.length) {
      const p = a < units.length ? start[a]! : text.length;
      return [p, p];
    }
    return trim(text, start[a]!, end[b - 1]!);
  };
  let cursor = 0;
  let pending: number[] = [];
  const resolvePending = (limit: number) => {
    if (!pending.length) return;
    const pieces = splitOnSpace(units, cursor, limit);
    pending.forEach((ti, k) => {
      const piece = k < pieces.length ? pieces[k]! : [limit, limit];
      const last = k === pending.length - 1 && pieces.length > pending.length;
      spans[ti] = toOriginal(piece[0], last ? pieces[pieces.length - 1]![1] : piece[1]);
    });
    pending = [];
  };
  tokens.forEach((tok, ti) => {
    const raw = surface(tok, opts);
    // Leading spaces (Ġ, ▁) may have no counterpart at the start of text; match without them.
    let lead = 0;
    while (raw && lead < raw.length && isSpaceUnit(raw[lead]!)) lead++;
    const u = raw && lead < raw.length ? raw.slice(lead) : raw;
    if (!u) {
      pending.push(ti);
      return;
    }
    if (lead === raw!.length) {
      // A bare space token (Metaspace "▁", byte-level "Ġ"): it stands for the space at the cursor, or
      // for one the pre-tokenizer prepended. Never searched for: it would match a later space.
      const at = cursor < units.length && isSpaceUnit(units[cursor]!) ? cursor : -1;
      spans[ti] = at >= 0 ? toOriginal(at, at + 1) : toOriginal(cursor, cursor);
      if (at >= 0) cursor = at + 1;
      return;
    }
    let at = -1;
    if (!pending.length) {
      let c = cursor;
      if (!matchAt(units, u, c)) while (c < units.length && isSpaceUnit(units[c]!)) c++;
      if (matchAt(units, u, c)) at = c;
    }
    if (at < 0) at = find(units, u, cursor);
    if (at < 0) {
      pending.push(ti);
      return;
    }
    resolvePending(at);
    spans[ti] = toOriginal(at, at + u.length);
    cursor = at + u.length;
  });
  resolvePending(units.length);
  return spans.map((s) => s ?? [text.length, text.length]);
}

function splitOnSpace(units: number[], from: number, to: number): Span[] {
  const out: Span[] = [];
  let i = from;
  while (i < to) {
    while (i < to && isSpaceUnit(units[i]!)) i++;
    if (i >= to) break;
    const s = i;
    while (i < to && !isSpaceUnit(units[i]!)) i++;
    out.push([s, i]);
  }
  return out;
}

function trim(text: string, s: number, e: number): Span {
  while (s < e && /\s/.test(text[s]!)) s++;
  while (e > s && /\s/.test(text[e - 1]!)) e--;
  return [s, e];
}
