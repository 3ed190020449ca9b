// A mock of the vLLM Production Stack router (itty-router, runtime-agnostic): /v1/models,
// /v1/chat/completions with JSON and SSE answers naming the serving model, 404 for a model it does
// not serve. Switches for tests and dev, per request (headers) or for every request (options):
//   x-mock-delay-ms: wait before the response headers (a client that leaves meanwhile ends the wait
//     and marks the record cancelled, so tests can check the gateway cancels its upstream request)
//   x-mock-chunk-delay-ms: wait between SSE chunks
//   x-mock-status: answer with this HTTP status and an error body
//   x-mock-drop: "mid" ends the SSE stream abruptly after the first chunks
//     ("connect", closing the socket before any byte, is handled by the Node server wrapper).
import { Router, json } from 'itty-router';
import { completionChunks, completionJson, countPromptTokens } from './answers.ts';

export interface MockRequestRecord {
  headers: Record<string, string>;
  body: Record<string, unknown>;
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

export interface MockRouter {
  fetch(req: Request): Promise<Response>;
  requests: MockRequestRecord[];
  options: MockOptions;
}

const sleep = (ms: number, signal?: AbortSignal) =>
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
const num = (v: string | null, dflt = 0) => (v !== null && Number.isFinite(Number(v)) ? Number(v) : dflt);

export function createMockRouter(options: MockOptions = {}): MockRouter {
  const requests: MockRequestRecord[] = [];
  const served = () => options.models ?? DEFAULT_MOCK_MODELS;
  const router = Router();
  let seq = 0;

  router.get('/health', () => json({ status: 'healthy' }));
  router.get('/v1/models', () =>
    json({ object: 'list', data: served().map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'vllm', root: id, parent: null })) }),
  );

  router.post('/v1/chat/completions', async (req: Request) => {
    const headers: Record<string, string> = {};
    req.headers.forEach((v, k) => (headers[k] = v));
    let body: Record<string, unknown>;
    try {
      body = (await req.json()) as Record<string, unknown>;
    } catch {
      return json({ error: { message: 'Invalid JSON body', type: 'BadRequestError', code: 400 } }, { status: 400 });
    }
    const model = String(body.model ?? '');
    const stream = body.stream === true;
    const record: MockRequestRecord = { headers, body, model, stream };
    requests.push(record);
    if (requests.length > (options.keep ?? 1000)) requests.shift();

    await sleep(num(req.headers.get('x-mock-delay-ms'), options.delayMs ?? 0), req.signal);
    if (req.signal?.aborted) {
      record.cancelled = true;
      return new Response(null, { status: 499 });
    }
    const status = num(req.headers.get('x-mock-status'), options.status ?? 0);
    const idHeader: Record<string, string> = headers['x-request-id'] ? { 'x-request-id': headers['x-request-id'] } : {};
    if (status >= 400) {
      return json({ error: { message: `Mock failure with status ${status}`, type: 'MockError', code: status } }, { status, headers: idHeader });
    }
    if (!served().includes(model)) {
      // The Production Stack router's answer for a model no engine serves.
      return json({ error: `Model ${model} not found or vLLM engine is sleeping.` }, { status: 404, headers: idHeader });
    }
    const id = `chatcmpl-mock-${++seq}`;
    const created = Math.floor(Date.now() / 1000);
    const promptTokens = countPromptTokens(body.messages);
    if (!stream) {
      record.completed = true;
      return json(completionJson(id, model, created, promptTokens), { headers: idHeader });
    }

    const includeUsage = Boolean((body.stream_options as { include_usage?: boolean } | undefined)?.include_usage);
    const events = completionChunks(id, model, created, promptTokens, includeUsage);
    const chunkDelay = num(req.headers.get('x-mock-chunk-delay-ms'), options.chunkDelayMs ?? 0);
    const drop = req.headers.get('x-mock-drop') === 'mid';
    const enc = new TextEncoder();
    let i = 0;
    const out = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (drop && i === 2) {
          // Let the chunks already read reach the socket first: an error right away made the server
          // drop them too, so "mid" dropped before any byte (QA probe).
          await sleep(Math.max(chunkDelay, 50));
          controller.error(new Error('mock: connection dropped mid-stream'));
          return;
        }
        if (i >= events.length) {
          record.completed = true;
          controller.close();
          return;
        }
        if (i > 0) await sleep(chunkDelay);
        if (record.cancelled) return;
        controller.enqueue(enc.encode(`data: ${events[i++]}\n\n`));
      },
      cancel() {
        record.cancelled = true;
      },
    });
    return new Response(out, { headers: { ...idHeader, 'content-type': 'text/event-stream', 'cache-control': 'no-cache' } });
  });

  router.all('*', () => json({ error: { message: 'Not Found', type: 'not_found', code: 404 } }, { status: 404 }));

  return {
    requests,
    options,
    fetch: (req) => router.fetch(req).catch((err: unknown) => json({ error: { message: String(err), type: 'MockError', code: 500 } }, { status: 500 })),
  };
}
