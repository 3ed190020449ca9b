// Polling for what a test asserts when the product records it asynchronously (after the answer's
// end, a store tap, a log line, a socket closing): a fixed sleep is either too short on a loaded
// 2-core CI machine or wastes time on an idle one. Shared by the integration tests (and
// re-exported by redis-pods.ts, where it started).

/** Polls cond every stepMs until it holds (the time it took) or throws after ms. */
export async function until(cond: () => boolean | Promise<boolean>, ms: number, stepMs = 10): Promise<number> {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    if (await cond()) return Date.now() - t0;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  throw new Error(`condition not met within ${ms} ms`);
}

/**
 * Waits until value() has not changed for quietMs of on-time ticks stepMs apart (at most ms), then
 * returns it: for "the upstream stopped writing" once socket buffers filled. The upstream, the gateway
 * and the test share one event loop, and on a loaded machine the bytes move in bursts: a busy turn of
 * the loop (a tick that fires late does not count as quiet), or the kernel reopening a paused
 * client's window on loopback seconds later (seen: 4.3 MB, then nothing for 0.75 s of on-time ticks,
 * then 3.5 MB more). A rate threshold ("grew less than 256 KB in 500 ms") took either for the end. A
 * value that never settles returns after ms, and the caller's checks fail.
 */
export async function untilSteady(value: () => number, { quietMs = 3_000, ms = 30_000, stepMs = 250 } = {}): Promise<number> {
  const t0 = Date.now();
  for (let quiet = 0, last = value(); quiet < quietMs && Date.now() - t0 < ms; ) {
    const before = Date.now();
    await new Promise((r) => setTimeout(r, stepMs));
    const now = value();
    const took = Date.now() - before;
    quiet = now === last && took < 2 * stepMs ? quiet + took : 0;
    last = now;
  }
  return value();
}
