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
    // An endless upstream of 1 MiB chunks, each new (as a socket's are).
    const source: BodyReader = {
      read: () => Promise.resolve({ done: false, value: new Uint8Array(1 << 20) }),
      cancel: () => Promise.resolve(),
    };
    const w = idleWatch(60_000);
    const reader = w.reader(source);
    await reader.read();
    gc();
    const before = process.memoryUsage().arrayBuffers;
    for (let i = 0; i < 64; i++) await reader.read();
    gc();
    const retained = process.memoryUsage().arrayBuffers - before;
    // A Promise.race against one pending promise per stream kept a reaction per read, each holding
    // its chunk: the 64 MiB read so far stayed reachable until the stream ended.
    expect(retained).toBeLessThan(8 << 20);
    await reader.cancel();
    w.dispose();
  });
});
