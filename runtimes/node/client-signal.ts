// The client's cancel signal on Node without an AbortSignal per request (creating one costs about
// 5 us of CPU on Node 20; @hono/node-server creates one for Request.signal on first use). It aborts
// when @hono/node-server would abort Request.signal: the request errored, or the response closed
// before it was finished (the client left).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CancelSignal } from '../../src/upstream/types.ts';

class ResponseCloseSignal implements CancelSignal {
  aborted = false;
  reason: unknown = undefined;
  private listeners: Array<() => void> | undefined;

  constructor(incoming: IncomingMessage, outgoing: ServerResponse) {
    outgoing.once('close', () => {
      if (incoming.errored) this.abort(incoming.errored.toString());
      else if (!outgoing.writableFinished) this.abort('Client connection prematurely closed.');
    });
  }

  private abort(reason: string): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listeners = this.listeners;
    this.listeners = undefined;
    for (const l of listeners ?? []) l();
  }

  /** Listeners run once, when the signal aborts ('abort' is its only event). */
  addEventListener(_type: 'abort', listener: () => void): void {
    (this.listeners ??= []).push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const i = this.listeners?.indexOf(listener) ?? -1;
    if (i >= 0) this.listeners!.splice(i, 1);
  }
}

/** For AppDeps.clientSignal: `env` is Hono's c.env on @hono/node-server ({ incoming, outgoing }). */
export function nodeClientSignal(env: unknown): CancelSignal | undefined {
  const e = env as { incoming?: IncomingMessage; outgoing?: ServerResponse } | undefined;
  if (!e?.incoming || typeof e.outgoing?.once !== 'function') return undefined;
  return new ResponseCloseSignal(e.incoming, e.outgoing);
}
