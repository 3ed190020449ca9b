// Streaming passthrough with an optional view of the SSE events. Bytes go to the client as they
// arrive; events are parsed only when a ResponseTap asks for chunks or for the assembled answer.
import type { ResponseTap } from '../pipeline/context.ts';
import { readerStream, type BodyReader } from './types.ts';
// One assembler for streamed answers (content, reasoning, tool calls), shared with the cache's replay.
import { assembleChunks } from '../cache/sse.ts';
import { isErrorChunk, MAX_RECORDED_CHARS, releaseOversized, SseEventSplitter, TappedEvents } from './sse-events.ts';
import { Utf8Stream } from './utf8-stream.ts';
import { UsageStripper } from './usage-strip.ts';
import { lastDataEvent, UpstreamIncompleteError } from './stream-whole.ts';
import { DoneSpotter, endAfterDone, isDoneEvent } from './sse-done.ts';
import type { StreamWatch } from './stream-watch.ts';
import { holdsDataLine } from './sse-first-data.ts';

export type { StreamWatch } from './stream-watch.ts';

/** The watched answer as a web stream (it pulls one chunk ahead, as a ReadableStream does by default). */
export function watchStream(body: ReadableStream<Uint8Array> | BodyReader, taps: ResponseTap[], watch: StreamWatch): ReadableStream<Uint8Array> {
  return readerStream(watchReader('getReader' in body ? body.getReader() : body, taps, watch), 1);
}

/**
 * The watched answer as a reader, for a runtime that writes it out without a ReadableStream (on Node 20
 * one costs about 15-20 us to build and drain, more than the rest of the watch). Each read returns the
 * next bytes for the client: the upstream's chunk as it is, or, when a tap rewrites chunks, the next
 * whole events. A read fails as the upstream read did, unless `endWith` ends the answer with an event.
 */
export function watchReader(reader: BodyReader, taps: ResponseTap[], watch: StreamWatch): BodyReader {
  // Until an event outgrows the bound a rewriting watch holds (then the rest passes untouched).
  let rewrite = taps.some((t) => t.chunk);
  const collect = rewrite || taps.some((t) => t.done);
  // Only a collecting watch decodes as it goes (one decoder per answer: it keeps a split character).
  const decoder = collect ? new Utf8Stream() : undefined;
  const splitter = collect ? new SseEventSplitter() : undefined;
  // Events read through the taps and recorded as sent (shared with ext_proc's STREAMED body); kept
  // and assembled for onEnd unless the watch says it reads neither (watch.events).
  const keep = watch.events !== false;
  const tapped = collect ? new TappedEvents(taps, MAX_RECORDED_CHARS, keep) : undefined;
  let first = true;
  let last: Record<string, unknown> | undefined;
  // Without taps only the last chunks are kept (at least TAIL_BYTES), to find `usage` in the final
  // events for token metrics; decoded once at the end, not per chunk (a long answer has hundreds).
  // A collecting watch whose answer outgrew the record cap (sse-events.ts) turns into such a tail too.
  let tail = collect ? undefined : new ByteTail();
  // The last event with a data line a collecting watch split (for watch.whole).
  let lastData: string | undefined;
  // watch.doneEnds: the upstream has sent [DONE] (split as an event, or at the end of the bytes read).
  const spotter = watch.doneEnds ? new DoneSpotter() : undefined;
  let doneSeen = false;

  // Whether the bytes the client has end between events: a rewritten stream sends whole events only;
  // otherwise the splitter (collecting) or `tail` holds what follows the last blank line.
  const atBoundary = () => {
    if (rewrite) return true;
    if (!tail) return splitter!.atBoundary();
    const t = tail.text();
    return !t.trim() || /(\n\n|\r\r|\r\n\r\n)$/.test(t);
  };

  // After the last bytes: every later read is done (or fails again with the upstream's error).
  let ended = false;
  let failed: { err: unknown } | undefined;
  // onEnd or onError has run (each answer gets one of them); the upstream answer has ended (done or failed).
  let reported = false;
  let upstreamDone = false;
  const chunk = (value: Uint8Array): ReadableStreamReadResult<Uint8Array> => ({ done: false, value });

  // Not the upstream read (a tap, the assembly for done taps, the watch): still the answer's end.
  // Reported once (the request's log line and error metric; on Node nothing else prints it, see
  // runtimes/node/stream-body.ts) and the upstream answer dropped.
  const fail = (err: unknown): never => {
    if (failed) throw err;
    failed = { err };
    if (!reported) {
      reported = true;
      watch.onError(err);
    }
    if (!upstreamDone) reader.cancel(err).catch(() => {});
    throw err;
  };
  // Each read is one upstream read and a synchronous step over its result (no async frames: on a
  // token stream this runs once per event, and each promise layer costs there). A rewriting read
  // that completes no event reads on.
  const stripper = watch.stripUsage || watch.wholeEvents ? new UsageStripper(watch.stripUsage === true) : undefined;
  const step = (r: ReadableStreamReadResult<Uint8Array>): ReadableStreamReadResult<Uint8Array> | Promise<ReadableStreamReadResult<Uint8Array>> => {
    try {
      const out = afterRead(r);
      if (out === undefined) return pull();
      return stripper ? stripped(out) : out;
    } catch (err) {
      return fail(err);
    }
  };
  // What the client gets of one result once the usage it did not ask for is out; a read that sent
  // nothing (the usage chunk alone) reads on. At the upstream's end, what the stripper held goes too.
  const stripped = (out: ReadableStreamReadResult<Uint8Array>): ReadableStreamReadResult<Uint8Array> | Promise<ReadableStreamReadResult<Uint8Array>> => {
    let v = out.done ? EMPTY : stripper!.push(out.value);
    if (ended) {
      const rest = stripper!.finish();
      if (rest.byteLength) v = v.byteLength ? concat(v, rest) : rest;
    }
    if (v.byteLength) return !out.done && v === out.value ? out : chunk(v);
    return ended ? DONE : pull();
  };
  const upstreamFailed = (err: unknown): ReadableStreamReadResult<Uint8Array> => {
    try {
      return readFailed(err);
    } catch (e) {
      return fail(e);
    }
  };
  // A read that throws instead of rejecting fails as a rejected one would.
  const pull = (): Promise<ReadableStreamReadResult<Uint8Array>> => {
    // After [DONE] the answer ends here, once the upstream's has (or a moment passed): what it still sends is dropped.
    if (doneSeen && !ended) return endAfterDone(reader).then(() => step(DONE));
    let p: Promise<ReadableStreamReadResult<Uint8Array>>;
    try {
      p = reader.read();
    } catch (err) {
      p = Promise.reject(err);
    }
    return p.then(step, upstreamFailed);
  };
  return {
    read() {
      if (failed) return Promise.reject(failed.err);
      if (ended) return Promise.resolve(DONE);
      return pull();
    },
    // Once the answer is over (ended, failed) the upstream reader is not cancelled: a cancel of a
    // finished stream is a no-op for a ReadableStream too. Before that, a cancel (the client left)
    // is the answer's end as well: onError reports it, or the request would go unlogged and uncounted.
    cancel(reason) {
      if (ended || failed) return Promise.resolve();
      // After [DONE] the answer is whole, and after an error event it is over (vLLM's [DONE] follows
      // it; the openai SDK raises it and closes its connection): a client that leaves then ends it.
      if (doneSeen || tapped?.errored || (tail && hasErrorEvent(tail.text()))) {
        try {
          afterRead(DONE);
        } catch (err) {
          if (!reported) {
            reported = true;
            watch.onError(err);
          }
        }
        return reader.cancel(reason).catch(() => {});
      }
      ended = true;
      reported = true;
      watch.onError(reason, true);
      return reader.cancel(reason);
    },
  };

  /** The upstream read failed: the answer ends with the watch's last event, or fails as the read did. */
  function readFailed(err: unknown): ReadableStreamReadResult<Uint8Array> {
    // Cancelled while this read waited: the cancel has reported the answer's end already.
    if (ended) return DONE;
    upstreamDone = reported = true;
    watch.onError(err);
    const last = watch.endWith?.(err);
    if (last === undefined) {
      failed = { err };
      throw err;
    }
    ended = true;
    // A partial event the stripper holds is dropped (the client never had it); one the client already
    // has is ended first, so the added event stands alone.
    return chunk(ENCODER.encode(stripper?.dropHeld() || atBoundary() ? last : `\n\n${last}`));
  }

  /** Whether the cleanly ended answer is whole (watch.whole), by the last data event split or in the tail. */
  function isWhole(tailText: string | undefined): boolean {
    const ev = tailText === undefined ? lastData : lastDataEvent(tailText, !tail!.dropped);
    return ev === null || watch.whole!(ev);
  }

  /** A clean end before the answer was whole: reported and ended as a failed read (readFailed). */
  function cutShort(out: string | undefined, boundary: boolean): ReadableStreamReadResult<Uint8Array> {
    const err = new UpstreamIncompleteError();
    reported = true;
    watch.onError(err);
    const last = watch.endWith?.(err);
    if (last === undefined) {
      failed = { err };
      throw err;
    }
    // What the taps still had goes first; a partial event the stripper holds is dropped.
    const head = rewrite && out !== undefined ? `${out}\n\n` : '';
    return chunk(ENCODER.encode(head + (rewrite || stripper?.dropHeld() || boundary ? last : `\n\n${last}`)));
  }

  /** The next bytes for the client from one upstream read; undefined when a rewriting read completed no event. */
  function afterRead(r: ReadableStreamReadResult<Uint8Array>): ReadableStreamReadResult<Uint8Array> | undefined {
    // A web stream's reader ends a pending read as done on cancel: that is the client's leave
    // (reported by cancel), not the upstream's end, so no onEnd and no done taps on a cut answer.
    if (ended) return DONE;
    if (r.done) {
      ended = upstreamDone = true;
      const boundary = atBoundary();
      const rest = splitter?.finish();
      if (rest?.includes('data:')) lastData = rest;
      let out = rest ? tapped!.event(rest) : undefined;
      // An upstream that ends without [DONE]: what the taps hold still goes out.
      const held = tapped?.end();
      if (held) out = out === undefined ? held.slice(0, -2) : `${out}\n\n${held.slice(0, -2)}`;
      const tailText = tail?.text();
      last = tailText !== undefined ? (findUsage(tailText) ?? tapped?.last) : tapped!.last;
      // Without taps only the tail is kept: an error event is the answer's last one, so it is there.
      const errored = (tapped?.errored ?? false) || (tailText !== undefined && hasErrorEvent(tailText));
      if (!errored && watch.whole && !isWhole(tailText)) return cutShort(out, boundary);
      // The events as the client got them (after any tap rewrote chunks); an unparseable event
      // makes the answer unassemblable, so nothing is stored from it.
      const events = tapped?.events ?? [];
      const completion = tapped && keep ? assembleChunks(events) : undefined;
      reported = true;
      watch.onEnd({ events, last, completion, oversized: tapped ? !tapped.recording : false, errored });
      return rewrite && out !== undefined ? chunk(ENCODER.encode(`${out}\n\n`)) : DONE;
    }
    if (first && (!watch.firstData || holdsDataLine(r.value))) {
      first = false;
      watch.onFirstByte();
    }
    if (tail) {
      tail.push(r.value);
      if (spotter?.push(r.value)) doneSeen = true;
      return r;
    }
    let out = '';
    for (const ev of splitter!.push(decoder!.decode(r.value))) {
      if (ev.includes('data:')) lastData = ev;
      if (spotter && isDoneEvent(ev)) doneSeen = true;
      out += `${tapped!.event(ev)}\n\n`;
    }
    if (!rewrite) {
      // Only recorded, and too long to record (an event that never ends counts): read on as an
      // uncollected answer, whose tail still gives the usage.
      tapped!.limit(splitter!.pendingLength);
      if (!tapped!.recording) {
        splitter!.finish();
        tail = new ByteTail();
        tail.dropped = true;
        tail.push(r.value);
      }
      return r;
    }
    const released = releaseOversized(splitter!, tapped!);
    if (released !== undefined) {
      // What this read completed, what the taps held, the held event, then a character cut at the
      // end of this read: from here on the answer is an uncollected one (its tail gives the usage).
      const value = decoder!.encodeThenCut(out + released);
      rewrite = false;
      tail = new ByteTail();
      tail.dropped = true;
      tail.push(value);
      watch.onRewriteStopped?.();
      return chunk(value);
    }
    return out ? chunk(ENCODER.encode(out)) : undefined;
  }
}

const DONE: ReadableStreamReadResult<Uint8Array> = { done: true, value: undefined };
const EMPTY = new Uint8Array(0);

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const all = new Uint8Array(a.byteLength + b.byteLength);
  all.set(a);
  all.set(b, a.byteLength);
  return all;
}
const ENCODER = new TextEncoder();
const DECODER = new TextDecoder();
const TAIL_BYTES = 4096;

/**
 * The last chunks of an answer, at least TAIL_BYTES of them (whole chunks: the bytes are not copied;
 * the client's write holds the same chunks anyway). A character split at the front decodes as U+FFFD,
 * which findUsage never needs: it looks for the last `data:` line carrying "usage".
 */
export class ByteTail {
  private chunks: Uint8Array[] = [];
  private bytes = 0;
  /** Chunks were let go: the text may begin inside an event. */
  dropped = false;

  push(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.bytes += chunk.byteLength;
    while (this.bytes - this.chunks[0]!.byteLength >= TAIL_BYTES) {
      this.bytes -= this.chunks.shift()!.byteLength;
      this.dropped = true;
    }
  }

  text(): string {
    if (this.chunks.length === 1) return DECODER.decode(this.chunks[0]);
    const all = new Uint8Array(this.bytes);
    let at = 0;
    for (const c of this.chunks) {
      all.set(c, at);
      at += c.byteLength;
    }
    return DECODER.decode(all);
  }
}

/** Whether a data line of `tail` is an error object (isErrorChunk); only lines naming "error" are parsed. */
export function hasErrorEvent(tail: string): boolean {
  for (const line of tail.split(/\r\n|\r|\n/)) {
    if (!line.startsWith('data:') || !line.includes('"error"')) continue;
    try {
      const obj: unknown = JSON.parse(line.slice(5).trim());
      if (obj && typeof obj === 'object' && !Array.isArray(obj) && isErrorChunk(obj as Record<string, unknown>)) return true;
    } catch {
      // a partial or non-JSON line: no verdict from it
    }
  }
  return false;
}

export function findUsage(tail: string): Record<string, unknown> | undefined {
  const i = tail.lastIndexOf('"usage"');
  if (i < 0) return undefined;
  const start = tail.lastIndexOf('data:', i);
  if (start < 0) return undefined;
  const end = tail.indexOf('\n', i);
  try {
    const obj = JSON.parse(tail.slice(start + 5, end < 0 ? undefined : end).trim());
    return obj && obj.usage ? obj : undefined;
  } catch {
    return undefined;
  }
}
