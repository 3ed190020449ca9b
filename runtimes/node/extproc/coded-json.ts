// A compressed JSON answer (content-encoding gzip, deflate, br) on chat. accept-encoding is not sent
// upstream, but a proxy between may compress anyway; the HTTP gateway's upstream client decodes it, so
// the PII restore, the usage and the cache read it and its client gets it plain. Behind Envoy it could
// not be parsed: the client got the placeholders in the upstream's compressed bytes, and no tokens were
// counted. Where Envoy sends the answer whole and holds its head for it (BUFFERED, or BUFFERED_PARTIAL
// with end_of_stream), a header mutation in the body's answer applies to the head: the answer is
// decoded, judged as a plain one, and sent plain with content-encoding removed and its content-length
// set. In STREAMED chunks its head has gone on coded, so it goes on as it came (unread, as before).
import { decodedBody } from './body-decode.ts';
import { judgeJsonAnswer, type JsonAnswer } from './json-answer.ts';
import { continueResponseBody, headerMutation, type ProcessingResponse } from './wire.ts';

// Room in one message for what is not the body (json-answer.ts REPLY_ROOM).
const REPLY_ROOM = 1024;

/** judgeJsonAnswer for an answer under `coding` (undefined: plain), in Envoy's body `mode`, `end` its end_of_stream. */
export async function judgeCodedJson(a: JsonAnswer, coding: string | undefined, mode: string | undefined, end: boolean): Promise<ProcessingResponse> {
  const whole = mode === 'BUFFERED' || (mode === 'BUFFERED_PARTIAL' && end);
  // A coding the gateway does not decode either, a body that does not decode or past one message: as it came.
  const d = coding && whole && !a.guessed ? await decodedBody(a.body, coding, a.maxMessageBytes - REPLY_ROOM) : undefined;
  if (!d || d.cut) return judgeJsonAnswer(a);
  const r = await judgeJsonAnswer({ ...a, body: d.bytes, held: true });
  const common = r.response_body?.response;
  if (!common) return r; // an answer of ours (immediate_response)
  const body = common.body_mutation?.body ?? d.bytes;
  const set = (common.header_mutation?.set_headers ?? []).filter((o) => o.header?.key !== 'content-length');
  const m = headerMutation({ 'content-length': String(body.byteLength) }, ['content-encoding']);
  return continueResponseBody({ header_mutation: { set_headers: [...set, ...(m.set_headers ?? [])], remove_headers: m.remove_headers }, body_mutation: { body } });
}
