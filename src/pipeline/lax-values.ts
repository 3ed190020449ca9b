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
