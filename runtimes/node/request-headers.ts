// The client's request headers as a record, for AppDeps.requestHeaders: read from node:http's
// rawHeaders instead of iterating the fetch Headers that @hono/node-server builds on first use (an
// undici Headers object: a validated append per header, then a sorted copy), about 1 % of a chat
// request's CPU in the profile (bench/cpu-components.ts). The record is the one that iteration gives:
// names lower-cased and sorted, values trimmed of HTTP whitespace, repeats joined with ", " ("; " for
// cookie), the last set-cookie. Anything the Headers object would refuse falls back to it (undefined).
import type { IncomingMessage } from 'node:http';

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const BAD_VALUE = /[\0\r\n]/;
const isHttpWhitespace = (c: number) => c === 9 || c === 10 || c === 13 || c === 32;

function trimHttpWhitespace(v: string): string {
  let start = 0;
  let end = v.length;
  while (start < end && isHttpWhitespace(v.charCodeAt(start))) start++;
  while (end > start && isHttpWhitespace(v.charCodeAt(end - 1))) end--;
  return start === 0 && end === v.length ? v : v.slice(start, end);
}

/** `env` is Hono's c.env on @hono/node-server ({ incoming, outgoing }); undefined: use the Request's headers. */
export function nodeRequestHeaders(env: unknown): Record<string, string> | undefined {
  const incoming = (env as { incoming?: IncomingMessage } | undefined)?.incoming;
  const raw = incoming?.rawHeaders;
  // HTTP/2 requests carry pseudo-headers; @hono/node-server's own path handles them.
  if (!raw || incoming.httpVersionMajor !== 1) return undefined;
  const names: string[] = [];
  const joined: Record<string, string> = Object.create(null);
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    const value = trimHttpWhitespace(raw[i + 1]!);
    if (!TOKEN.test(name) || BAD_VALUE.test(value)) return undefined;
    const key = name.toLowerCase();
    const prev = joined[key];
    if (prev === undefined) names.push(key);
    // Each set-cookie is its own entry when a Headers object is iterated: the record keeps the last.
    joined[key] = prev === undefined || key === 'set-cookie' ? value : `${prev}${key === 'cookie' ? '; ' : ', '}${value}`;
  }
  names.sort();
  const out: Record<string, string> = {};
  for (const key of names) out[key] = joined[key]!;
  return out;
}
