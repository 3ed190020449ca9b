// Answers without a body (a 204, a 304, the answer to a HEAD) give their kept-alive connection back to
// workerd's pool at once, and the next request to the origin takes it. The Worker's tally of idle
// connections (kept-alive.ts) counted a connection back only when an answer's body was read to its end,
// so a request after a bodiless answer was not known to have taken a kept-alive connection: a close as
// it went out was taken for a drop (502 upstream_connection_closed, the endpoint marked down) instead
// of the race it is. keepalive-setup.ts 'bodiless': answers with no body and resets every connection it
// has answered on as the next request arrives, that request unread (the idle close crossing the reuse,
// every time). Through the forwarder with the Worker's own client in workerd, as upstream-keepalive-race,
// once a crossing was seen there (teachCrossing: back to back, a first crossing's body is not held).
import { describe, expect, inject, it } from 'vitest';
import { idleWatch } from '../../src/upstream/idle.ts';
import { sendWithFailover, type FailoverRequest } from '../../src/upstream/send-failover.ts';
import { arrivals, forwarderRig, teachCrossing } from './forwarder-rig.ts';

describe('Worker: a kept-alive connection given back by an answer with no body', () => {
  it('a request that takes it and meets the idle close is sent once more, not dropped (204, 304, HEAD)', async () => {
    const base = inject('keepAliveRace').bodiless;
    await teachCrossing(base);
    const { counts, marks, deps, pool, ep } = forwarderRig(base, 'bodiless');
    const post = (id: string) => ({ method: 'POST', path: '/v1/chat/completions', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: `say ok ${id}` }] }) });
    // Each request goes out on the connection of the one before it (workerd's pool
    // hands back the latest idle one), which the upstream resets with the request unread.
    const steps: Array<{ id: string; request: FailoverRequest['request']; status: number }> = [
      { id: 'kid-b1', request: post('kid-b1'), status: 204 },
      { id: 'kid-b2', request: post('kid-b2'), status: 204 },
      { id: 'kid-b3', request: { method: 'GET', path: '/v1/models', headers: { 'x-kid': 'kid-b3', 'x-want': 'nc-304' } }, status: 304 },
      { id: 'kid-b4', request: { method: 'HEAD', path: '/v1/models', headers: { 'x-kid': 'kid-b4' } }, status: 200 },
      { id: 'kid-b5', request: post('kid-b5'), status: 204 },
    ];
    const seen: string[] = [];
    for (const s of steps) {
      const sent = await sendWithFailover(deps, pool, { requestId: s.id, label: 'm', candidates: [ep], request: s.request, idle: idleWatch(0) });
      if ('res' in sent) {
        await new Response(sent.res.body).text();
        seen.push(`${s.id} ${sent.res.status}`);
      } else seen.push(`${s.id} ${sent.error.status} ${sent.error.code}`);
    }
    expect(seen).toEqual(steps.map((s) => `${s.id} ${s.status}`));
    const got = await arrivals(base);
    // Each reuse met the reset, and each request was read once: the re-send went on a fresh connection.
    expect(got['(closed unread)']).toBeGreaterThanOrEqual(steps.length - 1);
    for (const s of steps) expect(got[s.id], s.id).toBe(1);
    // kid-b1 too, when it took the connection the teaching left.
    expect(counts['llm_upstream_retries_total']).toBeGreaterThanOrEqual(steps.length - 1);
    expect(counts['llm_upstream_retries_total']).toBeLessThanOrEqual(steps.length);
    // A race says nothing of the endpoint's health.
    expect(marks).toEqual([]);
  });
});
