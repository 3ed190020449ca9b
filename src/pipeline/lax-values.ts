import { ExactInteger } from './exact-integers.ts';

// Request values read as vLLM reads them. Its ChatCompletionRequest is a pydantic v2 model validated
// in lax mode, so `"stream": "true"` streams and `"n": "2"` asks for two choices; a gateway that read
// only the JSON types refused (or misread) requests vLLM serves. The rules below are pydantic-core's,
// checked against pydantic 2.13 (python-mode validation, as FastAPI runs it on the parsed body).

const TRUE_WORDS = new Set(['1', 't', 'y', 'on', 'yes', 'true']);
const FALSE_WORDS = new Set(['0', 'f', 'n', 'no', 'off', 'false']);

/**
 * pydantic's lax bool: a bool; 1 / 0 (1.0, 0.0); "true"/"yes"/"on"/"t"/"y"/"1" and their opposites in
 * any ASCII case, untrimmed (" true" is refused). null is returned as null (None: an Optional field's
 * "not set"). Undefined: a value pydantic refuses (bool_parsing / bool_type).
 */
export function laxBool(v: unknown): boolean | null | undefined {
  if (v === null || typeof v === 'boolean') return v;
  if (typeof v === 'number') return v === 1 ? true : v === 0 ? false : undefined;
  if (typeof v !== 'string') return undefined;
  // No other character lower-cases into one of these ASCII letters, so toLowerCase() agrees with
  // pydantic's ASCII-only case folding.
  const w = v.toLowerCase();
  return TRUE_WORDS.has(w) ? true : FALSE_WORDS.has(w) ? false : undefined;
}

// Python's int() text after pydantic's strip: a sign, ASCII digits with single underscores between
// them, and a fraction of zeros only ("2.0" is 2; "2.", "2.5", "1e1", "0x2" are refused).
const INT_TEXT = /^\s*([+-]?\d+(?:_\d+)*)(?:\.0+)?\s*$/;

/**
 * pydantic's lax int: an integer number (2.0 is 2; 2.5 is refused), a bool (true is 1), or its text.
 * null is returned as null; an integer beyond 2^53 as Infinity (valid to pydantic, but no double holds
 * it: the caller keeps the value as written). Undefined: refused (int_parsing / int_from_float / int_type).
 */
export function laxInt(v: unknown): number | null | undefined {
  if (v === null) return null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof ExactInteger) return Infinity;
  if (typeof v === 'number') return Number.isInteger(v) ? (Number.isSafeInteger(v) ? v : Infinity) : undefined;
  if (typeof v !== 'string') return undefined;
  const m = INT_TEXT.exec(v);
  if (!m) return undefined;
  const n = Number(m[1]!.replaceAll('_', ''));
  // -0 is 0 to Python.
  return Number.isSafeInteger(n) ? n + 0 : Infinity;
}

// Python's float() text after pydantic's strip: digits with single underscores, an optional fraction
// (".5" and "5." too) and exponent; or nan / inf / infinity with a sign, in any case.
const FLOAT_TEXT = /^\s*([+-]?(?:\d+(?:_\d+)*(?:\.(?:\d+(?:_\d+)*)?)?|\.\d+(?:_\d+)*)(?:[eE][+-]?\d+(?:_\d+)*)?)\s*$/;
const NON_FINITE_TEXT = /^\s*[+-]?(?:nan|inf|infinity)\s*$/i;

/**
 * pydantic's lax float: a number, a bool (true is 1), or its text ("0.7", " .5 ", "1e-1", "1_0.5").
 * null is returned as null. NaN: valid to pydantic, but the caller keeps the value as written: a text
 * that reads as NaN or +-inf ("nan", "1e400"; JSON holds no such number) or an integer beyond 2^53 (an
 * ExactInteger, kept as its digits). Undefined: refused (float_parsing / float_type).
 */
export function laxFloat(v: unknown): number | null | undefined {
  if (v === null) return null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number') return v;
  if (v instanceof ExactInteger) return NaN;
  if (typeof v !== 'string') return undefined;
  if (NON_FINITE_TEXT.test(v)) return NaN;
  const m = FLOAT_TEXT.exec(v);
  if (!m) return undefined;
  const n = Number(m[1]!.replaceAll('_', ''));
  return Number.isFinite(n) ? n : NaN;
}
