// The idle rule (upstream-sockets.ts) must follow an upstream whose keep-alive timeout got shorter. Here
// an upstream answers a reuse after 1.2 s idle, then (as if restarted) closes idle sockets after 500 ms
// and closes unread a request reusing a socket idle for 150 ms or more (its idle close crossing the
// reuse). The real race then comes at 300 ms idle, under half the 1.2 s seen answered: before the fix it
// was classed a drop and 502'd for as long as the gateway ran. The upstream's own idle close (a FIN on
// an idle socket) now lowers the bar, so the race is sent once more on a fresh socket and answered.
// upstream-stale-idle.test.ts keeps the other side: a read-then-drop is still never sent twice.
import { describe, expect, it } from 'vitest';
import { answer, rawUpstream, useNetUpstreamClient } from './helpers/net-upstream-client.ts';

function restartingUpstream() {
  const state = { short: false, answered: [] as string[], closedUnread: [] as string[] };
  const server = rawUpstream(
    (sock, id, _n, idleMs) => {
      // Its idle close crossing a reuse: the request is closed unread.
      if (state.short && idleMs >= 150) {
        state.closedUnread.push(id);
        return void sock.destroy();
      }
      state.answered.push(id);
      sock.write(answer);
    },
    // The restarted upstream closes a socket idle for 500 ms.
    (sock) => {
      if (!state.short) return;
      const t = setTimeout(() => sock.end(), 500);
      sock.once('data', () => clearTimeout(t));
      sock.once('close', () => clearTimeout(t));
    },
  );
  return { server, state };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('an upstream restarted with a shorter keep-alive timeout', () => {
  const up = restartingUpstream();
  const { ask } = useNetUpstreamClient(up.server);

  it('has its idle-close race at the new, shorter idle time sent once more, not 502', async () => {
    expect((await ask('kid-a')).choices[0]!.message.content).toBe('ok');
    await sleep(1200);
    // A reuse answered after 1.2 s idle: the old timeout was longer than that.
    expect((await ask('kid-b')).choices[0]!.message.content).toBe('ok');
    up.state.short = true;
    expect((await ask('kid-c')).choices[0]!.message.content).toBe('ok');
    // The restarted upstream closes that socket, idle, after 500 ms.
    await sleep(800);
    expect((await ask('kid-d')).choices[0]!.message.content).toBe('ok');
    await sleep(300);
    // Reused after 300 ms idle; the upstream's close crosses it, unread.
    const e = await ask('kid-e').then((r) => r.choices[0]!.message.content, (err: { status?: number; code?: string }) => `${err.status} ${err.code}`);
    expect(up.state.closedUnread).toEqual(['kid-e']);
    expect(e).toBe('ok');
    expect(up.state.answered).toEqual(['kid-a', 'kid-b', 'kid-c', 'kid-d', 'kid-e']);
  });
});
