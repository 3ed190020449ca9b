// A chat answer the gateway reads as JSON but ext_proc's head check did not: compressed (content-encoding
// gzip, deflate, br; accept-encoding is not sent upstream, but a proxy between may compress anyway), or
// under another content type (none, text/plain: a proxy that drops or rewrites it). The HTTP gateway's
// upstream client decodes the first and parses any 2xx answer that is no event stream, so the PII
// restore, the usage and the cache read it and its client gets it plain, as application/json. Behind
// Envoy the client got the placeholders (its own e-mail address never restored) and no tokens were
// counted. Where Envoy sends the answer whole and holds its head for it (BUFFERED, or BUFFERED_PARTIAL
// with end_of_stream), a header mutation in the body's answer applies to that head: a coded answer is
// decoded, judged as a plain one and sent plain (content-encoding removed, content-length set), and one
// that parses is said to be application/json. In STREAMED chunks the head has gone on: a coded answer
// is read there by coded-json-chunks.ts (its head told then), one under another type is read but keeps
// the type its head said.
import { decodedBody } from './body-decode.ts';
import { judgeJsonAnswer, REPLY_ROOM, type JsonAnswer } from './json-answer.ts';
import { continueResponseBody, headerMutation, type ProcessingResponse } from './wire.ts';

/** What the answer's head said: its content-encoding (undefined: identity), and whether its type is JSON. */
export interface AnswerHead {
  coding?: string;
  json: boolean;
}

/** judgeJsonAnswer for an answer with this head, in Envoy's body `mode`, `end` its end_of_stream. */
export async function judgeCodedJson(a: JsonAnswer, head: AnswerHead | undefined, mode: string | undefined, end: boolean): Promise<ProcessingResponse> {
  const held = (mode === 'BUFFERED' || (mode === 'BUFFERED_PARTIAL' && end)) && !a.guessed && head !== undefined;
  const coding = head?.coding;
  // A coding the gateway does not decode either, a body that does not decode, or past one message: as it came.
  const d = coding && held ? await decodedBody(a.body, coding, a.maxMessageBytes - REPLY_ROOM) : undefined;
  if (coding && (!d || d.cut)) return judgeJsonAnswer(a);
  const plain = d ? d.bytes : a.body;
  const r = await judgeJsonAnswer(d ? { ...a, body: plain, held: true } : a);
  const common = r.response_body?.response;
  if (!common) return r; // an answer of ours (immediate_response)
  const retype = held && !head.json && parses(plain);
  if (!d && !retype) return r;
  const body = common.body_mutation?.body ?? plain;
  const drop = new Set(['content-length', ...(retype ? ['content-type'] : [])]);
  const kept = (common.header_mutation?.set_headers ?? []).filter((o) => !drop.has(o.header?.key ?? ''));
  const m = headerMutation({ 'content-length': String(body.byteLength), ...(retype ? { 'content-type': 'application/json' } : {}) }, d ? ['content-encoding'] : []);
  return continueResponseBody({ header_mutation: { set_headers: [...kept, ...(m.set_headers ?? [])], remove_headers: m.remove_headers }, body_mutation: { body } });
}

function parses(bytes: Uint8Array): boolean {
  try {
    const v: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return typeof v === 'object' && v !== null;
  } catch {
    return false;
  }
}
