// Which client headers travel upstream. Hop-by-hop headers (RFC 9110 7.6.1) and those the gateway
// recomputes are dropped; everything else (auth, session key, traceparent, ...) is forwarded.
const DROP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
  // The forwarded body is the gateway's own serialisation, never the client's encoding of it.
  'content-encoding',
  // The gateway reads the answer (usage, taps), so it asks for an uncompressed one.
  'accept-encoding',
  'expect',
]);

// Headers only the gateway may set: the routing decision (x-vsr-*, x-selected-model: chat sets its
// own) and the endpoint an Envoy with an ORIGINAL_DST cluster between semroute and the engines would
// connect to. A client's copy is never forwarded: it would let any caller pick the model or the host.
const GATEWAY_OWNED = new Set(['x-selected-model', 'x-gateway-destination-endpoint']);

const NONE: readonly string[] = [];

// for...in over the records (plain objects built per request), not Object.entries: no pair arrays
// per header on every request.
export function forwardHeaders(client: Record<string, string>, extra: Record<string, string>): Record<string, string> {
  const connection = client['connection'];
  const connectionListed = connection
    ? connection
        .split(',')
        .map((s) => s.trim().toLowerCase())
        .filter(Boolean)
    : NONE;
  const out: Record<string, string> = {};
  for (const k in client) {
    if (DROP.has(k) || GATEWAY_OWNED.has(k) || connectionListed.includes(k) || k.startsWith('x-vsr-')) continue;
    out[k] = client[k]!;
  }
  out['content-type'] = 'application/json';
  Object.assign(out, extra);
  return out;
}

/**
 * Between the values of several Set-Cookie fields in a header record (the runtimes' upstream clients
 * put them so): a newline, which no field value can hold. Set-Cookie is the one header that cannot be
 * joined with ", " (RFC 6265 3; an Expires date holds a comma): joined, a client's cookie jar read
 * the upstream's cookies (a sticky-session load balancer's, an auth proxy's) as one. Other repeated
 * headers (Vary, Link, WWW-Authenticate) are lists that RFC 9110 5.3 lets a proxy join with ", ".
 */
export const SET_COOKIE_SEPARATOR = '\n';

/** A header record as a Response's headers: each Set-Cookie value its own field (the record itself
 *  when there is at most one, so the common answer pays for no Headers object). */
export function headersInit(h: Record<string, string>): HeadersInit {
  const cookies = h['set-cookie'];
  if (cookies === undefined || !cookies.includes(SET_COOKIE_SEPARATOR)) return h;
  const out = new Headers();
  for (const k in h) if (k !== 'set-cookie') out.set(k, h[k]!);
  for (const c of cookies.split(SET_COOKIE_SEPARATOR)) out.append('set-cookie', c);
  return out;
}

/** Upstream response headers to pass back to the client. */
export function responseHeaders(upstream: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  const listed = upstream['connection'];
  for (const k in upstream) {
    if (DROP.has(k) || k === 'date' || k === 'server') continue;
    if (listed && connectionListed(listed, k)) continue;
    out[k] = upstream[k]!;
  }
  return out;
}

/** True when the Connection header value names `name` (a hop-by-hop header of that hop only). */
function connectionListed(connection: string, name: string): boolean {
  return connection.split(',').some((t) => t.trim().toLowerCase() === name);
}

// A header value is octets, and clients read them as latin1 or reject them past ASCII; the
// reference's docs say nothing of non-ASCII x-vsr-* values. So text the gateway puts in a header
// (category, model and pack label names from config) goes as percent-encoded UTF-8 when it holds
// anything but visible ASCII and spaces, and `%` is always encoded: decodeURIComponent(value) gives
// the text back for every value, and the all-ASCII values in use today are unchanged.
const NEEDS_ENCODING = /[^\x20-\x24\x26-\x7e]/;
const HEX = Array.from({ length: 256 }, (_, b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`);
const utf8 = new TextEncoder();

/** Gateway text as a header value: visible ASCII and spaces as is, anything else percent-encoded UTF-8. */
export function headerText(text: string): string {
  if (!NEEDS_ENCODING.test(text)) return text;
  let out = '';
  for (const ch of text) {
    if (!NEEDS_ENCODING.test(ch)) out += ch;
    else for (const b of utf8.encode(ch)) out += HEX[b];
  }
  return out;
}
