// An answer whose body ends at the close (no Content-Length, not chunked: RFC 9112 6.3, a close-delimited
// body) leaves no connection for workerd's pool, whether or not it said `Connection: close`. The Worker's
// tally (kept-alive.ts) counted one back all the same, so the next request was taken to have reused a
// kept-alive connection: a drop on its fresh connection was taken for the race and sent again (read
// twice), where Node (a fresh socket: upstream-sockets.ts 'dropped') answers 502 read once.
// keepalive-setup.ts 'unframed': answers close-delimited and closes; reads a request marked x-drop and
// closes it unanswered.
import { describe, expect, inject, it } from 'vitest';
import { idleWatch } from '../../src/upstream/idle.ts';
import { sendWithFailover } from '../../src/upstream/send-failover.ts';
import { forwarderRig } from './forwarder-rig.ts';

describe('Worker: after an answer whose body ended at the close', () => {
  it('a request read and dropped on the next (fresh) connection is not sent again: 502, read once', async () => {
    const base = inject('keepAliveRace').unframed;
    const { counts, deps, pool, ep } = forwarderRig(base, 'unframed');
    const send = async (id: string, drop = false) => {
      const headers: Record<string, string> = { 'content-type': 'application/json', 'x-kid': id, ...(drop ? { 'x-drop': '1' } : {}) };
      const body = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'say ok' }] });
      const sent = await sendWithFailover(deps, pool, { requestId: id, label: 'm', candidates: [ep], request: { method: 'POST', path: '/v1/chat/completions', headers, body }, idle: idleWatch(0) });
      if (!('res' in sent)) return `${id} ${sent.error.status} ${sent.error.code}`;
      const text = await new Response(sent.res.body).text();
      return `${id} ${sent.res.status} ${JSON.parse(text).choices[0].message.content}`;
    };
    expect(await send('kid-u1')).toBe('kid-u1 200 ok');
    expect(await send('kid-u2', true)).toBe('kid-u2 502 upstream_connection_closed');
    const got = (await (await fetch(`${base}/arrivals`)).json()) as Record<string, number>;
    expect([got['kid-u1'], got['kid-u2']]).toEqual([1, 1]);
    expect(counts['llm_upstream_retries_total']).toBeUndefined();
  });
});
