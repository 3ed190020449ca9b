// Token metrics for a streamed answer whose client did not ask for usage. vLLM (as OpenAI) sends a
// stream's usage only when stream_options.include_usage is set, so such an answer counted no tokens
// and no cost. The gateway asks for it on the client's behalf (askUsage) and takes what that adds
// out of the client's stream (UsageStripper), so the client gets the stream it would have had: no
// usage-only chunk (choices: [], which breaks loops that read choices[0]) and no `usage` key on the
// other chunks (OpenAI's API adds `usage: null` to each once asked; vLLM does not). The watch reads
// the usage before the strip, for the metrics and for the cache's record.
import type { ChatBody } from '../pipeline/context.ts';
import { MAX_HELD_EVENT_CHARS, parseEvent, SseEventSplitter, withChunk } from './sse-events.ts';
import { Utf8Stream } from './utf8-stream.ts';
import { serialiseBody } from '../pipeline/exact-integers.ts';
import { usageAsked } from '../pipeline/request.ts';

/**
 * The serialised body with stream_options.include_usage true. `text` is serialiseBody(body) (an
 * object, so it ends with '}'): without stream_options the key is appended to the text (no second
 * serialisation); an explicit false (or other stream_options keys) is rewritten through the object.
 * Anything vLLM refuses (a stream_options that is no object, an include_usage no bool reads from:
 * usageAsked undefined) is the upstream's to refuse: left alone, not turned into a valid request.
 */
export function askUsage(text: string, body: ChatBody): string {
  const so = body.stream_options;
  if (so === undefined && text.endsWith('}')) return `${text.slice(0, -1)},"stream_options":{"include_usage":true}}`;
  if (so === null) return serialiseBody(Object.assign({}, body, { stream_options: { include_usage: true } }));
  if (typeof so !== 'object' || Array.isArray(so) || usageAsked(body) === undefined) return text;
  return serialiseBody(Object.assign({}, body, { stream_options: Object.assign({}, so, { include_usage: true }) }));
}

const EMPTY = new Uint8Array(0);
const ENCODER = new TextEncoder();
// Horspool shifts for `"usage"` (7 bytes): by the window's last byte, how far the key can move on.
const SKIP = new Uint8Array(256).fill(7);
[0x22, 0x75, 0x73, 0x61, 0x67, 0x65].forEach((b, j) => (SKIP[b] = 6 - j));

/**
 * Takes the usage the client did not ask for out of an SSE byte stream cut anywhere. A read that ends
 * at a blank line, with nothing held from before and no `"usage"` in it (each token event of a vLLM
 * stream, sent as a write of its own) is passed on as it is: one scan of its bytes; one whose only
 * `"usage"` keys are `"usage":null` loses those bytes (withoutNullUsage). Others are cut into
 * events (sse-events.ts, as the watch cuts them), the usage taken out, and the rest sent as whole
 * events; part of an event is held for the next read, up to MAX_HELD_EVENT_CHARS, past which the rest
 * of the answer passes untouched (as the rewriting watch does with an endless event).
 */
export class UsageStripper {
  /** `strip` false: nothing is taken out, only a partial event held back, so the client's bytes
   *  always end between events (dropHeld): the watch's error event then stands alone. */
  constructor(private readonly strip = true) {}
  private readonly decoder = new Utf8Stream();
  private readonly splitter = new SseEventSplitter();
  /** Part of an event, or of a character, is held: the next read is cut into events too. */
  private held = false;
  private off = false;

  /** The bytes to send for this read (EMPTY when it completed nothing to send). */
  push(value: Uint8Array): Uint8Array {
    if (this.off) return value;
    const whole = endsEvent(value);
    if (!this.held && whole) {
      if (!this.strip) return value;
      const at = usageKeyAt(value, 0);
      if (at < 0) return value;
      // Only `usage: null` keys (an upstream that adds one to every chunk once asked): cut out as bytes.
      const cut = withoutNullUsage(value, at);
      if (cut) return cut;
    }
    let out = '';
    for (const ev of this.splitter.push(this.decoder.decode(value))) out += this.kept(ev);
    this.held = !whole;
    if (this.splitter.pendingLength > MAX_HELD_EVENT_CHARS) {
      this.off = true;
      return this.decoder.encodeThenCut(out + this.splitter.release());
    }
    return out ? ENCODER.encode(out) : EMPTY;
  }

  /**
   * When the upstream's answer fails: what is held of an unfinished event is dropped, so the watch's
   * error event is one of its own. Sent on, it was closed off by that event's blank line, and an SSE
   * client parsed the broken JSON in place of the error (the openai SDK raised a SyntaxError). True
   * when the client's bytes end between events; false once the rest passes untouched (no telling).
   */
  dropHeld(): boolean {
    if (this.off) return false;
    this.held = false;
    this.splitter.release();
    this.decoder.take();
    return true;
  }

  /** At the upstream's end: the event it left unterminated, if any, as an event of its own (an SSE
   *  client drops an event no blank line ends: a last chunk sent so lost its text and finish_reason). */
  finish(): Uint8Array {
    if (this.off || !this.held) return EMPTY;
    this.held = false;
    let out = '';
    for (const ev of this.splitter.push(this.decoder.decode(EMPTY, true))) out += this.kept(ev);
    const rest = this.splitter.finish();
    if (rest) out += this.kept(rest);
    return out ? ENCODER.encode(out) : EMPTY;
  }

  private kept(ev: string): string {
    return this.strip ? kept(ev) : `${ev}\n\n`;
  }
}

/** The event as the client gets it, with its blank line ('' for the usage-only chunk). */
function kept(ev: string): string {
  if (!ev.includes('usage')) return `${ev}\n\n`;
  const p = parseEvent(ev);
  const c = p.chunk;
  if (!c || !('usage' in c)) return `${ev}\n\n`;
  if (Array.isArray(c.choices) && c.choices.length === 0) return '';
  const rest: Record<string, unknown> = {};
  for (const k in c) if (k !== 'usage') rest[k] = c[k];
  return `${withChunk(p, rest)}\n\n`;
}

/** The bytes end with a blank line (\n\n or \r\n\r\n): the events they hold are complete. */
function endsEvent(v: Uint8Array): boolean {
  const n = v.byteLength;
  if (n < 2 || v[n - 1] !== 0x0a) return false;
  if (v[n - 2] === 0x0a) return true;
  return n >= 4 && v[n - 2] === 0x0d && v[n - 3] === 0x0a && v[n - 4] === 0x0d;
}

/**
 * Where the bytes hold `"usage"` from `from` on (-1: nowhere): a Horspool search (the window's last byte
 * says how far the key can move on), about a quarter of a byte-by-byte scan's steps on a token event.
 */
function usageKeyAt(v: Uint8Array, from: number): number {
  const n = v.byteLength;
  for (let i = from + 6; i < n; i += SKIP[v[i]!]!) {
    if (v[i] === 0x22 && v[i - 1] === 0x65 && v[i - 2] === 0x67 && v[i - 3] === 0x61 && v[i - 4] === 0x73 && v[i - 5] === 0x75 && v[i - 6] === 0x22) return i - 6;
  }
  return -1;
}

// `:null` after the key.
const NULL = [0x3a, 0x6e, 0x75, 0x6c, 0x6c];

/**
 * The bytes without their `"usage":null` members, when every `"usage"` in them is one in compact JSON
 * (`,"usage":null` before `}` or `,`, or `{"usage":null,`): no decode, split or parse for an upstream
 * that sends one on every chunk. Undefined when any is not (a usage block, spaces): cut into events then.
 * The bare key cannot occur inside a JSON string, where its quotes would be escaped.
 */
function withoutNullUsage(v: Uint8Array, at: number): Uint8Array | undefined {
  const spans: Array<[number, number]> = [];
  for (; at >= 0; at = usageKeyAt(v, at + 7)) {
    const end = at + 7 + NULL.length;
    for (let j = 0; j < NULL.length; j++) if (v[at + 7 + j] !== NULL[j]) return undefined;
    if (v[at - 1] === 0x2c && (v[end] === 0x7d || v[end] === 0x2c)) spans.push([at - 1, end]);
    else if (v[at - 1] === 0x7b && v[end] === 0x2c) spans.push([at, end + 1]);
    else return undefined;
  }
  const out = new Uint8Array(v.byteLength - spans.reduce((n, [a, b]) => n + b - a, 0));
  let from = 0;
  let o = 0;
  for (const [a, b] of spans) {
    out.set(v.subarray(from, a), o);
    o += a - from;
    from = b;
  }
  out.set(v.subarray(from), o);
  return out;
}
