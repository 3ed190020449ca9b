// Each benchmarked server runs in its own process and answers {cmd:'usage'} with its CPU time and
// memory, so CPU per request is the server's own, not the load generator's.
export function reportUsage(): void {
  process.on('message', (m: { cmd?: string }) => {
    if (m?.cmd === 'usage') {
      const cpu = process.cpuUsage();
      const mem = process.memoryUsage();
      process.send?.({
        usage: { cpuUs: cpu.user + cpu.system, userUs: cpu.user, systemUs: cpu.system, rss: mem.rss, heapTotal: mem.heapTotal, heapUsed: mem.heapUsed, external: mem.external, arrayBuffers: mem.arrayBuffers },
      });
    }
  });
}
