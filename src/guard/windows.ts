// Overlapping character windows for texts longer than a pack reads at once. A pack cuts its input at
// max_length; scanning windows instead means the tail of a long prompt is never silently skipped
// (an injection hidden after 10 KB of filler is still seen).

/** Overlap between windows of `size` the jailbreak scan uses by default: a quarter, at least 32. */
export function windowOverlap(size: number): number {
  return Math.max(32, Math.floor(size / 4));
}

export interface TextWindow {
  start: number;
  end: number;
}

/**
 * Split [0, text.length) into windows of at most `size` characters that overlap by `overlap`, so an
 * entity or phrase shorter than the overlap always lies whole inside one window. Cuts move back to
 * the nearest whitespace (within a quarter of the window) so words are not split.
 */
export function splitWindows(text: string, size: number, overlap: number): TextWindow[] {
  const n = text.length;
  size = Math.max(16, Math.floor(size));
  overlap = Math.max(0, Math.min(Math.floor(overlap), Math.floor(size / 2)));
  if (n <= size) return [{ start: 0, end: n }];
  const out: TextWindow[] = [];
  let start = 0;
  for (;;) {
    let end = Math.min(n, start + size);
    if (end < n) end = snapBack(text, end, start + Math.floor((size * 3) / 4));
    out.push({ start, end });
    if (end >= n) break;
    let next = end - overlap;
    if (next <= start) next = end;
    start = snapForward(text, next, end);
  }
  return out;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

/** Last whitespace boundary in (floor, pos]; pos itself when there is none. */
function snapBack(text: string, pos: number, floor: number): number {
  for (let i = pos; i > floor; i--) if (isSpace(text.charCodeAt(i - 1))) return i;
  return pos;
}

/** First word start in [pos, limit); pos itself when there is none. */
function snapForward(text: string, pos: number, limit: number): number {
  for (let i = pos; i < limit; i++) if (i > 0 && isSpace(text.charCodeAt(i - 1))) return i;
  return pos;
}
