// Where a JSON object or array sent in chunks ends, for held-body.ts: a body Envoy streams may end in
// trailers (no end_of_stream), so its end is read from the bytes. A scan that keeps its place across
// chunks (nesting depth, inside a string, after a backslash): each byte is read once, however many
// chunks come, where parsing the held bytes at every chunk would read them again each time. The
// structural characters are ASCII and every byte of a multi-byte UTF-8 character is >= 0x80, so a
// chunk cut inside a character reads the same. Only an object or array has a visible end; a body that
// begins otherwise never completes here (it is judged at end_of_stream or at the trailers).

const OPEN = new Set([0x7b, 0x5b]); // { [
const CLOSE = new Set([0x7d, 0x5d]); // } ]
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const BLANK = new Set([0x20, 0x09, 0x0a, 0x0d]); // JSON's whitespace

export class JsonEnd {
  private depth = 0;
  private inString = false;
  private escaped = false;
  private state: 'before' | 'inside' | 'complete' | 'never' = 'before';

  /** The top-level object or array has closed. */
  get complete(): boolean {
    return this.state === 'complete';
  }

  /** Reads the next chunk (after complete or never, nothing more is read). */
  feed(bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length && (this.state === 'before' || this.state === 'inside'); i++) {
      const b = bytes[i]!;
      if (this.state === 'before') {
        if (BLANK.has(b)) continue;
        this.state = OPEN.has(b) ? 'inside' : 'never';
        this.depth = 1;
        continue;
      }
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (b === BACKSLASH) this.escaped = true;
        else if (b === QUOTE) this.inString = false;
      } else if (b === QUOTE) this.inString = true;
      else if (OPEN.has(b)) this.depth++;
      else if (CLOSE.has(b) && --this.depth === 0) this.state = 'complete';
    }
  }

  /** Only JSON whitespace. */
  static blank(bytes: Uint8Array): boolean {
    return bytes.every((b) => BLANK.has(b));
  }
}
