// collectGarbage (runtimes/node/collect-garbage.ts) frees what is unreachable now, without --expose-gc
// on the command line and without leaving gc() on the global object.
import { describe, expect, it } from 'vitest';
import { collectGarbage } from '../../runtimes/node/collect-garbage.ts';

describe('collectGarbage', () => {
  it('frees an unreachable ArrayBuffer at once and leaves the global object as it was', async () => {
    const globalGc = (globalThis as { gc?: unknown }).gc;
    let bytes: Uint8Array | undefined = new Uint8Array(16 << 20).fill(1);
    const ref = new WeakRef(bytes);
    bytes = undefined;
    await new Promise((r) => setTimeout(r, 0)); // a WeakRef target is kept until the end of the job that made it
    collectGarbage();
    expect(ref.deref()).toBeUndefined();
    collectGarbage(); // a second call reuses the same gc()
    expect((globalThis as { gc?: unknown }).gc).toBe(globalGc);
  });
});
