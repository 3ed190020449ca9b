// The PII scan over a request's text slots (redaction.ts collectTextSlots). Slots of one group (the
// text parts of one message, the strings of one tool definition) are read as one text, joined by a
// newline as vLLM joins a message's parts, and what is found is split back to each slot: one
// detector call and one budget text per message or definition, not one per part or enum value (a
// tool list with big enums was thousands of calls and past max_texts), and a value cut across two
// parts is read as the model reads it. JSON slots (tool-call arguments) are read alone: their
// values are JSON string content. A framed slot (a function name) is read alone inside its frame.
import type { PiiDetector, PiiEntity } from '../classify/types.ts';
import { scanPii, type PiiScanOptions } from './pii-scan.ts';
import type { TextSlot } from './redaction.ts';

interface Group {
  /** Indexes into the slots, in document order. */
  members: number[];
  /** Offset of each member's text in the joined text. */
  starts: number[];
  text: string;
}

/** The texts the scan reads for `slots` (document order): each group joined, every other slot alone.
 *  For a caller that only asks whether there is personal data (the cache's store check). */
export function groupTexts(slots: readonly TextSlot[]): string[] {
  return groupsOf(slots).map((g) => g.text);
}

function groupsOf(slots: readonly TextSlot[]): Group[] {
  const groups: Group[] = [];
  for (let i = 0; i < slots.length; i++) {
    const s = slots[i]!;
    const prev = groups[groups.length - 1];
    const joins = s.group !== undefined && !s.json && !s.frame && prev && slots[prev.members[0]!]!.group === s.group;
    if (s.frame) groups.push({ members: [i], starts: [s.frame[0].length], text: s.frame[0] + s.get() + s.frame[1] });
    else if (joins) {
      prev.starts.push(prev.text.length + 1);
      prev.text += `\n${s.get()}`;
      prev.members.push(i);
    } else groups.push({ members: [i], starts: [0], text: s.get() });
  }
  return groups;
}

/** Entities per slot (index-aligned with `slots`, offsets into each slot's text). `slots` in document
 *  order; groups are scanned newest (last) first, so the budget covers the latest turns. */
export async function scanSlots(detector: PiiDetector, slots: readonly TextSlot[], opts: PiiScanOptions): Promise<PiiEntity[][]> {
  const groups = groupsOf(slots).reverse();
  const found = await scanPii(detector, groups.map((g) => g.text), opts);
  const out: PiiEntity[][] = slots.map(() => []);
  groups.forEach((g, gi) => {
    for (const e of found[gi]!) {
      g.members.forEach((slot, k) => {
        const a = g.starts[k]!;
        const b = a + slots[slot]!.get().length;
        const start = Math.max(e.start, a);
        const end = Math.min(e.end, b);
        if (end > start) out[slot]!.push({ ...e, start: start - a, end: end - a });
      });
    }
  });
  return out;
}
