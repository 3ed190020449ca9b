// Each benchmarked server runs in its own process and answers {cmd:'usage'} with its CPU time and
// RSS, so CPU per request is the server's own, not the load generator's.
export function reportUsage(): void {
  process.on('message', (m: { cmd?: string }) => {
    if (m?.cmd === 'usage') {
      const cpu = process.cpuUsage();
      process.send?.({ usage: { cpuUs: cpu.user + cpu.system, rss: process.memoryUsage().rss } });
    }
  });
}
