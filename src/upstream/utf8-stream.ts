// UTF-8 decoding of a byte stream cut anywhere, which keeps the bytes of a character cut at the end
// of a chunk in sight. TextDecoder's stream mode holds them where nothing can read them back: a
// rewriting SSE reader that gives up mid-stream (sse-events.ts, held event past its cap) must send
// them on to the client as they came, or the character the next chunk completes would be corrupted.

export class Utf8Stream {
  private readonly decoder = new TextDecoder();
  private carry: Uint8Array | undefined;

  /** The text of `bytes` after what came before, up to the last whole character (all of it at `end`). */
  decode(bytes: Uint8Array, end = false): string {
    if (this.carry) {
      const all = new Uint8Array(this.carry.byteLength + bytes.byteLength);
      all.set(this.carry);
      all.set(bytes, this.carry.byteLength);
      bytes = all;
      this.carry = undefined;
    }
    if (end) return this.decoder.decode(bytes);
    const cut = bytes.byteLength - unfinished(bytes);
    if (cut < bytes.byteLength) this.carry = bytes.slice(cut);
    // Stream mode only keeps the decoder's start-of-stream BOM handling: it is handed whole
    // characters, so it holds nothing back itself.
    return this.decoder.decode(cut < bytes.byteLength ? bytes.subarray(0, cut) : bytes, { stream: true });
  }

  /** The bytes of the character cut at the end of what was decoded (empty when none), handed over. */
  take(): Uint8Array {
    const c = this.carry ?? new Uint8Array(0);
    this.carry = undefined;
    return c;
  }

  /** `text` as UTF-8, then the bytes of a character cut at the end of what was decoded (handed over):
   *  what a reader that stops decoding sends, so no byte of the stream is lost. */
  encodeThenCut(text: string): Uint8Array {
    const head = ENCODER.encode(text);
    const cut = this.take();
    if (!cut.byteLength) return head;
    const all = new Uint8Array(head.byteLength + cut.byteLength);
    all.set(head);
    all.set(cut, head.byteLength);
    return all;
  }
}

const ENCODER = new TextEncoder();

/**
 * How many bytes at the end of `b` start a character that is not complete: a lead byte followed by
 * fewer continuation bytes than it announces. An invalid lead (0xF8..) or a prefix TextDecoder would
 * reject early (E0 80) is held too: decoded with the next chunk it gives the same U+FFFD as streaming.
 */
export function unfinished(b: Uint8Array): number {
  for (let i = 1; i <= 3 && i <= b.byteLength; i++) {
    const x = b[b.byteLength - i]!;
    if ((x & 0xc0) === 0x80) continue;
    const need = x >= 0xf0 ? 4 : x >= 0xe0 ? 3 : x >= 0xc0 ? 2 : 1;
    return need > i ? i : 0;
  }
  return 0;
}
