// A request body that ext_proc judged is not what would reach the upstream: the gateway's answer to a
// body that is no JSON document (400 invalid_json) goes instead, with a warning saying which case.
// 'after': bytes past the end of the document a STREAMED body was judged on (held-body.ts); they would
// follow the judged body upstream, unread. 'trailers': held STREAMED chunks that ended in request
// trailers before their document closed; no trailers answer can carry them, so the upstream would get
// an empty body. Either way the gateway, reading the same bytes, answers 400.
import type { Logger, Metrics } from '../../../src/observability/types.ts';
import { requestIdFrom } from '../../../src/api/openai.ts';
import { errorBody } from '../../../src/pipeline/errors.ts';
import type { AnswerMeter } from './answer-meter.ts';
import { immediateResponse } from './wire.ts';

const SAID = {
  after: 'ext_proc: a STREAMED request body went on past the end of its JSON document; refused 400 invalid_json',
  trailers: 'ext_proc: a STREAMED request body ended in trailers before its JSON document did; refused 400 invalid_json (held chunks cannot follow the trailers)',
};

/** Counted as the gateway's parse error (on the forwarded request's meter when it went on), then answered. */
export function notWholeBody(headers: Record<string, string>, why: keyof typeof SAID, o: { logger: Logger; metrics: Metrics; count(outcome: string): void; meter?: AnswerMeter }): ReturnType<typeof immediateResponse> {
  o.count('respond');
  if (o.meter) o.meter.replaced(400, 'parse_error');
  else o.metrics.inc('llm_request_errors_total', { model: 'unknown', reason: 'parse_error' });
  const logger = o.logger;
  const requestId = requestIdFrom(headers['x-request-id']);
  logger.warn({ request_id: requestId }, SAID[why]);
  return immediateResponse({
    status: 400,
    headers: { 'x-request-id': requestId },
    contentType: 'application/json',
    body: errorBody('We could not parse the JSON body of your request.', 'invalid_request_error', 'invalid_json'),
    reason: 'invalid_json',
  });
}
