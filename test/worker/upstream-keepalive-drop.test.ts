// A POST the upstream read on a reused kept-alive connection and then dropped unanswered within
// STALE_WINDOW_MS (a query of death, an engine killed, a proxy's reset): what the Worker can tell of it,
// and what it does (runtimes/worker/README.md, "A connection lost before any byte of an answer").
// Node tells it from the idle close it crossed by the socket's idle time (upstream-sockets.ts socketFate)
// and does not send it again. workerd hides the socket: its error for that drop is the very error of an
// idle close crossing the reuse with the request unread (below, error for error), and the time each
// takes overlaps (a forced race was seen failing 188 ms after its body went out, on a loaded 2-core box;
// a drop can come at once). So the Worker takes a failure on a connection that may have been a kept-alive
// one, within 1 s of the send, for the race and sends it once more: such a drop reaches the upstream
// twice, until the Worker has seen the upstream's idle close cross a reuse (upstream-keepalive-learn:
// 'read-soon' never closes an idle connection). These tests pin that count; a workerd that tells the
// two apart fails the first one.
// keepalive-setup.ts 'unread': resets a reused connection with the request unread; 'read-soon': reads
// (counts) the second request on a connection and closes it 200 ms later, unanswered.
import { describe, expect, inject, it } from 'vitest';
import { idleWatch } from '../../src/upstream/idle.ts';
import { sendWithFailover } from '../../src/upstream/send-failover.ts';
import { arrivals as arrivalsAt, forwarderRig } from './forwarder-rig.ts';

type Mode = 'unread' | 'read-soon';

const arrivals = (mode: Mode) => arrivalsAt(inject('keepAliveRace')[mode]);

const chat = (id: string) => JSON.stringify({ model: 'm', messages: [{ role: 'user', content: `say ok ${id}` }] });

/** What a script can see of fetch's failure: everything but the stack. */
function seen(err: unknown): Record<string, unknown> {
  const e = err as Record<string, unknown>;
  const out: Record<string, unknown> = { name: e.name, constructor: (e as { constructor?: { name?: string } }).constructor?.name, cause: e.cause };
  for (const k of Object.getOwnPropertyNames(e)) if (k !== 'stack') out[k] = e[k];
  for (const k in e) out[k] = e[k];
  return out;
}

describe('Worker: a request read on a reused connection, then dropped', () => {
  it('workerd fails it with the very error of an idle close crossing the reuse (request unread)', async () => {
    const errors: Record<string, unknown>[] = [];
    for (const mode of ['unread', 'read-soon'] as const) {
      const base = inject('keepAliveRace')[mode];
      // Answered on some connection: one 'unread' left idle in the pool (another file's) is reset first.
      for (let i = 0; ; i++) {
        const first = await fetch(`${base}/v1/chat/completions`, { method: 'POST', body: chat(`kid-e1-${mode}`) }).catch((e: unknown) => (i < 2 ? undefined : Promise.reject(e)));
        if (!first) continue;
        expect(first.status).toBe(200);
        await first.text();
        break;
      }
      // The next request takes that connection (workerd's pool hands back the latest idle one).
      const err = await fetch(`${base}/v1/chat/completions`, { method: 'POST', body: chat(`kid-e2-${mode}`) }).then(() => undefined, (e: unknown) => e);
      expect(err, mode).toBeDefined();
      errors.push(seen(err));
    }
    const got = { unread: await arrivals('unread'), 'read-soon': await arrivals('read-soon') };
    // The one never read, the other read: both failed alike.
    expect([got.unread['kid-e2-unread'], got['read-soon']['kid-e2-read-soon']]).toEqual([undefined, 1]);
    expect(errors[0]).toEqual({ name: 'Error', constructor: 'Error', cause: undefined, message: 'Network connection lost.', remote: true, retryable: true });
    expect(errors[1]).toEqual(errors[0]);
  });

  it('through the forwarder it is taken for the race and sent once more: the upstream reads it twice', async () => {
    const base = inject('keepAliveRace')['read-soon'];
    const { counts, marks, deps, pool, ep } = forwarderRig(base, 'read-soon');
    const statuses: string[] = [];
    for (const id of ['kid-d1', 'kid-d2']) {
      const request = { method: 'POST', path: '/v1/chat/completions', headers: { 'content-type': 'application/json' }, body: chat(id) };
      const sent = await sendWithFailover(deps, pool, { requestId: id, label: 'm', candidates: [ep], request, idle: idleWatch(0) });
      if ('res' in sent) {
        await new Response(sent.res.body).text();
        statuses.push(`${id} ${sent.res.status}`);
      } else statuses.push(`${id} ${sent.error.status} ${sent.error.code}`);
    }
    const got = await arrivals('read-soon');
    // kid-d2 went out on kid-d1's connection, was read and dropped 200 ms later, and was sent again on a
    // fresh connection, which answered. Node answers it 502 upstream_connection_closed, read once
    // (test/integration/upstream-stale-idle.test.ts).
    expect(statuses).toEqual(['kid-d1 200', 'kid-d2 200']);
    expect([got['kid-d1'], got['kid-d2']]).toEqual([1, 2]);
    expect(counts['llm_upstream_retries_total']).toBe(1);
    expect(marks).toEqual([]);
  });
});
