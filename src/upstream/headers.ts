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

export function forwardHeaders(client: Record<string, string>, extra: Record<string, string>): Record<string, string> {
  const connectionListed = (client['connection'] ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(client)) {
    if (DROP.has(k) || connectionListed.includes(k) || k.startsWith('x-vsr-')) continue;
    out[k] = v;
  }
  out['content-type'] = 'application/json';
  Object.assign(out, extra);
  return out;
}

/** Upstream response headers to pass back to the client. */
export function responseHeaders(upstream: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  const listed = upstream['connection'];
  for (const [k, v] of Object.entries(upstream)) {
    if (DROP.has(k) || k === 'date' || k === 'server') continue;
    if (listed && connectionListed(listed, k)) continue;
    out[k] = v;
  }
  return out;
}

/** True when the Connection header value names `name` (a hop-by-hop header of that hop only). */
function connectionListed(connection: string, name: string): boolean {
  return connection.split(',').some((t) => t.trim().toLowerCase() === name);
}
