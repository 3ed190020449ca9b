// One ext_proc stream = one HTTP request/response through Envoy. Envoy sends request headers, then
// (BUFFERED) one request body, then response headers and maybe a response body; each message gets
// exactly one answer, in order. This file is the state machine; the pipeline does the deciding.
import type { Logger, Metrics } from '../../../src/observability/types.ts';
import type { DoneAnswer } from '../../../src/pipeline/context.ts';
import { startDoneTaps } from '../../../src/pipeline/done-taps.ts';
import type { ChatOutcome, ExtProcPipeline } from './port.ts';
import { judgeChat } from './chat-body.ts';
import { boundedRewriter, type SseRewriter } from './sse-rewrite.ts';
import { answerBodyComesBack, bodyMayCome } from './stream-usage.ts';
import { headFromBody, warnSkippedHead, warnSkippedRequestHead } from './skipped-head.ts';
import { HeldBody } from './held-body.ts';
import { StreamReply } from './stream-reply.ts';
import { CodedStreamReply, decodable, readerReply, type StreamReader } from './stream-coded.ts';
import { CodedPartialReply } from './coded-partial.ts';
import { codedJsonReader } from './coded-json-chunks.ts';
import { forwardHeaders } from './forward-headers.ts';
import { readRequestHead, unsendableBody } from './request-head.ts';
import { notWholeBody } from './request-end.ts';
import { FullDuplexReplies, isFullDuplex, type Replies } from './body-modes.ts';
import { heldAnswerBound, outgrown, REPLY_ROOM } from './json-answer.ts';
import { judgeCodedJson, type AnswerHead } from './coded-json.ts';
import { enginePath, type Route } from './routes.ts';
import { judgeGeneration, unreadAnswerHead, type GenerationPass } from './generation-body.ts';
import { onTrailers, type TrailersState } from './exchange-trailers.ts';
import { isFinal, onStreamClose } from './stream-close.ts';
import { continueRequestBody, continueResponseBody, continueResponseHeaders, decodeHeaders, headerMutation, type ProcessingRequest, type ProcessingResponse } from './wire.ts';
import { errorAnswerAt, type ErrorAnswer } from './error-answer.ts';

export interface ExchangeOptions {
  clearRouteCache: boolean;
  destinationHeader: string;
  rewritePath: boolean;
  /** server.max_body_bytes: request chunks held past it are judged at once (413). */
  maxBodyBytes?: number;
  /** extproc.allow_mode_override: Envoy honours mode_override (stream-usage.ts). */
  modeOverride?: boolean;
  logger: Logger;
  metrics: Metrics;
  /** The gRPC message limit (extproc.max_message_bytes): what the SSE rewriter may send in one reply. */
  maxMessageBytes: number;
  /** Keeps the stream's deps (the cache) alive for done taps still running after its last reply (AppDeps.waitUntil). */
  waitUntil?(work: Promise<unknown>): void;
}

/**
 * An answer to send, 'end' to close the stream cleanly (Envoy then carries on without us), or 'fail'
 * to end it with a gRPC error: Envoy's failure_mode_allow then decides (true: on unchanged; false: 500).
 * Several answers, in order, in full duplex (body-modes.ts).
 */
export type ExchangeReply = Replies;

type Forward = Extract<ChatOutcome, { kind: 'forward' }>;

export function createExchange(pipeline: ExtProcPipeline, opts: ExchangeOptions, signal: AbortSignal) {
  let route: Route = 'other';
  let requestHeaders: Record<string, string> = {};
  const requestBody = new HeldBody(opts.maxBodyBytes ?? Number.POSITIVE_INFINITY);
  // A JSON answer the taps read whole; held up to what one gRPC answer can still carry (json-answer.ts).
  const answerBody = new HeldBody(heldAnswerBound(opts.maxMessageBytes));
  let answerJudged = false;
  // The answer outgrew that: the rest goes by unread, and its end is accounted when it comes.
  let answerUnread = false;
  // The answer's body mode when semroute asked for one (mode_override), else Envoy's own (modes).
  let answerMode: string | undefined;
  // The body was judged (whole, or all Envoy will send): later messages go on untouched.
  let judged = false;
  let forwarded: Forward | undefined;
  let responseStatus = 0;
  let responseIsJson = false;
  let answerHead: AnswerHead | undefined; // its coding and content type, for a JSON answer read whole (coded-json.ts)
  // An event stream answered to a client that asked for JSON, assembled into one (stream-answer.ts).
  let assembling = false;
  let generation: string | undefined;
  // A generation route's body that went on: headers for its answer, and its answer's accounting.
  let generationPassed: GenerationPass | undefined;
  let sseRewrite: SseRewriter | undefined;
  // Envoy's body modes for this stream, when it says them (protocol_config, in its first message).
  let modes: { request_body_mode?: string; response_body_mode?: string } | undefined;
  // A chat event stream read here (stream-reply.ts): taps, usage taken out, the clean-end check.
  let streamed: StreamReader | undefined;
  let wholeInOne = false;
  let responseHeadersSeen = false;
  let requestHeadersSeen = false;
  // Response headers skipped and the body JSON: its status is read from it (skipped-head.ts).
  let guessedJson = false;
  let responseBodySeen = false;
  // An upstream error answer, rewritten as the gateway rewrites it (error-answer.ts).
  let errorAnswer: ErrorAnswer | undefined;

  // Envoy honours mode_override (declared), except in full duplex, where no mode is asked for (body-modes.ts).
  const overrides = () => opts.modeOverride === true && !isFullDuplex(modes?.request_body_mode) && !isFullDuplex(modes?.response_body_mode);
  const count = (outcome: string) => opts.metrics.inc('semroute_extproc_requests_total', { outcome });
  // Envoy closed the stream (stream-close.ts); mid-judgement, a forward that never went on is cancelled in onMessage.
  const meter = () => forwarded?.meter ?? generationPassed?.meter;
  const routed = () => route === 'chat' || route === 'generate';
  let decided = false;
  signal.addEventListener('abort', () => {
    const nothingMore = decided && modes?.response_body_mode === 'NONE' && !overrides() && !responseHeadersSeen && !responseBodySeen;
    const bodyDue = modes?.request_body_mode ? modes.request_body_mode !== 'NONE' : requestBody.bytes > 0;
    if (!judged || decided || !routed()) onStreamClose({ meter: meter(), undecided: routed() && requestHeadersSeen && !decided && bodyDue, nothingMore, headers: requestHeaders }, opts);
  }, { once: true });

  async function onRequestHeaders(msg: ProcessingRequest): Promise<ExchangeReply> {
    requestHeadersSeen = true;
    const head = await readRequestHead(msg, pipeline, { ...opts, bodyMode: modes?.request_body_mode, responseBodyMode: modes?.response_body_mode, count });
    [requestHeaders, route, generation] = [head.headers, head.route, head.generation];
    // No body comes (end_of_stream on the headers): judged as the empty body it is, as the gateway reads
    // it (chat's 400 invalid_json while a guard is on; a generation route counted, its answer accounted).
    if (msg.request_headers?.end_of_stream && (route === 'chat' || route === 'generate') && head.reply !== 'fail') {
      const r = await onRequestBody({ request: 'request_body', request_body: { end_of_stream: true } });
      if (r === 'fail' || (typeof r === 'object' && !Array.isArray(r) && r.immediate_response)) return r;
    }
    return head.reply;
  }

  async function onRequestBody(msg: ProcessingRequest): Promise<ExchangeReply> {
    if (!requestHeadersSeen) {
      // request_header_mode SKIP: the route is unknown, the body goes on unread (skipped-head.ts).
      requestHeadersSeen = judged = true;
      warnSkippedRequestHead(opts.logger, count);
    }
    if (route !== 'chat' && route !== 'generate') return continueRequestBody();
    // More than whitespace after a body judged on its document's end (held-body.ts): refused as invalid JSON.
    if (judged) return requestBody.extra(msg.request_body?.body) ? notTheBody('after') : continueRequestBody();
    const step = requestBody.push(msg.request_body?.body, msg.request_body?.end_of_stream === true, modes?.request_body_mode);
    // Held chunks go on with the last answer, in one message (full duplex may send several).
    if ((step.kind === 'hold' || requestBody.held) && requestBody.bytes > opts.maxMessageBytes - REPLY_ROOM && !isFullDuplex(modes?.request_body_mode)) {
      judged = true;
      count('respond');
      return unsendableBody(requestHeaders, opts.maxMessageBytes, opts.logger, opts.metrics);
    }
    if (step.kind === 'hold') return continueRequestBody({ body_mutation: { clear_body: true } });
    judged = true;
    const incomplete = step.kind === 'partial';
    // The route's path, not :path as sent: its query string is client text (it may hold personal data).
    if (incomplete) opts.logger.warn({ path: enginePath(requestHeaders[':path'] ?? '') }, 'ext_proc: request body past Envoy\'s buffer in BUFFERED_PARTIAL mode; configure request_body_mode BUFFERED');
    if (route === 'generate') return onGenerationBody(step.body, incomplete);
    const askUsage = answerBodyComesBack(modes?.response_body_mode, overrides());
    const c = await judgeChat(pipeline, { headers: requestHeaders, body: step.body, signal, askUsage, incomplete }, { ...opts, count, fullDuplex: isFullDuplex(modes?.request_body_mode) });
    if ('reply' in c) return c.reply;
    if ('pass' in c) return passOn();
    const outcome = (forwarded = c.forward);
    return continueRequestBody({
      // (Header mutations apply in BUFFERED mode; in STREAMED the headers have gone on already.)
      header_mutation: headerMutation(forwardHeaders(outcome, opts)),
      body_mutation: { body: outcome.body },
      clear_route_cache: opts.clearRouteCache,
    });
  }

  /** The body goes on as the client sent it: as it came, or whole with this answer when chunks were held (`set`: headers for the upstream). */
  function passOn(set?: Record<string, string>, body?: Uint8Array): ProcessingResponse {
    if (body) set = { ...set, 'content-length': String(body.byteLength) }; // (applies in BUFFERED mode, as chat's)
    const header = set && Object.keys(set).length ? { header_mutation: headerMutation(set) } : {};
    const b = body ?? (requestBody.held ? requestBody.body() : undefined);
    return continueRequestBody({ ...header, ...(b ? { body_mutation: { body: b } } : {}) });
  }

  /** The body judged is not what reaches the upstream (request-end.ts): answered 400 invalid_json instead. */
  function notTheBody(why: 'after' | 'trailers'): ExchangeReply {
    return notWholeBody(requestHeaders, why, { ...opts, count, meter: forwarded?.meter });
  }

  async function onGenerationBody(body: Uint8Array, incomplete: boolean): Promise<ExchangeReply> {
    const askUsage = answerBodyComesBack(modes?.response_body_mode, overrides());
    const step = await judgeGeneration(pipeline, { headers: requestHeaders, body, signal, route: generation!, incomplete, askUsage }, opts.logger, count);
    if ('reply' in step) return step.reply;
    generationPassed = step;
    return passOn(step.traceHeaders, step.body);
  }

  function onResponseHeaders(msg: ProcessingRequest): ExchangeReply {
    responseHeadersSeen = true;
    const [headers, end] = [decodeHeaders(msg.response_headers?.headers), msg.response_headers?.end_of_stream === true];
    const res = readHead(headers, end);
    if (forwarded || generationPassed) errorAnswer = errorAnswerAt({ status: responseStatus, headers, endOfStream: end, mode: modes?.response_body_mode, overrides: overrides() }, res);
    return res;
  }

  /** The answer's head, as Envoy sent it or as its body implies (`guessed`: response headers skipped, skipped-head.ts). */
  function readHead(headers: Record<string, string>, endOfStream: boolean, guessed = false): ProcessingResponse {
    responseStatus = Number(headers[':status'] ?? 0);
    // Media types are case-insensitive (RFC 9110 8.3.1): `Text/Event-Stream` is SSE too.
    const contentType = (headers['content-type'] ?? '').toLowerCase();
    // On chat any answer but an event stream is read as JSON, as the gateway parses it (coded-json.ts).
    responseIsJson = contentType.includes('application/json') || (!!forwarded && !guessed && !contentType.includes('text/event-stream'));
    // Not forwarded by the chat pipeline: a generation route's answer, or one passed on (generation-body.ts).
    if (!forwarded) {
      // (A head taken from the body: that body is coming, in Envoy's mode, or STREAMED when it does not say.)
      const mode = guessed ? (modes?.response_body_mode ?? 'STREAMED') : modes?.response_body_mode;
      const u = unreadAnswerHead({ generate: route === 'generate', passed: generationPassed, status: responseStatus, headers, endOfStream, mode, overrides: overrides() && !guessed, route: generation });
      [streamed, wholeInOne] = [u.reply, u.whole === true];
      return u.res;
    }
    // A complete JSON answer is buffered for the taps (cache store, PII restore). An SSE answer streams:
    // in STREAMED mode through the chunk taps (PII restore) and recorded for the done taps (cache
    // store) when there are any, else untouched.
    // The meter reads a JSON answer's usage block (tokens, cost), as the reference does with its BUFFERED body.
    // A body Envoy says it will not send (response_body_mode NONE, no override honoured) is not waited for:
    // the answer is accounted at its head, or Envoy's reset at the stream's end would count a cancellation.
    const comes = guessed || bodyMayCome(modes?.response_body_mode, overrides());
    let sse = !responseIsJson && responseStatus === 200 && contentType.includes('text/event-stream');
    const coding = (headers['content-encoding'] ?? 'identity').toLowerCase();
    const plain = coding === 'identity';
    answerHead = { coding: plain ? undefined : headers['content-encoding'], json: contentType.includes('application/json') };
    // BUFFERED_PARTIAL (no STREAMED asked for, then: Envoy may honour it undeclared): a long answer's first part only.
    const partial = modes?.response_body_mode === 'BUFFERED_PARTIAL' && (!overrides() || guessed);
    // A compressed stream is read decoded (stream-coded.ts; a first part's rest passes coded: coded-partial.ts).
    const readable = plain || decodable(coding);
    // (Not in full duplex: the head, its content-type, has been answered before the body is read.)
    const duplexed = isFullDuplex(modes?.response_body_mode);
    const buffered = (modes?.response_body_mode === 'BUFFERED' || overrides()) && !duplexed;
    if (sse && plain && forwarded.streams === false && buffered && !endOfStream) [assembling, responseIsJson, sse] = [true, true, false];
    // A JSON answer's status, when guessed, is known once it is read (onResponseBody).
    guessedJson = guessed && responseIsJson && !assembling;
    if (!guessedJson) forwarded.meter?.head(responseStatus, sse);
    // An answer that says it ends in trailers (Trailer) and comes in STREAMED chunks is not held: after
    // the trailers no answer could carry the held chunks (BUFFERED, asked for or Envoy's, and full duplex can).
    const trailed = 'trailer' in headers && !overrides() && !duplexed && modes?.response_body_mode !== 'BUFFERED';
    const wantsBody = assembling || (comes && responseIsJson && responseStatus === 200 && !trailed && (forwarded.meter !== undefined || forwarded.taps.some((t) => t.json || t.done)));
    // A compressed one in chunks, its head gone on, is read decoded (coded-json-chunks.ts); one not asked for goes on unread.
    const codedJson = wantsBody && !plain && !overrides() && !guessed ? codedJsonReader(forwarded, coding, modes?.response_body_mode, responseStatus, { ...opts, runDoneTaps }) : undefined;
    answerJudged = !wantsBody || !!codedJson;
    const tapsSse = forwarded.taps.some((t) => t.chunk || t.done);
    if (comes && sse && readable && tapsSse && !endOfStream) {
      sseRewrite = boundedRewriter(forwarded.taps, opts.maxMessageBytes, opts.logger, opts.metrics, forwarded.requestId);
    }
    // Asked for on the client's behalf: read and taken out, chunk by chunk.
    const strip = !!forwarded.stripUsage && sse && readable && !endOfStream;
    // Envoy that does not honour mode_override sends the stream anyway (STREAMED, or BUFFERED: all of
    // it in one message; or it came with no head): it is checked too, as a stream read for a tap is.
    const sent = guessed || duplexed || ((modes?.response_body_mode === 'STREAMED' || modes?.response_body_mode === 'BUFFERED') && !overrides());
    const sentAnyway = sse && readable && sent && !endOfStream;
    const rewrites = StreamReply.rewrites(sseRewrite, strip);
    const mayAdd = rewrites || (plain && !('content-length' in headers));
    const reply = sseRewrite || strip || sentAnyway ? new StreamReply({ rewrite: sseRewrite, stripUsage: strip, mayAdd, partial, choices: forwarded.choices ?? 1, meter: forwarded.meter, status: responseStatus, done: (answer) => void runDoneTaps(answer) }) : undefined;
    // Rewritten, a compressed stream goes on decoded (content-encoding removed below; a first part's at its body); else coded as it came.
    const Coded = partial ? CodedPartialReply : CodedStreamReply;
    streamed = reply && !plain ? new Coded(reply, coding, rewrites, opts.maxMessageBytes - REPLY_ROOM, opts.logger, forwarded.requestId) : (reply ?? codedJson);
    const decoded = (rewrites && !plain && !partial) || !!codedJson?.plain;
    // The decision headers go on a 2xx answer only, as the reference does (vsr.md 1.1 step 8) and as the
    // HTTP gateway does (upstream/forward.ts); an error answer keeps the request id alone.
    const ok = responseStatus >= 200 && responseStatus < 300;
    const add = ok ? forwarded.responseHeaders : { 'x-request-id': forwarded.requestId };
    // Rewritten events change the body's length, so a declared one would be wrong (as a JSON answer's may
    // be in full duplex, where its head is answered before its body is read).
    const res = continueResponseHeaders(headerMutation(add, [...(rewrites || decoded || (duplexed && wantsBody) ? ['content-length'] : []), ...(decoded ? ['content-encoding'] : [])]));
    // It replaces the whole mode: trailers too, the only end of an answer that ends in them (Envoy's STREAMED read for its accounting too).
    if ((sseRewrite || strip || (sentAnyway && modes?.response_body_mode === 'STREAMED')) && !partial) res.mode_override = { response_body_mode: 'STREAMED', response_trailer_mode: 'SEND' };
    else if (!wantsBody && !streamed && !endOfStream) res.mode_override = { response_body_mode: 'NONE' };
    // Whole, as the reference reads it: STREAMED chunks would be held (held-body.ts), and an answer that
    // ends in trailers would then leave no end to send them with.
    else if (wantsBody && overrides() && !guessed) res.mode_override = { response_body_mode: (answerMode = 'BUFFERED') };
    // Envoy's BUFFERED sends the whole answer in one message (without end_of_stream when trailers
    // follow), unless it honours the STREAMED asked for (allow_mode_override, declared or not).
    wholeInOne = modes?.response_body_mode === 'BUFFERED' && !(sseRewrite || strip);
    if (endOfStream) forwarded.meter?.end();
    else if (!wantsBody && !streamed) forwarded.meter?.unseen();
    return res;
  }

  async function onResponseBody(msg: ProcessingRequest): Promise<ExchangeReply> {
    const part = msg.response_body?.body;
    const first = !responseBodySeen;
    responseBodySeen = true;
    // Response headers not sent to us (response_header_mode SKIP) but the body is: read as its head would have had it.
    if (first && (forwarded || generationPassed) && !responseHeadersSeen) {
      warnSkippedHead(opts.logger);
      const head = headFromBody(part);
      if (head) readHead(head, false, true);
      else (forwarded ?? generationPassed)?.meter?.unseen();
    }
    if (errorAnswer) return errorAnswer.reply(part, msg.response_body?.end_of_stream === true);
    // Each chunk is replaced by the events it completed; one that completed none is cleared.
    if (streamed) return readerReply(streamed, part, msg.response_body?.end_of_stream === true || wholeInOne);
    const end = msg.response_body?.end_of_stream === true;
    if (answerUnread && end) forwarded?.meter?.end();
    if (!forwarded || !responseIsJson || responseStatus !== 200 || answerJudged) return continueResponseBody();
    const mode = answerMode ?? modes?.response_body_mode;
    const step = answerBody.push(part, end, mode);
    if (step.kind === 'hold') return continueResponseBody({ body_mutation: { clear_body: true } });
    answerJudged = true;
    if (answerBody.over && !end && mode !== 'BUFFERED') {
      answerUnread = true;
      return outgrown(forwarded, step.body, answerBody.held, opts);
    }
    // Held chunks go on as they came unless a tap rewrote them; a head Envoy did not send us kept its content-length unless BUFFERED.
    const sameLength = guessedJson && mode !== 'BUFFERED';
    return judgeCodedJson({ forwarded, body: step.body, held: answerBody.held, assembling, guessed: guessedJson, sameLength, status: responseStatus, runDoneTaps, maxMessageBytes: opts.maxMessageBytes, logger: opts.logger }, answerHead, mode, end);
  }

  /** Trailers end the body that came before them (exchange-trailers.ts). */
  function onTrailersMsg(kind: 'request_trailers' | 'response_trailers'): ExchangeReply | Promise<ExchangeReply> {
    const state: TrailersState = {
      modes,
      requestUnjudged: !judged && (route === 'chat' || route === 'generate'),
      requestHeld: requestBody.held,
      unsent: () => notTheBody('trailers'),
      answerRead: forwarded !== undefined || errorAnswer !== undefined,
      jsonHeld: answerBody.held && !answerJudged,
      streamed,
      requestId: forwarded?.requestId,
      endRequestBody: () => onRequestBody({ request: 'request_body', request_body: { end_of_stream: true } }),
      endResponseBody: () => onResponseBody({ request: 'response_body', response_body: { end_of_stream: true } }),
      lostJson: () => {
        answerJudged = true;
        forwarded?.meter?.end();
      },
    };
    return onTrailers(kind, state, duplex, opts.logger);
  }

  /** Starts every done tap at once (a tap's synchronous part runs before this returns); never rejects. */
  function runDoneTaps(answer: DoneAnswer): Promise<void> {
    return startDoneTaps(forwarded!.taps, answer, opts.logger, { waitUntil: opts.waitUntil, msg: 'ext_proc: response tap failed' });
  }

  // 1 KiB of each answer left for what is not the body (the framing, the header mutation).
  const duplex = new FullDuplexReplies(() => modes, opts.maxMessageBytes - REPLY_ROOM);
  return async function onMessage(msg: ProcessingRequest): Promise<ExchangeReply> {
    // Observability mode: Envoy ignores answers, so send none.
    if (msg.observability_mode) return undefined;
    if (!modes && msg.protocol_config) modes = msg.protocol_config;
    const reply = await dispatch(msg);
    if (!decided && (decided = judged || isFinal(reply)) && signal.aborted) meter()?.cancel();
    return duplex.adapt(msg, reply, routed());
  };

  function dispatch(msg: ProcessingRequest): ExchangeReply | Promise<ExchangeReply> {
    switch (msg.request) {
      case 'request_headers':
        return onRequestHeaders(msg);
      case 'request_body':
        return onRequestBody(msg);
      case 'response_headers':
        return onResponseHeaders(msg);
      case 'response_body':
        return onResponseBody(msg);
      case 'request_trailers':
      case 'response_trailers':
        return onTrailersMsg(msg.request);
      default:
        // A message kind this build does not know: closing cleanly lets Envoy proceed without us.
        opts.logger.warn({}, 'ext_proc: message with no known request field; closing the stream');
        return 'end';
    }
  }
}
