// Cuts decoded SSE text into events at blank lines, wherever the network cut it: CRLF and lone CR
// line ends become \n, and a '\r' at the end of a piece waits for the next one (it may be the first
// half of a CRLF, which must not count as a line end of its own). Shared by the gateway's watch
// (sse.ts) and ext_proc's STREAMED rewriter, so both see the same events.
export class SseEventSplitter {
  private buffer = '';
  private pendingCr = '';

  /** The events completed by `text` (each without its blank line; whitespace-only ones dropped). */
  push(text: string): string[] {
    text = this.pendingCr + text;
    this.pendingCr = text.endsWith('\r') ? '\r' : '';
    if (this.pendingCr) text = text.slice(0, -1);
    this.buffer += text.replace(/\r\n?/g, '\n');
    const events: string[] = [];
    let sep: number;
    while ((sep = this.buffer.indexOf('\n\n')) >= 0) {
      const ev = this.buffer.slice(0, sep);
      this.buffer = this.buffer.slice(sep + 2);
      if (ev.trim()) events.push(ev);
    }
    return events;
  }

  /** At the end of the answer: the unterminated last event, trimmed ('' when there is none). */
  finish(): string {
    const rest = (this.buffer + (this.pendingCr && '\n')).trim();
    this.buffer = this.pendingCr = '';
    return rest;
  }

  /** True when nothing but whitespace follows the last complete event. */
  atBoundary(): boolean {
    return !(this.buffer + this.pendingCr).trim();
  }
}
