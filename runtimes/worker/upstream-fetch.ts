// UpstreamClient over the Workers fetch API (the Node runtime uses undici.request, which costs a fraction of fetch's CPU on Node 20; see DESIGN.md).
// A failure before the response headers is UpstreamConnectError, so the forwarder may try the next
// endpoint; no headers within timeoutMs is UpstreamTimeoutError. After the headers, only the
// client's abort cancels the body (and with it the upstream's generation).
import { UpstreamConnectError, UpstreamTimeoutError, type UpstreamClient, type UpstreamRequest, type UpstreamResponse } from '../../src/upstream/types.ts';

/** A fetch function: global fetch, or a service binding's fetch (`env.UPSTREAM.fetch`). */
export type FetchFn = (input: Request) => Promise<Response>;

// Hop-by-hop and framing headers are the runtime's business, not the forwarder's.
const DROP = new Set(['host', 'connection', 'keep-alive', 'transfer-encoding', 'content-length', 'upgrade', 'te', 'trailer']);

export function createFetchUpstreamClient(fetchFn: FetchFn = (r) => fetch(r)): UpstreamClient {
  return {
    async send(r: UpstreamRequest): Promise<UpstreamResponse> {
      const url = new URL(r.path, r.baseUrl);
      const ctl = new AbortController();
      let timedOut = false;
      const onAbort = () => ctl.abort(r.signal?.reason);
      if (r.signal?.aborted) throw new UpstreamConnectError('request aborted by the client');
      r.signal?.addEventListener('abort', onAbort, { once: true });
      const timer = r.timeoutMs
        ? setTimeout(() => {
            timedOut = true;
            ctl.abort(new Error('upstream timeout'));
          }, r.timeoutMs)
        : undefined;
      const headers = new Headers();
      for (const [k, v] of Object.entries(r.headers)) if (!DROP.has(k.toLowerCase())) headers.set(k, v);
      try {
        const res = await fetchFn(new Request(url, { method: r.method, headers, body: r.body as BodyInit | undefined, signal: ctl.signal }));
        const out: Record<string, string> = {};
        res.headers.forEach((v, k) => { out[k] = v; });
        return { status: res.status, headers: out, body: res.body ?? new ReadableStream<Uint8Array>({ start: (c) => c.close() }) };
      } catch (err) {
        r.signal?.removeEventListener('abort', onAbort);
        if (timedOut) throw new UpstreamTimeoutError(`no response headers within ${r.timeoutMs} ms`);
        if (r.signal?.aborted) throw new UpstreamConnectError('request aborted by the client');
        throw new UpstreamConnectError(`upstream ${url.host}: ${err instanceof Error ? err.message : String(err)}`, err);
      } finally {
        if (timer) clearTimeout(timer);
      }
    },
  };
}
