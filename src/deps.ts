// Everything createApp needs, injected by a runtime entry (runtimes/node, runtimes/worker).
import type { Classifiers } from './classify/types.ts';
import type { SemanticCache } from './cache/types.ts';
import type { BodyReader, CancelSignal, UpstreamClient } from './upstream/types.ts';
import type { Clock, Logger, Metrics } from './observability/types.ts';
import type { Config } from './config/schema.ts';

export interface RuntimeInfo {
  name: 'node' | 'worker';
  version?: string;
}

export interface AppDeps {
  config: Config;
  classifiers: Classifiers;
  upstream: UpstreamClient;
  cache?: SemanticCache;
  metrics: Metrics;
  logger: Logger;
  clock: Clock;
  runtime: RuntimeInfo;
  /**
   * The client's cancel signal for a request, from the runtime's side of it (Hono's `c.env`), where
   * the runtime has one cheaper than Request.signal; undefined (or absent) falls back to that.
   */
  clientSignal?(env: unknown): CancelSignal | undefined;
  /**
   * The request's headers as a record (lower-case names, as iterating its Headers gives), from the
   * runtime's side of the request where that is cheaper; undefined (or absent): the Request's Headers.
   */
  requestHeaders?(env: unknown): Record<string, string> | undefined;
  /**
   * The body of a streamed answer, from the reader that yields its bytes, where the runtime's server
   * writes one out cheaper than a web ReadableStream (runtimes/node/stream-body.ts); absent: a ReadableStream.
   */
  streamBody?(reader: BodyReader): BodyInit;
  /** True once the runtime is shutting down: /ready answers 503 so traffic moves elsewhere. */
  draining?(): boolean;
  /**
   * Work a request leaves running after its answer went out (the done taps' cache store): the runtime
   * keeps what it uses alive until it settles (Node: the config generation, so a reload that replaced
   * the cache closes it after the write; Worker: cloudflare:workers waitUntil, so the isolate does not
   * drop it once the response is done). Absent: the work just runs.
   */
  waitUntil?(work: Promise<unknown>): void;
}
