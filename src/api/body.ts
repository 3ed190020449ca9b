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

// Chat bodies as vLLM reads them (Python's json.loads on the bytes): not UTF-8 is a 400 there, so it
// is here. Decoded with replacement characters, a Latin-1 "café" went on as "caf\uFFFD": the model
// answered a prompt the client never wrote. A leading byte order mark is dropped, as Python's utf-8-sig.
// ext_proc reads chat bodies with it too, so its refusal is this one, word for word.
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

export function strictText(bytes: Uint8Array): string {
  try {
    return STRICT_UTF8.decode(bytes);
  } catch {
    throw new GatewayError(400, 'We could not parse the JSON body of your request: it is not valid UTF-8.', 'invalid_request_error', 'invalid_json');
  }
}

/** The body as text; `strictUtf8`: bytes that are not UTF-8 are a 400 (chat), else they read as U+FFFD. */
export async function readBodyText(req: Request, maxBytes: number, strictUtf8 = false): Promise<string> {
  const declared = Number(req.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  // With a declared length, text() / arrayBuffer() are enough (and on @hono/node-server they read the
  // socket directly, without building a web stream: touching req.body would).
  if (Number.isFinite(declared)) {
    if (strictUtf8) {
      const bytes = new Uint8Array(await req.arrayBuffer());
      if (bytes.byteLength > maxBytes) throw tooLarge(maxBytes);
      return strictText(bytes);
    }
    const text = await req.text();
    // content-length is what was declared; the bytes read are what counts (multi-byte text is longer in bytes).
    if (text.length > maxBytes) throw tooLarge(maxBytes);
    return text;
  }
  if (!req.body) return '';
  const bytes = await readCapped(req.body, maxBytes);
  return strictUtf8 ? strictText(bytes) : new TextDecoder().decode(bytes);
}

/**
 * The rest of a body over the limit, read and dropped (nothing kept) while the 413 goes out. Cancelling
 * it reset the connection under a client still writing (on Node the cancel did not even reach the
 * socket: @hono/node-server closed it 500 ms later, with a reset all the same), so one that reads its
 * answer only after sending the whole body (Python's http.client, requests) got a broken pipe instead
 * of the 413. How long and how much is read is the runtime's to bound (Node: lingerOnClose in
 * runtimes/node/http-head-guard.ts; workerd caps request bodies itself).
 */
async function discardRest(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  try {
    while (!(await reader.read()).done);
  } catch {
    // the connection closed meanwhile
  }
}

/** A body of unknown length, read whole: 413 once it passes maxBytes (the rest dropped, see discardRest). */
export async function readCapped(body: ReadableStream<Uint8Array>, maxBytes: number): Promise<Uint8Array> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      void discardRest(reader);
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
