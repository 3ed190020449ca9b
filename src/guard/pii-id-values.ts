// Identifiers under structural keys (a tool call's `id`, a tool message's `tool_call_id`, `call_id`,
// `role`, `type`, `model`: unread-strings.ts STRUCTURAL) are left out of the PII scan, so a normal body
// adds no text. But an id is whatever the client wrote, and it reaches the engine, its logs and the
// templates that render call ids: "415-555-2671" or "4155552671" as a tool_call_id passed a policy
// that denies phone numbers (while "+1 415-555-2671", not identifier-shaped, was read and masked, so
// the call and its result no longer matched). An id in which the pattern recognizers find a phone,
// card or SSN number standing free of letters and digits around it is read as any other string.
// Engine ids hold none: their digit runs sit inside hex or base-62 letters ("chatcmpl-tool-9f1a...",
// "call_Hs7k2l9d...") or UUID groups, where the recognizers do not start (0 of 200,000 random ids of
// each of those shapes).
import { runRecognizers } from '../classify/pii/recognizers/index.ts';

/** Types that are one person's number; dates and the like in an id (`gpt-4o-2024-08-06`) are not, nor
 *  IBANs: a base-62 or hex id passes the mod-97 check now and then (1 in 97 of those shaped like one). */
const NUMBER_TYPES = new Set(['PHONE_NUMBER', 'CREDIT_CARD', 'US_SSN']);
/** Each of those types has at least 7 digits (a phone number's shortest form). */
const SEVEN_DIGITS = /(?:\D*\d){7}/;
const ALNUM = /[\p{L}\p{N}]/u;

/** Whether an identifier-shaped value holds a phone, card or SSN number, free standing. */
export function idHoldsPersonalNumber(id: string): boolean {
  if (!SEVEN_DIGITS.test(id)) return false;
  return runRecognizers(id).some((m) => NUMBER_TYPES.has(m.type) && !ALNUM.test(id[m.start - 1] ?? '') && !ALNUM.test(id[m.end] ?? ''));
}
