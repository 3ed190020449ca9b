// A bare run of 10 digits (or 1 and 10) read as a North American number without a phone word before
// it: "Hi, it's Bob, 4155552671", "4155552671 is my cell". Presidio finds such numbers through
// libphonenumber's validity rules; here the same shape rules decide, and the words around the run
// keep ids, amounts and timestamps out. Everything here reads a fixed window around the run, so it
// stays linear on any input (types.ts).

/**
 * NANP numbering rules as libphonenumber applies them to US/CA numbers: area code and exchange both
 * [2-9]XX and neither N11 (service codes); area codes with 9 in the middle (reserved for expansion),
 * 37X and 96X (reserved), 555 (no area code) and N00 other than 800 (unassigned or non-geographic
 * service codes) are not dialled as numbers. A Unix time in seconds (1xxxxxxxxx until 2033) starts with 1.
 */
export function nanpValid(digits: string): boolean {
  const d = digits.length === 11 && digits[0] === '1' ? digits.slice(1) : digits;
  if (!/^[2-9][0-8]\d[2-9]\d{6}$/.test(d)) return false;
  const area = d.slice(0, 3);
  if (area[1] === '1' && area[2] === '1') return false;
  if (d[4] === '1' && d[5] === '1') return false;
  if (area === '555' || /^(?:37|96)/.test(area)) return false;
  return !(area[1] === '0' && area[2] === '0' && area !== '800');
}

// A phone label right after the number: "is my cell", "(mobile)", "-Fax", "- office". Only the label
// itself, optionally after "is/was" and a possessive: "2125550123 is a prime number" is no phone.
const LABEL_AFTER =
  /^[ \t]*[(\[,;:\-–—]?[ \t]*(?:(?:is|was|=)[ \t]+)?(?:(?:my|our|his|her|their|the)[ \t]+)?(?:cell(?:phone)?|mobile|phone|telephone|tel|fax|office|home|work|landline|whatsapp|direct line|number)\b/i;

// The run is an id, a count or an amount: an id word right before it ("order #", "invoice no.",
// "user_id": , "ref_"), a currency sign or code before it, a unit or currency after it. These win
// over a phone word further back ("call about order 2125550123").
const ID_BEFORE =
  /(?<![a-z])(?:order|invoice|account|acct|id|ids|ref|reference|tracking|ticket|transaction|txn|confirmation|serial|sku|isbn|case|claim|policy|booking|reservation|customer|member|employee|patient|student|item|product|part|version|build|batch|lot|job|shipment|parcel|record|receipt|voucher|coupon|loan|contract|licen[cs]e|permit|passport|registration|timestamp|epoch|unix|ts|time|seconds|created|updated|expires)(?:_?(?:id|no|num|nr|at))?["']?[ \t]*(?:(?:no|num|nr|number)\.?[ \t]*)?[#:=.\-_]*[ \t]*["']?$/i;
const MONEY_BEFORE = /(?:[$€£¥₹]|\b(?:usd|eur|gbp|jpy|cad|aud))[ \t]*$/i;
const UNIT_AFTER =
  /^[ \t]*(?:%|[$€£¥]|(?:dollars?|usd|eur|euros?|pounds?|yen|cents?|bytes?|[kmgt]i?b|bits?|ms|s|sec(?:ond)?s?|minutes?|hours?|days?|years?|km|miles?|m|kg|g|tons?|times|people|users|items|units|rows|records|tokens|words|points|votes|views)\b)/i;

/** Whether the words around text[start, end) make the digit run an id, an amount or a time. */
export function idOrAmount(text: string, start: number, end: number): boolean {
  const before = text.slice(Math.max(0, start - 32), start);
  const after = text.slice(end, end + 24);
  return ID_BEFORE.test(before) || MONEY_BEFORE.test(before) || UNIT_AFTER.test(after);
}

// Arithmetic around a run with no phone word: "Is 4155552671 prime?", "2147483647 + 1", "max is 4294967295".
const MATH = /[=+*\/^×÷<>≤≥]|(?<![a-z])(?:divided|divisible|times|plus|minus|sum|product|prime|factors?|mod(?:ulo)?|squared?|cubed?|root|digits?|multipl(?:y|ied)|remainder|integer|max(?:imum)?|min(?:imum)?|limit|range|between|overflow|int(?:32|64)?|uint(?:32|64)?|hex|binary|bits?)\b/i;

/** Arithmetic or a numeric range near text[start, end), or an underscore, # or = glued to the run (a
 *  key or a parameter, "x_4155552671", "#4155552671"): with no phone word, a number to compute with or
 *  look up, not to dial. A phone word still makes it one ("phone=4155552671", "tel_4155552671"). */
export function notDialled(text: string, start: number, end: number): boolean {
  if (/[_#=]$/.test(text.slice(Math.max(0, start - 1), start)) || /^[_%]/.test(text.slice(end, end + 1))) return true;
  return MATH.test(text.slice(Math.max(0, start - 32), start)) || MATH.test(text.slice(end, end + 24));
}

/** A phone label right after text[.., end) ("is my cell", "-Fax"). */
export const labelAfter = (text: string, end: number): boolean => LABEL_AFTER.test(text.slice(end, end + 32));
