// Classification API (vsr.md 2.5) on the gateway's port. Extension: an optional "model" field names
// the pack to use (e.g. "intent"); without it, intent means the configured category pack.
import type { Context, Hono } from 'hono';
import type { AppDeps } from '../deps.ts';
import { GatewayError } from '../pipeline/errors.ts';
import { parseJsonBody } from '../pipeline/request.ts';
import { checkContentEncoding, checkJsonContentType, readBodyText } from './body.ts';
import { API_CONFIDENCE_THRESHOLD, ApiError, combinedTask, elapsedMs, intentTask, piiTask, requestMeters, securityTask } from './classify-tasks.ts';
import { recordBatchDone, recordBatchError } from './batch-metrics.ts';
import { requestIdFrom } from './openai.ts';
import { NOT_IMPLEMENTED } from './endpoints.ts';
import { cancelOutcome } from './cancel-outcome.ts';
import { intentTextOfMessages } from './classify-messages.ts';

const TASK_TYPES = ['intent', 'pii', 'security', 'all'] as const;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Both shapes at once: OpenAI's {message,type,code} and the reference API's {code,message,timestamp}. */
function apiError(status: number, code: string, message: string, requestId: string): Response {
  const type = status >= 500 ? 'server_error' : status === 413 || status === 415 || status === 400 ? 'invalid_request_error' : 'api_error';
  return new Response(JSON.stringify({ error: { message, type, code, timestamp: new Date().toISOString() } }), {
    status,
    headers: { 'content-type': 'application/json', 'x-request-id': requestId },
  });
}

async function readRequest(c: Context, deps: AppDeps): Promise<Record<string, unknown>> {
  checkJsonContentType(c.req.header('content-type'));
  checkContentEncoding(c.req.header('content-encoding'), c.req.header('transfer-encoding'));
  const raw = parseJsonBody(await readBodyText(c.req.raw, deps.config.server.max_body_bytes));
  if (!isObject(raw)) throw new ApiError(400, 'INVALID_INPUT', 'The request body must be a JSON object.');
  // null and "" are unset, as a Go client of the reference sends unset fields (nil pointer, no
  // omitempty). An auto name ("MoM"; the reference's newer API takes the routing model there) is the
  // router's own classifier, the default pack.
  for (const k of ['model', 'options', 'tasks', 'task_type'] as const) if (raw[k] === null || raw[k] === '') delete raw[k];
  if (typeof raw.model === 'string' && deps.config.routing.auto_model_names.includes(raw.model)) delete raw.model;
  if (raw.model !== undefined && (typeof raw.model !== 'string' || !raw.model)) throw new ApiError(400, 'INVALID_INPUT', "'model' must be a pack name.");
  if (raw.options !== undefined && !isObject(raw.options)) throw new ApiError(400, 'INVALID_INPUT', "'options' must be an object.");
  return raw;
}

/**
 * The text /classify/intent classifies: with chat `messages` (the reference's newer API), theirs, and
 * `text` only when they hold none, as the reference resolves a request with both; else `text`.
 * Before, `text` won when both came.
 */
function intentTextOf(body: Record<string, unknown>): string {
  if (Array.isArray(body.messages) && body.messages.length) {
    const text = intentTextOfMessages(body.messages);
    if (text) return text;
    if (body.text === undefined || body.text === null || body.text === '') throw new ApiError(400, 'INVALID_INPUT', "'messages' holds no text to classify.");
  }
  return textOf(body);
}

function textOf(body: Record<string, unknown>): string {
  if (typeof body.text !== 'string' || !body.text.trim()) throw new ApiError(400, 'INVALID_INPUT', "'text' must be a non-empty string.");
  return body.text;
}

function handle(
  deps: AppDeps,
  path: string,
  fn: (body: Record<string, unknown>, opts: Record<string, unknown>, pack?: string) => Promise<unknown>,
  onError?: (err: unknown) => void,
) {
  return async (c: Context) => {
    // Echoed (or made) as on the chat endpoint, so a client can tie an answer to its logs.
    const id = requestIdFrom(c.req.header('x-request-id'));
    // Taken before the first await (as on chat), so a client that leaves while its body is read is seen.
    const signal = deps.clientSignal?.(c.env) ?? c.req.raw.signal;
    const t0 = deps.clock.now();
    let texts: number | undefined;
    const res = await (async () => {
      try {
        const body = await readRequest(c, deps);
        texts = Array.isArray(body.texts) ? body.texts.length : typeof body.text === 'string' ? 1 : undefined;
        return c.json(await fn(body, (body.options as Record<string, unknown>) ?? {}, body.model as string | undefined), 200, { 'x-request-id': id });
      } catch (err) {
        // A client that left mid-upload is a cancellation (logged below as 499), and a body the server's
        // request timeout cut a 408, not a failed classification (cancel-outcome.ts).
        if (signal?.aborted || (err as { code?: string } | undefined)?.code === 'ECONNRESET') {
          const o = cancelOutcome(signal);
          return apiError(o.status, o.code, o.message, id);
        }
        onError?.(err);
        if (err instanceof ApiError) return apiError(err.status, err.code, err.message, id);
        if (err instanceof GatewayError) return apiError(err.status, err.status === 400 ? 'INVALID_INPUT' : String(err.code), err.message, id);
        deps.logger.error({ request_id: id, err: err instanceof Error ? err.name : 'error', path }, 'classification failed');
        return apiError(500, 'UNIFIED_CLASSIFICATION_ERROR', 'Classification failed.', id);
      }
    })();
    // One line per API request, as for chat: the access log an operator reads (never the text).
    const total = Math.round((deps.clock.now() - t0) * 1000) / 1000;
    deps.logger.info({ event: 'classify', request_id: id, path, status: res.status, ...(texts !== undefined ? { texts } : {}), latency_ms: { total } }, 'classify');
    return res;
  };
}

export function registerClassify(app: Hono, deps: AppDeps): void {
  for (const { method, path } of NOT_IMPLEMENTED) {
    app.on(method, path, (c) => apiError(501, 'NOT_IMPLEMENTED', `${method} ${path} is not implemented.`, requestIdFrom(c.req.header('x-request-id'))));
  }
  const maxBatch = deps.config.api.batch_classification.max_batch_size;
  app.post('/api/v1/classify/intent', handle(deps, '/api/v1/classify/intent', (b, o, p) => intentTask(deps, intentTextOf(b), o, p)));
  app.post('/api/v1/classify/pii', handle(deps, '/api/v1/classify/pii', (b, o, p) => piiTask(deps, textOf(b), o, p)));
  app.post('/api/v1/classify/security', handle(deps, '/api/v1/classify/security', (b, o, p) => securityTask(deps, textOf(b), o, p)));
  app.post(
    '/api/v1/classify/combined',
    handle(deps, '/api/v1/classify/combined', (b, o, p) => {
      const tasks = b.tasks === undefined ? ['intent', 'pii', 'security'] : b.tasks;
      if (!Array.isArray(tasks) || tasks.length === 0 || tasks.some((t) => !['intent', 'pii', 'security'].includes(t as string))) {
        throw new ApiError(400, 'INVALID_INPUT', "'tasks' must be a non-empty list of intent, pii, security.");
      }
      return combinedTask(deps, textOf(b), tasks as string[], o, p);
    }),
  );
  app.post(
    '/api/v1/classify/batch',
    handle(deps, '/api/v1/classify/batch', async (b, o, p) => {
      const texts = b.texts;
      if (texts === undefined) throw new ApiError(400, 'INVALID_INPUT', "'texts' is required.", 'missing_texts_field');
      if (!Array.isArray(texts) || texts.length === 0) throw new ApiError(400, 'INVALID_INPUT', "'texts' must be a non-empty array.", 'empty_texts');
      if (texts.length > maxBatch) throw new ApiError(400, 'INVALID_INPUT', `batch size ${texts.length} exceeds max_batch_size ${maxBatch}.`, 'batch_too_large');
      const badAt = texts.findIndex((t) => typeof t !== 'string' || !t.trim());
      if (badAt >= 0) throw new ApiError(400, 'INVALID_INPUT', `texts[${badAt}]: every entry of 'texts' must be a non-empty string.`, 'invalid_texts');
      // "" is unset (readRequest), as the reference reads it: a Go client without omitempty always sends the field.
      const taskType = b.task_type ?? 'intent';
      if (!TASK_TYPES.includes(taskType as (typeof TASK_TYPES)[number])) {
        throw new ApiError(400, 'INVALID_TASK_TYPE', `task_type must be one of ${TASK_TYPES.join(', ')}.`, 'invalid_task_type');
      }
      const t0 = deps.clock.now();
      // One request, one scan budget (prompt_guard.budget), as for a chat request's texts: with one per
      // text, 50 texts of 199k characters bought 50 PII budgets (~18 s of one core). Past it: 413.
      const meters = requestMeters(deps);
      const results: Record<string, unknown>[] = [];
      for (const text of texts as string[]) {
        if (taskType === 'intent') {
          const r = await intentTask(deps, text, o, p);
          const cls = r.classification as { category: string; confidence: number; processing_time_ms: number };
          results.push({ ...cls, ...(r.probabilities ? { probabilities: r.probabilities } : {}) });
        } else if (taskType === 'pii') results.push(piiRow(await piiTask(deps, text, o, undefined, meters.pii)));
        else if (taskType === 'security') results.push(securityRow(await securityTask(deps, text, o, undefined, meters.security)));
        else results.push(allRow(await combinedTask(deps, text, ['intent', 'pii', 'security'], o, p, meters)));
      }
      recordBatchDone(deps, texts.length, (deps.clock.now() - t0) / 1000);
      return { results, total_count: results.length, processing_time_ms: elapsedMs(deps, t0), statistics: statistics(results, taskType as string) };
    }, (err) => recordBatchError(deps, batchErrorType(err))),
  );
}

// Every batch row starts with the reference's {category, confidence, processing_time_ms} (vsr.md 2.5),
// whatever the task; the task's own fields follow. Category names are the reference's: the first PII
// type or no_pii; the threat type or safe.
function piiRow(r: Awaited<ReturnType<typeof piiTask>>) {
  const first = r.entities[0];
  const confidence = r.entities.reduce((m, e) => Math.max(m, e.confidence), 0);
  return { category: first?.type ?? 'no_pii', confidence, ...r };
}

function securityRow(r: Awaited<ReturnType<typeof securityTask>>) {
  return { category: r.is_jailbreak ? (r.detection_types[0] ?? 'jailbreak') : 'safe', ...r };
}

function allRow(r: Awaited<ReturnType<typeof combinedTask>>) {
  const cls = (r.intent?.classification ?? {}) as { category?: string; confidence?: number };
  return { category: cls.category, confidence: cls.confidence, ...r };
}

/** error_type label of a refused or failed batch (the reference's names where it has one). */
function batchErrorType(err: unknown): string {
  if (err instanceof ApiError) return err.reason ?? (err.status >= 500 ? (err.status === 503 ? 'classifier_unavailable' : 'classification_failed') : 'invalid_input');
  if (err instanceof GatewayError) return err.status === 400 ? 'invalid_json' : String(err.code);
  return 'classification_failed';
}

function statistics(results: Record<string, unknown>[], taskType: string) {
  const dist: Record<string, number> = {};
  let sum = 0;
  let low = 0;
  for (const r of results) {
    const cls = (taskType === 'all' ? ((r.intent as Record<string, unknown>)?.classification as Record<string, unknown>) : r) as { category?: string; confidence?: number };
    if (cls?.category === undefined) continue;
    dist[cls.category] = (dist[cls.category] ?? 0) + 1;
    sum += cls.confidence ?? 0;
    if ((cls.confidence ?? 0) < API_CONFIDENCE_THRESHOLD) low++;
  }
  const n = Object.values(dist).reduce((a, b) => a + b, 0);
  return { category_distribution: dist, avg_confidence: n ? sum / n : 0, low_confidence_count: low };
}
