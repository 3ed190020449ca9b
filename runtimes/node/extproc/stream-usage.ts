// The usage ext_proc asked for on a streaming client's behalf (stream_options.include_usage), read for
// the token metrics and taken out of what the client gets, as the HTTP gateway does (forward.ts with
// src/upstream/usage-strip.ts): the same stripper, fed the bytes each response_body message carries
// (STREAMED: cut anywhere; BUFFERED: the whole stream at once), and the same tail read for the usage.
import { ByteTail, findUsage } from '../../../src/upstream/sse.ts';
import { UsageStripper } from '../../../src/upstream/usage-strip.ts';

/**
 * Whether Envoy will send this request's answer body back to ext_proc, so that what is asked for can be
 * taken out again: its response_body_mode is STREAMED, BUFFERED or FULL_DUPLEX_STREAMED (full-duplex.ts)
 * (protocol_config, Envoy >= 1.34), or the operator declared that Envoy honours mode_override
 * (extproc.allow_mode_override), which onResponseHeaders uses to ask for STREAMED. BUFFERED_PARTIAL
 * sends only the first part of a long answer, GRPC speaks another protocol: not enough to rely on.
 */
export function answerBodyComesBack(responseBodyMode: string | undefined, modeOverride: boolean): boolean {
  return responseBodyMode === 'STREAMED' || responseBodyMode === 'BUFFERED' || responseBodyMode === 'FULL_DUPLEX_STREAMED' || modeOverride;
}

/**
 * Whether an answer body may reach ext_proc at all: unknown (an Envoy that does not say its modes) counts
 * as yes, as does any mode that sends some of it, or a declared override (asked for at the headers).
 */
export function bodyMayCome(responseBodyMode: string | undefined, modeOverride: boolean): boolean {
  return responseBodyMode === undefined || modeOverride || ['STREAMED', 'BUFFERED', 'BUFFERED_PARTIAL', 'FULL_DUPLEX_STREAMED'].includes(responseBodyMode);
}

/** SSE text starts with a field or a comment; anything else (a JSON error body) is not stripped. */
export function looksLikeSse(bytes: Uint8Array | undefined): boolean {
  const head = new TextDecoder().decode((bytes ?? new Uint8Array(0)).subarray(0, 8)).trimStart();
  return head === '' || head.startsWith('data:') || head.startsWith('event:') || head.startsWith('id:') || head.startsWith(':') || head.startsWith('retry:');
}

const EMPTY = new Uint8Array(0);

export class StreamUsage {
  private readonly stripper: UsageStripper;
  private readonly tail = new ByteTail();

  /** `strip` false: nothing is taken out, only part of an event held back until its blank line (dropHeld). */
  constructor(strip = true) {
    this.stripper = new UsageStripper(strip);
  }

  /** The upstream's bytes as they came (before any tap rewrote them): the usage is read from their tail. */
  read(bytes: Uint8Array | undefined): void {
    if (bytes && bytes.byteLength) this.tail.push(bytes);
  }

  /**
   * What the client gets for `bytes` (the chunk as it goes on, after the taps): the same array when
   * nothing was taken out, else the rest (possibly empty). At the end, what the stripper held goes too.
   */
  strip(bytes: Uint8Array, end: boolean): Uint8Array {
    const out = bytes.byteLength ? this.stripper.push(bytes) : EMPTY;
    if (!end) return out;
    const rest = this.stripper.finish();
    if (!rest.byteLength) return out;
    const all = new Uint8Array(out.byteLength + rest.byteLength);
    all.set(out);
    all.set(rest, out.byteLength);
    return all;
  }

  /**
   * A cut answer's end (strip was not told `end`): the partial event held is dropped, as the gateway
   * drops it (the client never had it), so the error event stands alone. False when nothing is held back
   * (an event outgrew the stripper): the bytes may then end inside an event.
   */
  dropHeld(): boolean {
    return this.stripper.dropHeld();
  }

  /** The usage block of the answer's last chunk that carried one. */
  usage(): unknown {
    return findUsage(this.tail.text())?.usage;
  }
}
