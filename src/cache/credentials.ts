// Which requests a cache hit may answer. semroute does not check API keys: the engine does (vLLM
// --api-key, a hosted provider), and a hit never reaches it, so without this any client, with a
// wrong key or none, was served the answers other clients paid for. A hit goes only to a request
// whose credentials the upstream accepted (answered 2xx) lately, for the same requested model (a key
// may be allowed some models only), on this pod; the others go upstream
// and get its answer (a 401), and a key it accepts shares the cache from then on. An upstream
// without authentication accepts every request, so there nothing changes after the first answer.
// Only a SHA-256 of the credentials is kept, in memory, per cache (a reload that replaces the cache
// starts over).

/** Request headers that carry an API key (OpenAI and most engines, Anthropic, Azure OpenAI). */
const CREDENTIAL_HEADERS = ['authorization', 'x-api-key', 'api-key'] as const;
/** How long an accepted key is trusted without the upstream seeing it again (a revoked key's reach). */
export const ACCEPTED_FOR_MS = 15 * 60_000;
/** Keys remembered at most (the oldest acceptance goes first): bounded memory whatever the clients send. */
const MAX_KEYS = 10_000;

/** SHA-256 (hex) of the request's credential headers, absent ones included as empty. */
export async function credentialDigest(headers: Readonly<Record<string, string | undefined>>): Promise<string> {
  const text = CREDENTIAL_HEADERS.map((h) => headers[h] ?? '').join('\n');
  const hash = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
  let hex = '';
  for (const b of hash) hex += b.toString(16).padStart(2, '0');
  return hex;
}

export class AcceptedCredentials {
  /** Digest -> until when it is trusted (ms); insertion order is acceptance order. */
  private readonly until = new Map<string, number>();

  constructor(private readonly now: () => number) {}

  /** The upstream answered this request 2xx. */
  accept(digest: string): void {
    this.until.delete(digest);
    this.until.set(digest, this.now() + ACCEPTED_FOR_MS);
    for (const oldest of this.until.keys()) {
      if (this.until.size <= MAX_KEYS) break;
      this.until.delete(oldest);
    }
  }

  accepted(digest: string): boolean {
    const t = this.until.get(digest);
    if (t === undefined) return false;
    if (t > this.now()) return true;
    this.until.delete(digest);
    return false;
  }

  get size(): number {
    return this.until.size;
  }
}

const perCache = new WeakMap<object, AcceptedCredentials>();

/** The accepted credentials of one cache (created with it, gone with it). */
export function acceptedCredentials(cache: object, now: () => number): AcceptedCredentials {
  let a = perCache.get(cache);
  if (!a) perCache.set(cache, (a = new AcceptedCredentials(now)));
  return a;
}
