// One server under the bench's load, for profiling and quick before/after checks of CPU per request:
//   npx tsx bench/profile.ts [semroute|bare] [--conns 32] [--seconds 10] [--stream] [--rounds 1] [-- node flags]
// e.g. `npx tsx bench/profile.ts semroute --seconds 10 -- --cpu-prof --cpu-prof-dir=/tmp/prof`.
// Prints server CPU per request and process.memoryUsage() (rss, heap, external, arrayBuffers) after each round.
import { parseArgs } from 'node:util';
import { percentile, runLoad } from './load.ts';
import { chatBodies, rssByMapping, start, stop } from './servers.ts';
import { MALLOC_ENV } from '../runtimes/node/malloc-env.ts';

const dash = process.argv.indexOf('--');
const { values, positionals } = parseArgs({
  args: process.argv.slice(2, dash < 0 ? undefined : dash),
  allowPositionals: true,
  options: { conns: { type: 'string', default: '32' }, seconds: { type: 'string', default: '10' }, stream: { type: 'boolean', default: false }, rounds: { type: 'string', default: '1' } },
});
const nodeFlags = dash < 0 ? [] : process.argv.slice(dash + 1);
const which = positionals[0] ?? 'semroute';
const bodies = chatBodies(values.stream);

const upstream = await start('upstream', 'fast-upstream.ts', []);
const server =
  which === 'bare'
    ? await start('bare', 'bare-proxy.ts', [`http://127.0.0.1:${upstream.port}`], nodeFlags)
    : await start('semroute', 'semroute-server.ts', [String(upstream.port)], nodeFlags, { ...MALLOC_ENV });
await runLoad({ port: server.port, bodies, connections: 8, seconds: 1 });
const mb = (n?: number) => ((n ?? 0) / 1048576).toFixed(1);
for (let i = 0; i < Number(values.rounds); i++) {
  const before = await server.usage();
  const r = await runLoad({ port: server.port, bodies, connections: Number(values.conns), seconds: Number(values.seconds) });
  const after = await server.usage();
  const lat = r.latencies.sort((a, b) => a - b);
  console.log(
    `${which} ${values.stream ? 'sse' : 'json'} c=${values.conns}: ${(r.requests / r.seconds).toFixed(0)} req/s, ` +
      `cpu/req ${((after.cpuUs - before.cpuUs) / r.requests).toFixed(0)} us, p50 ${percentile(lat, 50).toFixed(3)} ms, errors ${r.errors}; ` +
      `rss ${mb(after.rss)} MB, heapTotal ${mb(after.heapTotal)}, heapUsed ${mb(after.heapUsed)}, external ${mb(after.external)}, arrayBuffers ${mb(after.arrayBuffers)}`,
  );
  console.log(`  V8 spaces (physical MB): ${Object.entries(after.spaces ?? {}).map(([k, v]) => `${k} ${v}`).join(', ')}`);
}
// Where the resident memory sits (Linux): RSS per mapping; V8 and large native allocations are anonymous.
const rows = rssByMapping(server.proc.pid);
if (rows.length) console.log(`RSS by mapping (>= 1 MB): ${rows.map(([n, mb]) => `${n} ${mb.toFixed(1)}`).join(', ')}`);
await stop(server);
await stop(upstream);
process.exit(0);
