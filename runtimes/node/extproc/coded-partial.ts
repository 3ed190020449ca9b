// A compressed chat event stream (content-encoding gzip, deflate, br: a proxy's) in Envoy's
// BUFFERED_PARTIAL mode. Envoy buffers the answer up to its limit and holds the head meanwhile: an answer
// that fits comes whole in one message (end_of_stream), a longer one's first part comes alone and the
// rest goes to the client past ext_proc. So nothing can change at the head; the body's answer decides:
// - whole, and rewritten (PII restore): decoded (at most what one reply carries), read as a plain whole
//   stream (stream-reply.ts) and sent plain, its head changed in the same answer (content-encoding
//   removed, content-length set), as the gateway's client hands it on decoded;
// - whole, nothing rewritten (the cache store only records): the coded bytes go on as they came and the
//   decoded copy is read (the meter, the clean-end check, the cache);
// - a first part: the rest follows coded, so it goes on as it came; its decoded start is read as a plain
//   first part is (accounted there, unjudged);
// - bytes that do not decode, or decode past the cap (a bomb stops there): as they came, judged as cut.
import type { Logger } from '../../../src/observability/types.ts';
import { decodedBody } from './body-decode.ts';
import type { StreamReader } from './stream-coded.ts';
import type { StreamReply } from './stream-reply.ts';
import { headerMutation, type HeaderMutation } from './wire.ts';

const EMPTY = new Uint8Array(0);

export class CodedPartialReply implements StreamReader {
  head: HeaderMutation | undefined;
  private ended = false;

  /** `plain`: the reader rewrites, so a whole answer goes on decoded; `max`: the most text it may decode to. */
  constructor(
    private readonly reply: StreamReply,
    private readonly coding: string,
    private readonly plain: boolean,
    private readonly max: number,
    private readonly logger: Logger,
    private readonly requestId: string,
  ) {}

  async chunk(part: Uint8Array | undefined, last: boolean): Promise<Uint8Array | undefined> {
    if (this.ended) return undefined;
    this.ended = true;
    const d = (await decodedBody(part ?? new Uint8Array(0), this.coding, this.max, !last))!;
    if (last && d.cut) this.logger.warn({ request_id: this.requestId, reason: d.cut }, 'ext_proc: a compressed answer stream stopped decoding; passed on as it came, judged as cut');
    // A whole answer that does not decode is read as none (judged cut), not as the start it decoded to.
    const out = this.reply.chunk(last && d.cut ? EMPTY : d.bytes, last);
    if (!last || d.cut || !this.plain) return undefined;
    const body = out ?? d.bytes;
    // (Restored text is longer: past one reply it goes on as it came, as a plain answer's rewrite would.)
    if (body.byteLength > this.max) return undefined;
    this.head = headerMutation({ 'content-length': String(body.byteLength) }, ['content-encoding']);
    return body;
  }

  endAtTrailers(): void {
    // (BUFFERED_PARTIAL sends its one message before any trailers: nothing is left here.)
  }
}
