// GET /v1/models/{id} for a model the gateway does not list itself (not an auto name, not in the
// config) but an endpoint may serve: chat passes any such name through to vllm_endpoints, so a client
// that first checks the model exists (models.retrieve) got 404 for a model it could use. The
// endpoints that would get the model's chat requests are asked for their GET /v1/models (vLLM has no
// retrieve route; every OpenAI server has the list), and the engine's own entry is the answer.
import type { AppDeps } from '../deps.ts';
import type { EndpointPool } from '../upstream/pool.ts';
import type { CancelSignal } from '../upstream/types.ts';
import { errorBody } from '../pipeline/errors.ts';
import { modelLabel } from '../pipeline/categories.ts';
import { forwardHeaders } from '../upstream/headers.ts';
import { idleWatch } from '../upstream/idle.ts';
import { sendWithFailover } from '../upstream/send-failover.ts';
import { readErrorText, upstreamErrorBody } from '../upstream/error-text.ts';

/** A model list is small (vLLM's entry is a few hundred bytes); more than this is no list to search. */
const MAX_LIST_BYTES = 4 * 1024 * 1024;

export interface RetrieveInput {
  id: string;
  requestId: string;
  clientHeaders: Record<string, string>;
  signal?: CancelSignal;
}

export const modelNotFound = (id: string) => errorBody(`The model '${id}' does not exist.`, 'invalid_request_error', 'model_not_found', 'model');

/** The upstream's entry for `id` (200), 404 model_not_found, or why the upstream could not say (its status). */
export async function retrieveFromUpstream(deps: AppDeps, pool: EndpointPool, input: RetrieveInput): Promise<{ status: number; body: string }> {
  const candidates = pool.candidates(input.id);
  if (candidates.length === 0) return { status: 404, body: modelNotFound(input.id) };
  // The client's credentials go along (an auth proxy in front of vLLM answers the list only to them).
  const headers = forwardHeaders(input.clientHeaders, { 'x-request-id': input.requestId });
  delete headers['content-type'];
  const idle = idleWatch(deps.config.upstream.idle_timeout_ms, input.signal);
  const sent = await sendWithFailover(deps, pool, {
    requestId: input.requestId,
    label: modelLabel(deps.config, input.id),
    candidates,
    request: { method: 'GET', path: '/v1/models', headers },
    signal: input.signal,
    idle,
  });
  if ('error' in sent) {
    const f = sent.error;
    return { status: f.status, body: errorBody(f.message, f.type, f.code) };
  }
  const { res } = sent;
  const read = await readErrorText(idle, res, MAX_LIST_BYTES);
  if (res.status >= 400) return { status: res.status, body: upstreamErrorBody(res.status, read) };
  if (read.cut) return { status: 502, body: errorBody('The upstream model list could not be read whole.', 'upstream_error', 'upstream_error') };
  const entry = entryOf(read.text, input.id);
  return entry ? { status: 200, body: JSON.stringify(entry) } : { status: 404, body: modelNotFound(input.id) };
}

function entryOf(text: string, id: string): Record<string, unknown> | undefined {
  let list: unknown;
  try {
    list = JSON.parse(text);
  } catch {
    return undefined;
  }
  const data = (list as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) return undefined;
  return data.find((m): m is Record<string, unknown> => !!m && typeof m === 'object' && (m as { id?: unknown }).id === id);
}
