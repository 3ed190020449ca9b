// The embedding is a bag of words: "convert my traditional IRA to a Roth IRA" and "convert my Roth
// IRA to a traditional IRA" embed identically (similarity 1.0), and so do "x^3 from 0 to 2" and "x^2
// from 0 to 3", yet each needs the other answer. A stored answer therefore keeps the order of its
// question's words (as hashes, not text), and a lookup refuses a twin whose words are nearly all the
// same but stand in another order. A true rewording shares fewer words and is not affected; a pure
// reordering of the same words ("in simple terms, explain X") becomes a miss, the cheap side to err on.

/** Words kept per question: enough to see a swap, small per entry (and in a shared backend). */
const MAX_WORDS = 48;
/** Share of the longer question's words the two must have in common before their order is compared. */
const NEAR_SAME = 0.8;

const WORD = /[\p{L}\p{N}]+/gu;

/** Hashes (FNV-1a 32) of the lower-cased words of `text`, in order, at most MAX_WORDS. */
export function wordOrder(text: string): number[] {
  const out: number[] = [];
  for (const m of text.toLowerCase().matchAll(WORD)) {
    let h = 0x811c9dc5;
    for (let i = 0; i < m[0].length; i++) h = Math.imul(h ^ m[0].charCodeAt(i), 0x01000193);
    out.push(h >>> 0);
    if (out.length >= MAX_WORDS) break;
  }
  return out;
}

/**
 * True when `a` and `b` share nearly all their words but the shared words stand in another order.
 * Missing signatures (entries written before this check) never refuse.
 */
export function reordered(a: readonly number[] | undefined, b: readonly number[] | undefined): boolean {
  if (!a || !b || !a.length || !b.length) return false;
  const left = new Map<number, number>();
  for (const w of b) left.set(w, (left.get(w) ?? 0) + 1);
  // a's words that b also has (each occurrence of b used once), in a's order
  const sharedA: number[] = [];
  for (const w of a) {
    const n = left.get(w);
    if (n) {
      sharedA.push(w);
      left.set(w, n - 1);
    }
  }
  if (sharedA.length < NEAR_SAME * Math.max(a.length, b.length)) return false;
  // b's words that a also has, in b's order (the same multiset as sharedA)
  const inA = new Map<number, number>();
  for (const w of sharedA) inA.set(w, (inA.get(w) ?? 0) + 1);
  let i = 0;
  for (const w of b) {
    const n = inA.get(w);
    if (!n) continue;
    inA.set(w, n - 1);
    if (sharedA[i++] !== w) return true;
  }
  return false;
}
