// The word tokens of the token-features featurizer (PII) as a code-unit scan. It yields exactly
// what /[\p{L}\p{M}\p{N}]+|[^\s\p{L}\p{M}\p{N}]/gu matched, which it replaced: runs of letters,
// marks and numbers, or one other non-space code point (a lone surrogate counts as one). Regex exec
// allocated a match array and a substring per token; here each code point's class comes from the
// same Unicode properties, tested once per code point by the regex engine and then cached.
// test/unit/featurizer-golden.test.ts pins the output.

const WORD_RE = /^[\p{L}\p{M}\p{N}]$/u;
const SPACE_RE = /^\s$/u;
const WORD = 1, SPACE = 2, SYMBOL = 3;
const bmp = new Uint8Array(65536); // 0 = not classified yet
const astral = new Map<number, number>();

function classify(ch: string): number {
  return WORD_RE.test(ch) ? WORD : SPACE_RE.test(ch) ? SPACE : SYMBOL;
}

function astralClass(cp: number): number {
  let c = astral.get(cp);
  if (c === undefined) {
    c = classify(String.fromCodePoint(cp));
    if (astral.size < 4096) astral.set(cp, c);
  }
  return c;
}

/** Token boundaries, reused across calls: [starts[k], ends[k]) for k < n. */
export interface WordSpans {
  starts: Int32Array;
  ends: Int32Array;
  n: number;
  /** True if more than `limit` tokens were in the text (the first `limit` are kept). */
  truncated: boolean;
}

export function newWordSpans(capacity = 256): WordSpans {
  return { starts: new Int32Array(capacity), ends: new Int32Array(capacity), n: 0, truncated: false };
}

/** Appends [start, end) to `sp`, doubling its arrays when full. */
export function pushSpan(sp: WordSpans, start: number, end: number): void {
  const k = sp.n;
  if (k >= sp.starts.length) {
    const s = new Int32Array(2 * k);
    s.set(sp.starts);
    sp.starts = s;
    const e = new Int32Array(2 * k);
    e.set(sp.ends);
    sp.ends = e;
  }
  sp.starts[k] = start;
  sp.ends[k] = end;
  sp.n = k + 1;
}

/** Token spans of `text` into `sp`; stops at `limit` tokens and says whether another one followed. */
export function scanWordSpans(text: string, limit: number, sp: WordSpans): WordSpans {
  sp.n = 0;
  sp.truncated = false;
  const n = text.length;
  let start = -1;
  let i = 0;
  while (i < n) {
    const u = text.charCodeAt(i);
    let c: number;
    let w = 1;
    if (u >= 0xd800 && u <= 0xdbff && i + 1 < n) {
      const v = text.charCodeAt(i + 1);
      if (v >= 0xdc00 && v <= 0xdfff) {
        w = 2;
        c = astralClass(((u - 0xd800) << 10) + (v - 0xdc00) + 0x10000);
      } else c = bmp[u] || (bmp[u] = classify(String.fromCharCode(u)));
    } else c = bmp[u] || (bmp[u] = classify(String.fromCharCode(u)));
    if (c === WORD) {
      if (start < 0) start = i;
    } else {
      if (start >= 0) {
        if (sp.n === limit) return (sp.truncated = true), sp;
        pushSpan(sp, start, i);
        start = -1;
      }
      if (c === SYMBOL) {
        if (sp.n === limit) return (sp.truncated = true), sp;
        pushSpan(sp, i, i + w);
      }
    }
    i += w;
  }
  if (start >= 0) {
    if (sp.n === limit) return (sp.truncated = true), sp;
    pushSpan(sp, start, n);
  }
  return sp;
}
