// Restore work per request must grow with the answer, not with answer x placeholders or choices x
// choices: a request with tens of thousands of PII values (within the 200k-character PII budget), or
// an upstream answer with thousands of choices, pinned a core for seconds (QA probe, 2026-12-06).
// Checked by counting steps where the code allows it, else by comparing a large case with a small
// one under a generous factor, so a loaded 2-core box cannot fail them.
import { describe, expect, it } from 'vitest';
import { placeholderHoldFrom } from '../../src/guard/placeholder-hold.ts';
import { canonicalPlaceholder } from '../../src/guard/placeholders.ts';
import { restoreTap, StreamRestorer } from '../../src/guard/redaction.ts';

/** A restore map with `n` e-mail placeholders. */
function restoreMap(n: number): Map<string, string> {
  return new Map(Array.from({ length: n }, (_, i) => [`<EMAIL_ADDRESS_${i + 1}>`, `u${i}@example.com`]));
}

/**
 * Fastest of `runs` timings of `fn` (ms of this process's CPU time, not wall-clock time): the work
 * itself. Timed by the wall clock, a process descheduled on a loaded 2-core box took a run's time for
 * its own: 8,000 choices came out at 10x the per-choice time of 500 (limit 5x) where their CPU time
 * was 1-2x.
 */
function fastest(fn: () => void, runs = 3): number {
  let best = Infinity;
  for (let r = 0; r < runs; r++) {
    const t0 = process.cpuUsage();
    fn();
    const { user, system } = process.cpuUsage(t0);
    best = Math.min(best, (user + system) / 1000);
  }
  return best;
}

describe('stream restore hold-back with many placeholders', () => {
  it('looks at a handful of keys per piece, not at every key', () => {
    const keys = [...restoreMap(20_000).keys()].map(canonicalPlaceholder).sort();
    let reads = 0;
    const counted = new Proxy(keys, {
      get(target, prop, recv) {
        if (typeof prop === 'string' && /^\d+$/.test(prop)) reads++;
        return Reflect.get(target, prop, recv);
      },
    });
    // A tail no key starts with, one that many start with, one exactly one starts with.
    expect(placeholderHoldFrom('text <EMAIL_ADDRESS_0', counted, false)).toBe('text <EMAIL_ADDRESS_0'.length);
    expect(placeholderHoldFrom('text <EMAIL_ADDRESS_1', counted, false)).toBe(5);
    expect(placeholderHoldFrom('text <email address 19999', counted, false)).toBe(5);
    expect(placeholderHoldFrom('text <PHONE', counted, false)).toBe('text <PHONE'.length);
    expect(reads).toBeLessThan(4 * 40);
  });

  it('holds exactly what some key starts with (same answer as a scan of all keys)', () => {
    const keys = ['EMAIL_ADDRESS_1', 'EMAIL_ADDRESS_12', 'PERSON_3', 'US_SSN_1', 'US_SSN_10'].sort();
    const tails = ['<', '<E', '<EMAIL_ADDRESS_1', '<EMAIL_ADDRESS_12', '<EMAIL_ADDRESS_13', '<PERSON_', '<PERSON_4', '<us ssn 1', '<US_SSN_10', '<US_SSN_100', '<Z', '<A'];
    for (const t of tails) {
      const c = canonicalPlaceholder(t.slice(1));
      const want = keys.some((k) => k.startsWith(c)) ? 2 : 2 + t.length;
      expect(placeholderHoldFrom(`a ${t}`, keys, false), t).toBe(want);
    }
  });

  it('a streamed answer with 40,000 placeholders costs about what one with 20 does', () => {
    // Every piece ends in something placeholder-like, so every push asks whether a key starts with
    // the tail: one no key does (the old scan read all keys for it), or the start of one that does.
    const pieces = Array.from({ length: 4_000 }, (_, i) => `word ${i} <EMAIL_ADDRESS_${(i % 20) + 1}> and <${i % 4 ? 'PHONE_NUMBER_' : 'EMAIL_ADD'}`);
    const run = (restore: Map<string, string>) => () => {
      const r = new StreamRestorer(restore);
      for (const p of pieces) r.push(p);
      r.flush();
    };
    const small = restoreMap(20);
    const large = restoreMap(40_000);
    // Same output either way: the placeholders the pieces name are in both maps.
    const a = new StreamRestorer(small), b = new StreamRestorer(large);
    expect(pieces.map((p) => a.push(p)).join('') + a.flush()).toBe(pieces.map((p) => b.push(p)).join('') + b.flush());
    fastest(run(small), 1);
    const tSmall = fastest(run(small));
    const tLarge = fastest(run(large));
    // Linear in keys it was ~70x here (through the gateway: 20,000 placeholders echoed in 16-character
    // pieces took 2.1 s, 80,000 in-process 39 s).
    expect(tLarge).toBeLessThan(Math.max(10 * tSmall, 50));
  });
});

describe('restore tap with many choices', () => {
  /** One chunk in which every choice holds a placeholder's start, then one that ends them all. */
  function answer(n: number) {
    const open = { choices: Array.from({ length: n }, (_, i) => ({ index: i, delta: { content: `x <EMAIL_ADDRESS_` }, finish_reason: null })) };
    const close = { choices: Array.from({ length: n }, (_, i) => ({ index: i, delta: { content: '1>' }, finish_reason: 'stop' })) };
    return { open, close };
  }

  it('finishing n choices costs about n, not n^2', () => {
    const restore = restoreMap(3);
    const perChoice = (n: number, withEnd: boolean) =>
      fastest(() => {
        const { open, close } = answer(n);
        const tap = restoreTap(restore);
        tap.chunk!(structuredClone(open));
        if (withEnd) tap.end!();
        else tap.chunk!(structuredClone(close));
      }) / n;
    const { open, close } = answer(3);
    const tap = restoreTap(restore);
    const a = tap.chunk!(structuredClone(open)) as any;
    const b = tap.chunk!(structuredClone(close)) as any;
    expect(a.choices.map((c: any, i: number) => c.delta.content + b.choices[i].delta.content)).toEqual(Array(3).fill('x u0@example.com'));
    perChoice(500, false);
    // finish_reason on every choice, and the end of a stream that never sent one.
    for (const withEnd of [false, true]) {
      const small = perChoice(500, withEnd);
      const large = perChoice(8_000, withEnd);
      // Quadratic it was ~16x per choice here (16,000 choices: 10.9 s through the gateway).
      expect(large).toBeLessThan(Math.max(5 * small, 0.02));
    }
  });
});

describe('restore tap with many tool calls in one choice', () => {
  it('finishing a choice with n held tool-call arguments reads its calls about n times, not n^2', () => {
    const restore = restoreMap(3);
    const run = (n: number) => {
      const tap = restoreTap(restore);
      tap.chunk!({ choices: [{ index: 0, delta: { tool_calls: Array.from({ length: n }, (_, i) => ({ index: i, function: { arguments: '{"to":"<EMAIL_ADDRESS_' } })) }, finish_reason: null }] });
      // The finishing chunk's calls, counted where the tap reads them.
      let reads = 0;
      const calls = new Proxy([{ index: 0, function: { arguments: '1>"}' } }] as any[], {
        get(target, prop, recv) {
          if (typeof prop === 'string' && /^\d+$/.test(prop)) reads++;
          return Reflect.get(target, prop, recv);
        },
      });
      const fin = tap.chunk!({ choices: [{ index: 0, delta: { tool_calls: calls }, finish_reason: 'stop' }] }) as any;
      return { fin, reads };
    };
    // Call 0 is restored; the others' held text comes back on the finishing chunk, each on its call.
    const { fin } = run(3);
    expect(fin.choices[0].delta.tool_calls.map((c: any) => [c.index, c.function.arguments])).toEqual([
      [0, 'u0@example.com"}'],
      [1, '<EMAIL_ADDRESS_'],
      [2, '<EMAIL_ADDRESS_'],
    ]);
    // A search of the delta's calls per held call read them 2,000 x 2,000 / 2 times.
    expect(run(2_000).reads).toBeLessThan(10 * 2_000);
  });
});
