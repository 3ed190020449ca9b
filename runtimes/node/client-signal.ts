// The client's cancel signal on Node without an AbortSignal per request (creating one costs about
// 5 us of CPU on Node 20; @hono/node-server creates one for Request.signal on first use). It aborts
// when @hono/node-server would abort Request.signal: the request errored, or the response closed
// before it was finished (the client left). Or the server's request timeout cut the request's body
// (client-errors.ts, which answers Node's 408): then it aborts at once, with REQUEST_TIMEOUT as its
// reason, so the handler reading the body logs and counts a timeout, not a client that left.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CancelSignal } from '../../src/upstream/types.ts';
import { REQUEST_TIMEOUT } from '../../src/api/cancel-outcome.ts';

/** Each request's signal, for markRequestTimedOut (weak: gone with the request). */
const signals = new WeakMap<IncomingMessage, ResponseCloseSignal>();
/** Requests the request timeout ended, for a signal taken after it fired. */
const timedOut = new WeakSet<IncomingMessage>();

/** The server's request timeout ended `req` (its body came too slowly): its signal aborts with REQUEST_TIMEOUT. */
export function markRequestTimedOut(req: IncomingMessage): void {
  timedOut.add(req);
  signals.get(req)?.abort(REQUEST_TIMEOUT);
}

class ResponseCloseSignal implements CancelSignal {
  aborted = false;
  reason: unknown = undefined;
  private listeners: Array<() => void> | undefined;

  constructor(incoming: IncomingMessage, outgoing: ServerResponse) {
    signals.set(incoming, this);
    outgoing.once('close', () => {
      if (timedOut.has(incoming)) this.abort(REQUEST_TIMEOUT);
      else if (incoming.errored) this.abort(incoming.errored.toString());
      else if (!outgoing.writableFinished) this.abort('Client connection prematurely closed.');
    });
  }

  abort(reason: string): void {
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
