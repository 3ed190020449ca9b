// Each benchmarked server runs in its own process and answers {cmd:'usage'} with its CPU time and
// memory, so CPU per request is the server's own, not the load generator's.
import v8 from 'node:v8';
import { collectGarbage } from '../runtimes/node/collect-garbage.ts';

export function reportUsage(): void {
  process.on('message', (m: { cmd?: string; gc?: boolean }) => {
    if (m?.cmd === 'usage') {
      if (m.gc) collectGarbage(); // what is still reachable (bench/rss.ts: does the heap keep what load made?)
      const cpu = process.cpuUsage();
      const mem = process.memoryUsage();
      process.send?.({
        usage: { cpuUs: cpu.user + cpu.system, userUs: cpu.user, systemUs: cpu.system, rss: mem.rss, heapTotal: mem.heapTotal, heapUsed: mem.heapUsed, external: mem.external, arrayBuffers: mem.arrayBuffers,
          // V8's heap by space (committed MB): where heapTotal sits (new space is the young generation).
          spaces: Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, +(s.physical_space_size / 1048576).toFixed(1)])) },
      });
    }
  });
}
