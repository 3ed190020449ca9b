// A POST read on a reused kept-alive connection and dropped at once, after this upstream's idle close has
// been seen crossing a reuse: not sent again (kept-alive.ts raceIdle). workerd's error says nothing of
// which it was (upstream-keepalive-drop.test.ts), but a reused connection that failed before the body
// went out whole surely lost the request unread: the crossing of the upstream's idle close, after the
// idle time the tally measured. One idle for far less (under half, less a slack) and closed after the
// body went out whole was closed for another reason: the upstream read it (Node's rule, by its own
// measure: upstream-sockets.ts socketFate). keepalive-setup.ts 'learn' plays both: on a connection it has
// answered on it resets a request marked x-reset as it arrives, and reads any other and closes.
import { describe, expect, inject, it } from 'vitest';
import { idleWatch } from '../../src/upstream/idle.ts';
import { sendWithFailover } from '../../src/upstream/send-failover.ts';
import { arrivals, forwarderRig } from './forwarder-rig.ts';

const idleFor = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Worker: a reused connection read and dropped, once the idle close is known', () => {
  it('is not sent again (502 upstream_connection_closed, read once); a crossing after that idle time still is', async () => {
    const base = inject('keepAliveRace').learn;
    const { counts, marks, deps, pool, ep } = forwarderRig(base, 'learn', 10_000);
    // 8 MiB: reset as it arrives, workerd is still writing it (upstream-drop.test.ts): surely not whole.
    const big = 'x'.repeat(8 * 1024 * 1024);
    const send = async (id: string, opts: { reset?: boolean; big?: boolean } = {}) => {
      const headers: Record<string, string> = { 'content-type': 'application/json', 'x-kid': id, ...(opts.reset ? { 'x-reset': '1' } : {}) };
      const body = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: opts.big ? big : 'say ok' }] });
      const sent = await sendWithFailover(deps, pool, { requestId: id, label: 'm', candidates: [ep], request: { method: 'POST', path: '/v1/chat/completions', headers, body }, idle: idleWatch(0) });
      if (!('res' in sent)) return `${id} ${sent.error.status} ${sent.error.code}`;
      await new Response(sent.res.body).text();
      return `${id} ${sent.res.status}`;
    };
    const seen: string[] = [];
    seen.push(await send('kid-l1'));
    // Idle 400 ms, then the crossing, before the body went out whole: sent once more (on a fresh connection).
    await idleFor(400);
    seen.push(await send('kid-l2', { reset: true, big: true }));
    // At once on that fresh connection: read and dropped. Idle about 0 ms, far under the 400 ms close.
    seen.push(await send('kid-l3'));
    // The idle close again, 400 ms on, with a small body (it may well go out whole): still the race.
    seen.push(await send('kid-l4'));
    await idleFor(400);
    seen.push(await send('kid-l5', { reset: true }));
    expect(seen).toEqual(['kid-l1 200', 'kid-l2 200', 'kid-l3 502 upstream_connection_closed', 'kid-l4 200', 'kid-l5 200']);
    const got = await arrivals(base);
    expect(['kid-l1', 'kid-l2', 'kid-l3', 'kid-l4', 'kid-l5'].map((id) => got[id] ?? 0)).toEqual([1, 1, 1, 1, 1]);
    expect(got['(closed unread)']).toBeGreaterThanOrEqual(2);
    // The re-sends of kid-l2 and kid-l5.
    expect(counts['llm_upstream_retries_total']).toBe(2);
    // The drop marks the endpoint down, as a drop on a fresh connection does.
    expect(marks).toEqual(['learn']);
  }, 60_000);
});
