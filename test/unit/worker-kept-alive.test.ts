// The Worker's tally of workerd's idle kept-alive connections (runtimes/worker/kept-alive.ts), with its
// clock passed in: which connection a request may take and how long it was idle, and the idle-close
// rule that lets a body on a connection far from its idle close go out without waiting
// (upstream-keepalive-learn.test.ts drives it in workerd).
import { describe, expect, it } from 'vitest';
import { ANSWERED_CAP_MS, KeptAlive, POOL_IDLE_MS, REUSE_FLOOR_MS } from '../../runtimes/worker/kept-alive.ts';

const A = 'http://a:8000';
const B = 'http://b:8000';

describe('KeptAlive tally', () => {
  it('take gives the latest idle connection\'s idle time (kj hands out the back of its list), then none', () => {
    const t = new KeptAlive();
    t.released(A, 1000);
    t.released(A, 1300);
    expect(t.take(A, 1500)).toBe(200);
    expect(t.take(A, 1500)).toBe(500);
    expect(t.take(A, 1500)).toBeUndefined();
    expect(t.take(B, 1500)).toBeUndefined();
  });

  it('a connection idle past the pool\'s timeout is gone', () => {
    const t = new KeptAlive();
    t.released(A, 0);
    expect(t.take(A, POOL_IDLE_MS + 1)).toBeUndefined();
  });

  it('nothing seen: a connection idle under the floor is surely open (steady traffic does not wait), from it on none', () => {
    const t = new KeptAlive();
    expect([0, REUSE_FLOOR_MS - 1, REUSE_FLOOR_MS, 4000].map((idle) => t.surelyOpen(A, idle))).toEqual([true, true, false, false]);
  });

  it('after a crossing at 400 ms idle: under half of it less 25 ms is surely open, above may be the race; per origin', () => {
    const t = new KeptAlive();
    t.raced(A, 400);
    expect(t.surelyOpen(A, 0)).toBe(true);
    expect(t.surelyOpen(A, 175)).toBe(true);
    expect(t.surelyOpen(A, 176)).toBe(false);
    expect(t.surelyOpen(A, 400)).toBe(false);
    expect([0, REUSE_FLOOR_MS].map((idle) => t.surelyOpen(B, idle))).toEqual([true, false]);
  });

  it('the shortest crossing counts: a later, longer one does not raise it; a shorter one lowers it', () => {
    const t = new KeptAlive();
    t.raced(A, 400);
    t.raced(A, 2000);
    expect(t.surelyOpen(A, 176)).toBe(false);
    t.raced(A, 100);
    expect(t.surelyOpen(A, 20)).toBe(true);
    expect(t.surelyOpen(A, 26)).toBe(false);
  });

  it('an idle close under 50 ms never leaves one surely open (the slack)', () => {
    const t = new KeptAlive();
    t.raced(A, 15);
    expect(t.surelyOpen(A, 0)).toBe(false);
  });

  it('a reuse answered after 3 s idle: up to it is surely open (paced traffic waits at a new longest idle only); 4 s and more teach nothing; a crossing seen wins', () => {
    const t = new KeptAlive();
    t.answered(A, 3000);
    t.answered(A, 100);
    t.answered(A, ANSWERED_CAP_MS);
    expect([3000, 3001].map((idle) => t.surelyOpen(A, idle))).toEqual([true, false]);
    expect(t.surelyOpen(B, 3000)).toBe(false);
    t.raced(A, 100);
    expect([25, 26].map((idle) => t.surelyOpen(A, idle))).toEqual([true, false]);
  });

  it('a failure is forgotten once a reuse after twice its idle time (and the slack) was answered: a drop holds nothing for good', () => {
    const t = new KeptAlive();
    t.raced(A, 100);
    // After each answered reuse: is a connection idle 26 ms, then one idle just under the floor, surely open?
    const after = (answeredIdle: number) => (t.answered(A, answeredIdle), [26, REUSE_FLOOR_MS - 1].map((idle) => t.surelyOpen(A, idle)));
    expect([224, 225].map(after)).toEqual([[false, false], [true, true]]);
  });
});
