// Numbers written as words, read as their digits by the numbers check (word-order.ts): the embedding
// weighs "three" as lightly as "3" ("how many days are in three weeks" scored 0.98 against "four
// weeks", "the second world war" 0.99 against "the first"), so a number word must be the same on both
// sides, and "three" meets "3". Left out: "one" (mostly a pronoun: "which one is better" is "which is
// better") and "first" (mostly "at first", "first thing"; first / last is an opposite, opposites.ts).
// A compound ("twenty four") counts as its words, so it does not meet "24": a miss, the cheap side.
// "twice" is a multiple wherever it stands ("twice a day", "twice as big"): "2x", never the count "2"
// ("one less than twice its reverse" is no question about "two numbers"); "2 times" / "two times"
// before a word that is no number is the same multiple (word-order.ts), "17 times 23" a product.

const CARDINALS = ['zero', '', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve',
  'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen'];
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];
const ORDINALS = ['', '', 'second', 'third', 'fourth', 'fifth', 'sixth', 'seventh', 'eighth', 'ninth', 'tenth'];
const SUFFIX = (n: number) => (n === 2 ? 'nd' : n === 3 ? 'rd' : 'th');

/** Lower-case number word -> the digits it stands for ("three" -> "3", "third" -> "3rd"). */
const DIGITS = new Map<string, string>([
  ...CARDINALS.flatMap((w, n) => (w ? [[w, String(n)] as [string, string]] : [])),
  ...TENS.flatMap((w, n) => (w ? [[w, String(n * 10)] as [string, string]] : [])),
  ...ORDINALS.flatMap((w, n) => (w ? [[w, `${n}${SUFFIX(n)}`] as [string, string]] : [])),
  ['hundred', '100'], ['thousand', '1000'], ['million', '1000000'], ['billion', '1000000000'], ['trillion', '1000000000000'],
  ['dozen', '12'], ['twice', '2x'], ['thrice', '3x'],
]);

/** The digits a lower-case number word stands for, or undefined for any other word. */
export const numberWordDigits = (lw: string): string | undefined => DIGITS.get(lw);

/** The multiple "N times" stands for, as "twice" does: "2x". */
export const timesOf = (count: string): string => `${count}x`;
