// The idle watch (on by default: upstream.idle_timeout_ms 120000) must not hold the chunks it has
// passed: a long stream's memory stays flat while it runs, not growing with every byte sent so far.
import { describe, expect, it } from 'vitest';
import v8 from 'node:v8';
import vm from 'node:vm';
import { idleWatch } from '../../src/upstream/idle.ts';
import type { BodyReader } from '../../src/upstream/types.ts';

describe('idleWatch reader', () => {
  it('a chunk read through the watch is not retained once the consumer dropped it (stream still open)', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    // An endless upstream of 1 MiB chunks, each new (as a socket's are). Each chunk is watched through
    // a WeakRef: whether it is still reachable after a GC is exact, where the process-wide
    // arrayBuffers figure also counts what other test files allocate meanwhile.
    const refs: WeakRef<Uint8Array>[] = [];
    const source: BodyReader = {
      read: () => {
        const value = new Uint8Array(1 << 20);
        refs.push(new WeakRef(value));
        return Promise.resolve({ done: false, value });
      },
      cancel: () => Promise.resolve(),
    };
    const w = idleWatch(60_000);
    const reader = w.reader(source);
    for (let i = 0; i < 64; i++) await reader.read();
    // A WeakRef keeps its target until the current job ends: let it end before collecting.
    await new Promise((r) => setTimeout(r, 0));
    gc();
    const alive = refs.filter((r) => r.deref() !== undefined).length;
    // A Promise.race against one pending promise per stream kept a reaction per read, each holding
    // its chunk: the 64 chunks read so far stayed reachable until the stream ended.
    expect(alive).toBeLessThanOrEqual(2);
    await reader.cancel();
    w.dispose();
  });
});
