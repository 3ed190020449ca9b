// The clean-end check of a chat stream ext_proc reads (STREAMED response mode), as the gateway makes it
// (src/upstream/stream-whole.ts, choice-finish.ts): Envoy sends end_of_stream when the upstream ended
// its body cleanly, which a close-delimited answer, or a proxy that ends its chunked body when its own
// upstream fails, also does. Such an answer without [DONE], without a last chunk that finishes a choice
// (each choice with n > 1) or carries usage, is cut: the client must get the gateway's
// upstream_stream_cut error event (which the openai SDK raises) rather than end silently with the
// truncated text, and the answer counts as failed.
import { ChoiceFinishes } from '../../../src/upstream/choice-finish.ts';
import { ByteTail, findUsage, hasErrorEvent } from '../../../src/upstream/sse.ts';
import { UpstreamIncompleteError, chatStreamWhole, lastDataEvent } from '../../../src/upstream/stream-whole.ts';
import { streamErrorEvent } from '../../../src/upstream/stream-failure.ts';

/** whole: as it should be; errored: the upstream told its own failure in an error event; cut: ended before it was whole. */
export type StreamVerdict = 'whole' | 'errored' | 'cut';

export class StreamEnd {
  private readonly tail = new ByteTail();
  private readonly finishes: ChoiceFinishes | undefined;

  /**
   * `choices`: the request's n (choiceCount); only above 1 is each choice's finish tracked. `mayAdd`:
   * the error event may be added to the last chunk (false when the answer keeps the length it declared).
   */
  constructor(
    choices: number,
    readonly mayAdd: boolean,
    /** Any clean end is whole (an answer with no end marker to check: JSON, or an SSE route other than chat and completions). */
    private readonly anyEnd = false,
  ) {
    this.finishes = choices > 1 ? new ChoiceFinishes(choices) : undefined;
  }

  /** The upstream's bytes as they came (before any tap rewrote them). */
  read(bytes: Uint8Array | undefined): void {
    if (!bytes || !bytes.byteLength) return;
    this.tail.push(bytes);
    this.finishes?.push(bytes);
  }

  /** At end_of_stream. */
  verdict(): StreamVerdict {
    this.finishes?.end();
    const text = this.tail.text();
    // An error event is the answer's last one: the upstream's own word, not to be followed by ours.
    if (hasErrorEvent(text)) return 'errored';
    if (this.anyEnd) return 'whole';
    const ev = lastDataEvent(text, !this.tail.dropped);
    return ev === null || chatStreamWhole(ev, this.finishes) ? 'whole' : 'cut';
  }

  /** The usage block of the answer's last chunk that carried one (the client's own include_usage). */
  usage(): unknown {
    return findUsage(this.tail.text())?.usage;
  }

  /** Whether the bytes as they came end between events (else the added event needs a blank line first). */
  atBoundary(): boolean {
    return /(\r\n\r\n|\n\n|\r\r)$/.test(this.tail.text()) || this.tail.text() === '';
  }
}

/** The event a cut answer ends with, as on the gateway. */
export const CUT_EVENT = streamErrorEvent(new UpstreamIncompleteError());
export const CUT_MESSAGE = new UpstreamIncompleteError().message;

const encoder = new TextEncoder();

/** The last chunk of a cut answer: what goes on of it, then the error event (after a blank line when `sent` may end inside an event). */
export function withCutEvent(sent: Uint8Array, boundary: boolean): Uint8Array {
  const ev = encoder.encode(boundary ? CUT_EVENT : `\n\n${CUT_EVENT}`);
  const all = new Uint8Array(sent.byteLength + ev.byteLength);
  all.set(sent);
  all.set(ev, sent.byteLength);
  return all;
}
