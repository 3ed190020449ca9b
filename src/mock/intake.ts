// What every mock inference route does before it answers: read the JSON body, record the request,
// honour the test switches (x-mock-delay-ms, x-mock-status), and answer 404 for a model no engine
// serves, as the Production Stack router does.
import { json } from 'itty-router';

export interface MockRequestRecord {
  /** The path asked for (the chat route, /v1/completions, /v1/embeddings). */
  path: string;
  headers: Record<string, string>;
  body: Record<string, unknown>;
  /** The body's text as received (what `body` cannot show: an integer beyond 2^53, key order, spacing). */
  raw: string;
  model: string;
  stream: boolean;
  /** Set when the reader went away before the answer was complete (the gateway cancelled), during x-mock-delay-ms included. */
  cancelled?: boolean;
  /** Set when the whole answer was written. */
  completed?: boolean;
}

export interface MockOptions {
  models?: string[];
  delayMs?: number;
  chunkDelayMs?: number;
  status?: number;
  /** Most records kept in `requests` (oldest dropped). */
  keep?: number;
}

export const DEFAULT_MOCK_MODELS = ['qwen3', 'deepseek-v3', 'gpt-oss-20b', 'Model-A', 'Model-B'];

export const sleep = (ms: number, signal?: AbortSignal) =>
  ms > 0 && !signal?.aborted
    ? new Promise<void>((r) => {
        const done = () => {
          clearTimeout(t);
          signal?.removeEventListener('abort', done);
          r();
        };
        const t = setTimeout(done, ms);
        signal?.addEventListener('abort', done, { once: true });
      })
    : Promise.resolve();

/** vLLM's 400 for a body its request model refuses. */
export const badRequest = (message: string, headers: Record<string, string> = {}) =>
  json({ error: { message, type: 'BadRequestError', param: null, code: 400 } }, { status: 400, headers });

export const num = (v: string | null, dflt = 0) => (v !== null && Number.isFinite(Number(v)) ? Number(v) : dflt);

export interface Intake {
  record: MockRequestRecord;
  body: Record<string, unknown>;
  model: string;
  stream: boolean;
  /** The request id to echo, when the request carried one. */
  idHeader: Record<string, string>;
}

/** The request read and recorded, or the answer the switches (or an unserved model) call for. */
export async function intake(req: Request, requests: MockRequestRecord[], options: MockOptions): Promise<Intake | Response> {
  const headers: Record<string, string> = {};
  req.headers.forEach((v, k) => (headers[k] = v));
  const idHeader: Record<string, string> = headers['x-request-id'] ? { 'x-request-id': headers['x-request-id'] } : {};
  let body: Record<string, unknown>;
  let raw = '';
  try {
    raw = await req.text();
    body = JSON.parse(raw) as Record<string, unknown>;
  } catch {
    return badRequest('Invalid JSON body', idHeader);
  }
  // vLLM's request models read an object only (null, a list or a string is its 400); reading one
  // threw here, a 500 that hid the gateway's own 500s from the tests that drive it with bad input.
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return badRequest('Input should be a valid dictionary or object to extract fields from', idHeader);
  }
  const model = String(body.model ?? '');
  const stream = body.stream === true;
  const record: MockRequestRecord = { path: new URL(req.url).pathname, headers, body, raw, model, stream };
  requests.push(record);
  if (requests.length > (options.keep ?? 1000)) requests.shift();

  await sleep(num(req.headers.get('x-mock-delay-ms'), options.delayMs ?? 0), req.signal);
  if (req.signal?.aborted) {
    record.cancelled = true;
    return new Response(null, { status: 499 });
  }
  const status = num(req.headers.get('x-mock-status'), options.status ?? 0);
  if (status >= 400) {
    return json({ error: { message: `Mock failure with status ${status}`, type: 'MockError', code: status } }, { status, headers: idHeader });
  }
  if (!(options.models ?? DEFAULT_MOCK_MODELS).includes(model)) {
    // The Production Stack router's answer for a model no engine serves.
    return json({ error: `Model ${model} not found or vLLM engine is sleeping.` }, { status: 404, headers: idHeader });
  }
  return { record, body, model, stream, idHeader };
}
