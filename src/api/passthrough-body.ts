// The request side of a passed-through route: the body's bytes as sent (capped at
// server.max_body_bytes, 413 past it) and the model it names, which picks the endpoint
// (preferred_endpoints) and tells an auto name. The bytes are forwarded as they are.
import { readCapped, tooLarge } from './body.ts';

/** The whole body (held: a connect failure is retried on the next endpoint with the same bytes). */
export async function readBodyBytes(req: Request, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(req.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  // With a declared length, arrayBuffer() is enough (on @hono/node-server it reads the socket
  // directly; touching req.body would build a web stream), as readBodyText does for chat.
  if (Number.isFinite(declared)) {
    const bytes = new Uint8Array(await req.arrayBuffer());
    if (bytes.byteLength > maxBytes) throw tooLarge(maxBytes);
    return bytes;
  }
  if (!req.body) return new Uint8Array(0);
  return readCapped(req.body, maxBytes);
}

const mediaType = (contentType: string | undefined) => (contentType ?? '').split(';')[0]!.trim().toLowerCase();

/** What a passed-through body says: its `model`, and the parsed JSON when it was read as JSON (so the
 *  passthrough guard does not parse the same bytes again). */
export interface BodyModel {
  model?: string;
  /** `utf8` false: the bytes are not UTF-8 and were read with U+FFFD in their place. */
  json?: { value: unknown; utf8: boolean };
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/** The body as text, and whether its bytes are UTF-8; when not, read as U+FFFD (the engine refuses
 *  them, and a guard cannot read faithfully what it reads that way: passthrough-guard.ts). */
export function decodeBody(body: Uint8Array): { text: string; utf8: boolean } {
  try {
    return { text: STRICT_UTF8.decode(body), utf8: true };
  } catch {
    return { text: new TextDecoder().decode(body), utf8: false };
  }
}

/**
 * The `model` a body names: a JSON object's `model` string, or a form's `model` field (the audio
 * routes send multipart). Undefined when there is none, the body is compressed or unreadable: the
 * upstream gets it anyway and says what is wrong with it.
 */
export async function modelOf(body: Uint8Array, contentType: string | undefined, contentEncoding: string | undefined): Promise<BodyModel> {
  if (body.byteLength === 0) return {};
  const enc = (contentEncoding ?? '').trim().toLowerCase();
  if (enc && enc !== 'identity') return {};
  const type = mediaType(contentType);
  if (type === 'multipart/form-data' || type === 'application/x-www-form-urlencoded') {
    try {
      const v = (await new Response(body as Uint8Array<ArrayBuffer>, { headers: { 'content-type': contentType! } }).formData()).get('model');
      return typeof v === 'string' ? { model: v } : {};
    } catch {
      return {};
    }
  }
  // JSON, or no content type (some clients omit it): only a body that opens like a JSON object is parsed.
  if (type && type !== 'application/json' && !type.endsWith('+json')) return {};
  let obj: unknown;
  const { text, utf8 } = decodeBody(body);
  try {
    obj = JSON.parse(text);
  } catch {
    return {};
  }
  const m = obj && typeof obj === 'object' && !Array.isArray(obj) ? (obj as Record<string, unknown>).model : undefined;
  return typeof m === 'string' ? { model: m, json: { value: obj, utf8 } } : { json: { value: obj, utf8 } };
}

