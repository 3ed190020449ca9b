// A kept-alive socket closed unanswered soon after a request went out on it is the upstream's idle
// close crossing the reuse only when the socket had been idle about as long as the upstream keeps one
// open. One idle for far less than a reuse of this upstream's sockets was already answered after
// (upstream-sockets.ts answeredIdle) was closed for another reason: the upstream read the request and
// dropped it (a query of death, an engine killed), and sending it again would run it twice. S's soak
// (bench/soak.ts) saw 455 of 704 such drops reach the upstream twice. Real Node gateway, raw upstream.
import { describe, expect, it } from 'vitest';
import { answer, rawUpstream, useNetUpstreamClient } from './helpers/net-upstream-client.ts';

/** Answers the first two requests on each socket; reads the third (counted) and closes unanswered. */
function dropsThird() {
  const arrivals = new Map<string, number>();
  const server = rawUpstream((sock, id, n) => {
    arrivals.set(id, (arrivals.get(id) ?? 0) + 1);
    if (n === 3) return void sock.destroy();
    sock.write(answer);
  });
  return { server, arrivals };
}

describe('a reused socket dropped unanswered after far less idle time than the upstream keeps one', () => {
  const up = dropsThird();
  const { ask } = useNetUpstreamClient(up.server);

  it('is not sent again: 502 upstream_connection_closed, read once', async () => {
    expect((await ask('kid-a')).choices[0]!.message.content).toBe('ok');
    // Reused after 300 ms idle and answered: this upstream keeps a socket open at least that long.
    await new Promise((r) => setTimeout(r, 300));
    expect((await ask('kid-b')).choices[0]!.message.content).toBe('ok');
    // Reused at once, read and dropped.
    const err = await ask('kid-c').then(() => undefined, (e: unknown) => e as { status?: number; code?: string });
    expect(err?.status).toBe(502);
    expect(err?.code).toBe('upstream_connection_closed');
    expect(up.arrivals.get('kid-c')).toBe(1);
    expect(Object.fromEntries(up.arrivals)).toEqual({ 'kid-a': 1, 'kid-b': 1, 'kid-c': 1 });
  });
});
