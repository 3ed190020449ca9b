// Reads a request body with a size cap (413) and a content-type check (415), before any parsing.
import { GatewayError } from '../pipeline/errors.ts';

export function checkJsonContentType(contentType: string | undefined): void {
  // A missing content-type is tolerated (some clients omit it); a different one is refused.
  if (!contentType) return;
  const type = contentType.split(';')[0].trim().toLowerCase();
  if (type === 'application/json' || type.endsWith('+json')) return;
  throw new GatewayError(415, `Unsupported content type '${type.slice(0, 100)}': expected application/json.`, 'invalid_request_error', 'unsupported_media_type');
}

/**
 * The body is parsed and re-serialised, so only an uncompressed one can be read. The same for a
 * transfer coding: Node's server undoes `chunked` and hands anything under it (`gzip, chunked`) over
 * as it came, which read as a JSON parse error about binary; RFC 9112 6.1 asks for 501.
 */
export function checkContentEncoding(contentEncoding: string | undefined, transferEncoding?: string): void {
  const enc = (contentEncoding ?? '').trim().toLowerCase();
  if (enc && enc !== 'identity') {
    throw new GatewayError(415, `Unsupported content encoding '${enc.slice(0, 40)}': send the request body uncompressed.`, 'invalid_request_error', 'unsupported_content_encoding');
  }
  const codings = (transferEncoding ?? '').toLowerCase().split(',').map((t) => t.trim()).filter((t) => t && t !== 'chunked');
  if (codings.length === 0) return;
  throw new GatewayError(501, `Unsupported transfer encoding '${codings.join(', ').slice(0, 40)}': send the request body uncompressed.`, 'invalid_request_error', 'unsupported_transfer_encoding');
}

export const tooLarge = (max: number) =>
  new GatewayError(413, `The request body is larger than the limit of ${max} bytes.`, 'invalid_request_error', 'request_too_large');

export async function readBodyText(req: Request, maxBytes: number): Promise<string> {
  const declared = Number(req.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  // With a declared length, text() is enough (and on @hono/node-server it reads the socket directly,
  // without building a web stream: touching req.body would).
  if (Number.isFinite(declared)) {
    const text = await req.text();
    // content-length is what was declared; the bytes read are what counts (multi-byte text is longer in bytes).
    if (text.length > maxBytes) throw tooLarge(maxBytes);
    return text;
  }
  if (!req.body) return '';
  return new TextDecoder().decode(await readCapped(req.body, maxBytes));
}

/** A body of unknown length, read whole: 413 (and the rest cancelled) once it passes maxBytes. */
export async function readCapped(body: ReadableStream<Uint8Array>, maxBytes: number): Promise<Uint8Array> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0]!;
  const all = new Uint8Array(size);
  let off = 0;
  for (const c of chunks) {
    all.set(c, off);
    off += c.byteLength;
  }
  return all;
}
