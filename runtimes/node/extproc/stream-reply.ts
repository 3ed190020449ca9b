// What ext_proc answers to each body message of a chat event stream it reads (STREAMED chunks, or the
// whole stream in one BUFFERED message): the chunk taps' rewrite (PII restore), the usage asked for on
// the client's behalf taken out, the done taps fed (the cache store), the meter told how it ended, and
// the clean-end check (stream-end.ts). The client gets whole events only while an error event may be
// added: part of an event is held until its blank line and dropped on a cut, as the gateway does
// (UsageStripper, 77297d8), so the upstream_stream_cut event stands alone and the openai SDK raises it
// (an event closed off by its blank line was parsed as broken JSON: a SyntaxError).
import type { DoneAnswer } from '../../../src/pipeline/context.ts';
import type { AnswerMeter } from './answer-meter.ts';
import type { SseRewriter } from './sse-rewrite.ts';
import { StreamEnd, withCutEvent } from './stream-end.ts';
import { StreamUsage } from './stream-usage.ts';
import { holdsDataLine } from '../../../src/upstream/sse-first-data.ts';

const encoder = new TextEncoder();
const EMPTY = new Uint8Array(0);

export interface StreamReplyParts {
  /** The chunk taps over the events (PII restore rewrites; the cache store only records). */
  rewrite?: SseRewriter;
  /** Usage asked for on the client's behalf: taken out of what the client gets. */
  stripUsage: boolean;
  /** The request's n. */
  choices: number;
  /** The error event may be added to a cut answer (no declared length kept, or the chunks are rewritten). */
  mayAdd: boolean;
  meter?: AnswerMeter;
  /** Starts the done taps with the recorded answer (not awaited: the client's last bytes do not wait). */
  done(answer: DoneAnswer): void;
  status: number;
  /**
   * Envoy's BUFFERED_PARTIAL: a message without end_of_stream is the only part of a long answer ext_proc
   * sees (the rest goes to the client past it), so nothing of it may be held: it goes on whole, its
   * events restored up to the one it ends inside, and the answer is accounted there, unjudged.
   */
  partial?: boolean;
  /** No clean-end check (StreamEnd's anyEnd): a generation route's answer other than a completions stream. */
  anyEnd?: boolean;
  /** Not an event stream (a generation route's JSON answer): its first bytes are its first token. */
  json?: boolean;
  /** Sees the upstream's bytes as they came (a generation answer's usage, generation-meter.ts). */
  read?(bytes: Uint8Array | undefined): void;
}

export class StreamReply {
  private readonly end: StreamEnd;
  // Holds part of an event back (and takes the usage out when asked): none when nothing may be added
  // (the bytes go on as they came) or when the rewriter already sends whole events.
  private readonly events: StreamUsage | undefined;
  private finished = false;
  // Ended by trailers: no error event can follow them (the cut is still counted).
  private trailing = false;

  constructor(private readonly p: StreamReplyParts) {
    this.end = new StreamEnd(p.choices, p.mayAdd, p.anyEnd);
    this.events = p.stripUsage || (p.mayAdd && !p.rewrite?.rewrites && !p.partial) ? new StreamUsage(p.stripUsage) : undefined;
  }

  /**
   * The answer ended in trailers after STREAMED chunks (none had end_of_stream): nothing can be sent
   * after them, but the answer is judged and accounted as ended (whole, cut, stored). What the taps or
   * the holder still held is lost: said in a warning.
   */
  endAtTrailers(warn: (bytes: number) => void): void {
    this.trailing = true;
    const left = this.chunk(undefined, true);
    if (left?.byteLength) warn(left.byteLength);
  }

  /** Whether the body's length changes (a declared content-length must go). */
  static rewrites(rewrite: SseRewriter | undefined, stripUsage: boolean): boolean {
    return !!rewrite?.rewrites || stripUsage;
  }

  /** The bytes to send in place of this chunk; undefined: it goes on as it came. */
  chunk(part: Uint8Array | undefined, last: boolean): Uint8Array | undefined {
    if (this.finished) return undefined;
    const { rewrite, meter } = this.p;
    const only = !last && !!this.p.partial; // the last bytes ext_proc sees of a longer answer
    this.finished = last || only;
    // An event stream's first token is its first data line, not an SSE comment before it (as the gateway's, sse-first-data.ts).
    if (this.p.json || (part && holdsDataLine(part))) meter?.firstChunk();
    this.p.read?.(part);
    this.events?.read(part);
    this.end.read(part);
    const verdict = last ? this.end.verdict() : undefined; // a clean end may be a cut one (stream-end.ts)
    const cut = verdict === 'cut';
    let out: Uint8Array | undefined;
    let answered: unknown;
    // The rewriter's text is whole events (its bytes, on the chunk where it stops, may not be).
    let whole = false;
    if (rewrite) {
      const r = rewrite.push(part, last, cut, only);
      whole = typeof r === 'string';
      out = r === undefined ? undefined : typeof r === 'string' ? encoder.encode(r) : r;
      // A cut answer is not stored, as on the gateway.
      if (last && !cut) {
        const { events, completion, oversized } = rewrite.answer();
        answered = completion?.usage;
        if (completion) this.p.done({ status: this.p.status, completion, sse: events });
        else if (oversized) this.p.done({ status: this.p.status, completion: {}, oversized });
      }
    }
    const used = () => answered ?? this.events?.usage() ?? this.end.usage();
    if (verdict === 'whole' || only) meter?.end(verdict ? used() : undefined);
    else if (verdict) meter?.failed(cut, used());
    if (this.events) {
      const sent = out ?? part ?? EMPTY;
      const kept = this.events.strip(sent, last && !cut);
      if (kept !== sent) out = kept;
    }
    if (cut && this.end.mayAdd && !this.trailing) {
      // After whole events (the rewriter's, or what the holder let go), else a blank line first.
      const boundary = this.events?.dropHeld() || whole || this.end.atBoundary();
      out = withCutEvent(out ?? part ?? EMPTY, boundary); // the SDK raises it
    }
    return out;
  }
}
