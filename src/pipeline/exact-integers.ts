// Numbers a JSON.parse -> JSON.stringify round trip would change, kept as the client wrote them.
// vLLM (Python's json) reads an integer literal exactly at any size, and OpenAI and vLLM accept a
// 64-bit `seed` (9223372036854775807); JSON.parse rounds it to a double (...5808) and the forwarded
// body asked for another seed, so such bodies were refused. Node 20's JSON.parse has no source text
// access (JSON.rawJSON and the reviver's context came with V8 11.4), so the literal is kept by hand:
// before parsing, each such number token (outside strings) is replaced by a string marker; after,
// each marker becomes an ExactInteger that serialiseBody writes back as the client's digits.

/** A number the gateway does not read, kept as its source literal (`literal` is a JSON number token). */
export class ExactInteger {
  constructor(readonly literal: string) {}
  /** For arithmetic and comparisons: the nearest double. */
  valueOf(): number {
    return Number(this.literal);
  }
  /** Any other serialisation (cache key digests, logs) gets the digits as a string: stable across processes. */
  toJSON(): string {
    return this.literal;
  }
}

/** Set on a parsed body that holds ExactIntegers, so only those pay for the replacer (copied by Object.assign and spreads). */
const HAS_EXACT = Symbol('semroute.exactIntegers');

// Only a text with a 16-digit run or a 2-digit positive exponent can hold an integer beyond 2^53
// (9007199254740993, 1e20) or a non-finite number (1e400); others skip the scan.
const MAYBE_INEXACT = /\d{16}|[eE]\+?\d{2}/;
// A number token, at a position outside strings (the text already parsed: tokens are well formed).
const NUMBER = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

const isUnsafeInteger = (v: number) => Number.isFinite(v) && Number.isInteger(v) && !Number.isSafeInteger(v);

export interface KeptText {
  /** The text with each unsafe number token replaced by `"<marker><index>"`. */
  text: string;
  marker: string;
  literals: string[];
}

/** Whether the text may hold an integer beyond 2^53 or a non-finite number: one regex pass, no scan. */
export const mayHoldInexact = (text: string): boolean => MAYBE_INEXACT.test(text);

/** The text to parse, or undefined when it holds no number that a round trip would change (call when mayHoldInexact). */
export function markUnsafeIntegers(text: string): KeptText | undefined {
  const marker = `semroute-exact-${crypto.randomUUID()}-`;
  const literals: string[] = [];
  let out = '';
  let last = 0;
  // One pass: a string is skipped with indexOf to its closing quote (a regex over long strings
  // backtracks; a char loop costs 6x JSON.parse), the few characters between strings one by one.
  for (let i = 0; i < text.length; ) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      i = stringEnd(text, i) + 1;
      continue;
    }
    if (c !== 0x2d && (c < 0x30 || c > 0x39)) {
      i++;
      continue;
    }
    NUMBER.lastIndex = i;
    const t = NUMBER.exec(text)![0];
    if (isUnsafeInteger(Number(t))) {
      out += `${text.slice(last, i)}"${marker}${literals.length}"`;
      literals.push(t);
      last = i + t.length;
    }
    i += t.length;
  }
  if (literals.length === 0) return undefined;
  return { text: out + text.slice(last), marker, literals };
}

/** Index of the quote closing the string that opens at `start` (one preceded by an even run of backslashes). */
function stringEnd(text: string, start: number): number {
  for (let j = start; ; ) {
    j = text.indexOf('"', j + 1);
    if (j < 0) return text.length;
    let k = j - 1;
    while (text.charCodeAt(k) === 0x5c) k--;
    if ((j - 1 - k) % 2 === 0) return j;
  }
}

/** Replaces the markers in a parsed value by ExactIntegers (depth already bounded by the caller). */
export function restoreExactIntegers(root: unknown, kept: KeptText): unknown {
  const restore = (v: unknown): unknown => {
    if (typeof v === 'string') return v.startsWith(kept.marker) ? new ExactInteger(kept.literals[Number(v.slice(kept.marker.length))]!) : v;
    if (v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) for (let i = 0; i < v.length; i++) v[i] = restore(v[i]);
    else for (const k of Object.keys(v)) (v as Record<string, unknown>)[k] = restore((v as Record<string, unknown>)[k]);
    return v;
  };
  const out = restore(root);
  if (out !== null && typeof out === 'object') Object.defineProperty(out, HAS_EXACT, { value: true, enumerable: true });
  return out;
}

/**
 * The body as the upstream gets it: JSON.stringify, with each ExactInteger written as its literal.
 * The literals go out through a fresh marker that no client string can hold.
 */
export function serialiseBody(body: object): string {
  if (!(body as { [HAS_EXACT]?: boolean })[HAS_EXACT]) return JSON.stringify(body);
  const marker = `semroute-exact-${crypto.randomUUID()}-`;
  const literals: string[] = [];
  const text = JSON.stringify(body, function (this: Record<string, unknown>, key, value) {
    // `value` is toJSON's result; the holder still has the ExactInteger.
    const raw = this[key];
    if (!(raw instanceof ExactInteger)) return value;
    literals.push(raw.literal);
    return `${marker}${literals.length - 1}`;
  });
  return text.replace(new RegExp(`"${marker}(\\d+)"`, 'g'), (_, i: string) => literals[Number(i)]!);
}
