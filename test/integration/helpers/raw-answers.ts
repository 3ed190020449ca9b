// The HTTP answers in what a raw socket read, for the tests that talk to the gateway over node:net and
// check each answer's framing and Connection header themselves (http-early-answer-close,
// http-framing-edges).

export interface RawAnswer {
  status: number;
  /** The status line and header fields, without the blank line. */
  head: string;
  body: string;
}

/**
 * The whole answers in `text` (latin1), in order, each framed by its Content-Length or chunked (a
 * passed-through answer is streamed); an answer not all there yet, and what follows it, is left out.
 */
export function rawAnswers(text: string): RawAnswer[] {
  const out: RawAnswer[] = [];
  for (let rest = text; ; ) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) return out;
    const head = rest.slice(0, end);
    let at = end + 4;
    let body = '';
    if (/\r\ntransfer-encoding: *chunked/i.test(head)) {
      for (;;) {
        const line = rest.indexOf('\r\n', at);
        if (line < 0) return out;
        const size = parseInt(rest.slice(at, line), 16);
        if (rest.length < line + 2 + size + 2) return out;
        body += rest.slice(line + 2, line + 2 + size);
        at = line + 2 + size + 2;
        if (size === 0) break;
      }
    } else {
      const len = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
      if (rest.length < at + len) return out;
      body = rest.slice(at, at + len);
      at += len;
    }
    out.push({ status: Number(head.split(' ')[1]), head, body });
    rest = rest.slice(at);
  }
}

/** The Connection header's value, lower-cased (undefined without one). */
export const connectionOf = (a: RawAnswer): string | undefined => /\r\nconnection: *([^\r]*)/i.exec(a.head)?.[1]?.toLowerCase();
