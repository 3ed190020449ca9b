// The ext_proc messages as proto-loader decodes them (keepCase, enums as names, oneof discriminators),
// and builders for the answers we send. Only the fields semroute reads or writes are typed.

export interface HeaderValue {
  key: string;
  value?: string;
  /** Envoy puts header values here (bytes), not in `value`. */
  raw_value?: Uint8Array | null;
}

export interface HeaderMap {
  headers?: HeaderValue[];
}

export interface HttpHeaders {
  headers?: HeaderMap | null;
  end_of_stream?: boolean;
}

export interface HttpBody {
  body?: Uint8Array;
  end_of_stream?: boolean;
}

export type RequestKind =
  | 'request_headers'
  | 'response_headers'
  | 'request_body'
  | 'response_body'
  | 'request_trailers'
  | 'response_trailers';

export interface ProcessingRequest {
  /** proto-loader's oneof discriminator: which of the fields below is set (undefined: none we know). */
  request?: RequestKind;
  request_headers?: HttpHeaders | null;
  response_headers?: HttpHeaders | null;
  request_body?: HttpBody | null;
  response_body?: HttpBody | null;
  request_trailers?: { trailers?: HeaderMap | null } | null;
  response_trailers?: { trailers?: HeaderMap | null } | null;
  observability_mode?: boolean;
  /** Envoy >= 1.34, first message of a stream: the filter's body modes (per-route overrides applied). */
  protocol_config?: { request_body_mode?: BodyMode; response_body_mode?: BodyMode; send_body_without_waiting_for_header_response?: boolean } | null;
}

export type BodyMode = 'NONE' | 'STREAMED' | 'BUFFERED' | 'BUFFERED_PARTIAL' | 'FULL_DUPLEX_STREAMED' | 'GRPC';

export type AppendAction = 'APPEND_IF_EXISTS_OR_ADD' | 'ADD_IF_ABSENT' | 'OVERWRITE_IF_EXISTS_OR_ADD' | 'OVERWRITE_IF_EXISTS';

export interface HeaderValueOption {
  header: { key: string; raw_value: Uint8Array };
  append_action: AppendAction;
}

export interface HeaderMutation {
  set_headers?: HeaderValueOption[];
  remove_headers?: string[];
}

export interface CommonResponse {
  status?: 'CONTINUE' | 'CONTINUE_AND_REPLACE';
  header_mutation?: HeaderMutation;
  /** streamed_response: the only body answer FULL_DUPLEX_STREAMED takes (full-duplex.ts). */
  body_mutation?: { body?: Uint8Array; clear_body?: boolean; streamed_response?: { body: Uint8Array; end_of_stream: boolean } };
  clear_route_cache?: boolean;
}

export interface ImmediateResponseMsg {
  status: { code: number };
  headers?: HeaderMutation;
  body?: Uint8Array;
  details?: string;
}

export interface ProcessingMode {
  request_header_mode?: 'DEFAULT' | 'SEND' | 'SKIP';
  response_header_mode?: 'DEFAULT' | 'SEND' | 'SKIP';
  request_body_mode?: BodyMode;
  response_body_mode?: BodyMode;
  request_trailer_mode?: 'DEFAULT' | 'SEND' | 'SKIP';
  response_trailer_mode?: 'DEFAULT' | 'SEND' | 'SKIP';
}

export interface ProcessingResponse {
  request_headers?: { response: CommonResponse };
  response_headers?: { response: CommonResponse };
  request_body?: { response: CommonResponse };
  response_body?: { response: CommonResponse };
  request_trailers?: { header_mutation?: HeaderMutation };
  response_trailers?: { header_mutation?: HeaderMutation };
  immediate_response?: ImmediateResponseMsg;
  mode_override?: ProcessingMode;
}

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

/** Lower-cased header map; a repeated header keeps its values joined with ", " as HTTP allows. */
export function decodeHeaders(map: HeaderMap | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of map?.headers ?? []) {
    if (!h?.key) continue;
    const key = h.key.toLowerCase();
    const value = h.raw_value && h.raw_value.length > 0 ? utf8Decoder.decode(h.raw_value) : (h.value ?? '');
    out[key] = key in out ? `${out[key]}, ${value}` : value;
  }
  return out;
}

export function setHeader(key: string, value: string, action: AppendAction = 'OVERWRITE_IF_EXISTS_OR_ADD'): HeaderValueOption {
  return { header: { key: key.toLowerCase(), raw_value: utf8.encode(value) }, append_action: action };
}

/** Header mutation from a plain map, skipping names Envoy refuses to set (they would be ignored anyway). */
export function headerMutation(set: Record<string, string>, remove: string[] = []): HeaderMutation {
  const set_headers = Object.entries(set)
    .filter(([k]) => !isProtectedHeader(k))
    .map(([k, v]) => setHeader(k, v));
  return { set_headers, remove_headers: remove };
}

function isProtectedHeader(name: string): boolean {
  const n = name.toLowerCase();
  return n === ':method' || n === ':authority' || n === ':scheme' || n === 'host' || n.startsWith('x-envoy');
}

export function continueRequestHeaders(mutation?: HeaderMutation, modeOverride?: ProcessingMode, clearRouteCache = false): ProcessingResponse {
  const res: ProcessingResponse = { request_headers: { response: { status: 'CONTINUE', header_mutation: mutation, clear_route_cache: clearRouteCache } } };
  if (modeOverride) res.mode_override = modeOverride;
  return res;
}

export function continueResponseHeaders(mutation?: HeaderMutation): ProcessingResponse {
  return { response_headers: { response: { status: 'CONTINUE', header_mutation: mutation } } };
}

export function continueRequestBody(common: Omit<CommonResponse, 'status'> = {}): ProcessingResponse {
  return { request_body: { response: { status: 'CONTINUE', ...common } } };
}

export function continueResponseBody(common: Omit<CommonResponse, 'status'> = {}): ProcessingResponse {
  return { response_body: { response: { status: 'CONTINUE', ...common } } };
}

export function continueTrailers(kind: 'request_trailers' | 'response_trailers'): ProcessingResponse {
  return { [kind]: {} };
}

// envoy.type.v3.StatusCode: Envoy refuses an ImmediateResponse whose code is not in this enum.
const KNOWN_STATUS = new Set([
  100, 200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 307, 308, 400, 401, 402,
  403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417, 421, 422, 423, 424, 426, 428, 429,
  431, 500, 501, 502, 503, 504, 505, 506, 507, 508, 510, 511,
]);

export function envoyStatusCode(status: number): number {
  if (KNOWN_STATUS.has(status)) return status;
  if (status >= 500) return 500;
  if (status >= 400) return 400;
  return 200;
}

export interface LocalReply {
  status: number;
  headers: Record<string, string>;
  /** '' for a reply without a body (a 204): no content-type is sent. */
  contentType: string;
  body: string;
  reason: string;
}

export function immediateResponse(reply: LocalReply): ProcessingResponse {
  const headers = reply.contentType ? { ...reply.headers, 'content-type': reply.contentType } : reply.headers;
  return {
    immediate_response: {
      status: { code: envoyStatusCode(reply.status) },
      headers: headerMutation(headers),
      body: utf8.encode(reply.body),
      details: `semroute_${reply.reason}`.replace(/[^A-Za-z0-9_]/g, '_'),
    },
  };
}
