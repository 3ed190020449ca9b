// Per-event CPU of a streamed answer: a vLLM-like stream of EVENTS one-token chunks (bench/sse-upstream.ts,
// each event its own write, then finish, usage and [DONE]) read (a) from the upstream direct, (b) through
// the bare Hono + fetch proxy, (c) through semroute (bundled, as bench/servers.ts starts it), and, when
// named, `raw` (bench/raw-proxy.ts: node:http + undici.request + pipe, the floor of one read and one
// write per event) and any saved semroute bundle (npx tsx bench/ab.ts --save NAME), interleaved round
// by round (order alternating). BENCHMARKS.md "CPU per streamed SSE event" has the runs.
//   npx tsx bench/sse-events.ts [direct bare raw current NAME...] [--events 1000] [--conns 1,8] [--streams 40]
//                               [--rounds 5] [--gap-ms 0] [--pii] [--cache] [--no-usage] [-- node flags for semroute]
// Prints per build and concurrency the medians over rounds of: server CPU per stream and per event (the
// process in front of the client; for `direct` the upstream itself), events/s at the client, and the
// reads the client saw per stream (fewer than the events when the proxy or the network merged writes).
// --pii: semroute masks e-mail addresses and restores them in answers (SEMROUTE_BENCH_PII_RESTORE, see
// bench/semroute-server.ts) and the request carries one, so the restore tap rewrites every event.
// --cache: semroute's semantic cache on (SEMROUTE_BENCH_CACHE) and a new question per stream, so every
// answer is recorded and stored (no hits). Both apply to semroute builds only.
// --no-usage: the client does not ask for usage (no stream_options): semroute asks for it and takes the
// usage chunk out of the client's stream (src/upstream/usage-strip.ts); the upstream sends it either way.
// --help: this text.
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { bundle, root, start, startBundled, stop, type Child } from './servers.ts';
import { MALLOC_ENV } from '../runtimes/node/malloc-env.ts';

const dash = process.argv.indexOf('--');
const { values, positionals } = parseArgs({
  args: process.argv.slice(2, dash < 0 ? undefined : dash),
  allowPositionals: true,
  options: {
    events: { type: 'string', default: '1000' },
    conns: { type: 'string', default: '1,8' },
    streams: { type: 'string', default: '40' },
    rounds: { type: 'string', default: '5' },
    'gap-ms': { type: 'string', default: '0' },
    pii: { type: 'boolean', default: false },
    cache: { type: 'boolean', default: false },
    'no-usage': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  const src = readFileSync(fileURLToPath(import.meta.url), 'utf8');
  console.log(src.split('\nimport ')[0].replace(/^\/\/ ?/gm, ''));
  process.exit(0);
}
const nodeFlags = dash < 0 ? [] : process.argv.slice(dash + 1);
const events = Number(values.events);
const streams = Number(values.streams);
const names = positionals.length ? positionals : ['direct', 'bare', 'current'];
const content = values.pii ? 'Write a long story about a lighthouse keeper; send it to jane.doe@example.com.' : 'Write a long story about a lighthouse keeper.';
let asked = 0;
const body = () =>
  Buffer.from(JSON.stringify({ model: 'MoM', stream: true, ...(values['no-usage'] ? {} : { stream_options: { include_usage: true } }), messages: [{ role: 'user', content: values.cache ? `${content} Part ${++asked}.` : content }] }));
const semrouteEnv = { ...MALLOC_ENV, ...(values.pii ? { SEMROUTE_BENCH_PII_RESTORE: '1' } : {}), ...(values.cache ? { SEMROUTE_BENCH_CACHE: '1' } : {}) };

const upstream = await start('upstream', 'sse-upstream.ts', [String(events), values['gap-ms']]);
const servers = new Map<string, Child>();
for (const name of names) {
  if (name === 'direct') servers.set(name, upstream);
  else if (name === 'bare') servers.set(name, await start('bare', 'bare-proxy.ts', [`http://127.0.0.1:${upstream.port}`]));
  else if (name === 'raw') servers.set(name, await start('raw', 'raw-proxy.ts', [`http://127.0.0.1:${upstream.port}`]));
  else {
    const file = name === 'current' ? await bundle('semroute-server.ts') : `${root}dist/bench/ab-${name}.mjs`;
    servers.set(name, await startBundled(name, file, [String(upstream.port)], nodeFlags, semrouteEnv));
  }
}

interface Run {
  seconds: number;
  events: number;
  reads: number;
  errors: number;
}

/** `total` streams over `conns` keep-alive connections; counts the data: events and reads the client got. */
async function load(port: number, conns: number, total: number): Promise<Run> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: conns });
  let started = 0;
  const run: Run = { seconds: 0, events: 0, reads: 0, errors: 0 };
  const one = () =>
    new Promise<void>((resolve) => {
      const BODY = body();
      const req = http.request(
        { host: '127.0.0.1', port, path: '/v1/chat/completions', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': BODY.length } },
        (res) => {
          let got = 0;
          let carry = '';
          res.setEncoding('latin1');
          res.on('data', (s: string) => {
            run.reads++;
            const text = carry + s;
            for (let i = text.indexOf('data:'); i >= 0; i = text.indexOf('data:', i + 5)) got++;
            // A `data:` cut by the read's end is counted with the next read (4 characters kept: no whole match).
            carry = text.slice(-4);
          });
          res.on('end', () => {
            // FIRST + events + finish + usage + [DONE]
            // (less the usage chunk when semroute takes it out: --no-usage)
            if (res.statusCode !== 200 || got < events + (values['no-usage'] ? 3 : 4)) run.errors++;
            run.events += got;
            resolve();
          });
          res.on('error', () => {
            run.errors++;
            resolve();
          });
        },
      );
      req.on('error', () => {
        run.errors++;
        resolve();
      });
      req.end(BODY);
    });
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: conns }, async () => {
      while (started++ < total) await one();
    }),
  );
  run.seconds = (performance.now() - t0) / 1000;
  agent.destroy();
  return run;
}

const connList = values.conns.split(',').map(Number);
// Warm-up: JIT, keep-alive pools, ORT sessions.
for (const [, s] of servers) await load(s.port, 8, 16);
type Row = { cpuStream: number[]; cpuEvent: number[]; evs: number[]; reads: number[]; upstreamEvent: number[] };
const rows = new Map<string, Row>();
for (let round = 0; round < Number(values.rounds); round++) {
  const order = round % 2 ? [...names].reverse() : names;
  for (const conns of connList) {
    for (const name of order) {
      const s = servers.get(name)!;
      // One question per child at a time: two pending on one child would each take the first reply.
      const both = async () => (s === upstream ? [await s.usage(), await s.usage()] : Promise.all([s.usage(), upstream.usage()]));
      const [b, ub] = await both();
      const r = await load(s.port, conns, streams);
      const [a, ua] = await both();
      if (r.errors) console.log(`${name} c=${conns}: ${r.errors} incomplete streams`);
      const key = `${name} c=${conns}`;
      const row = rows.get(key) ?? { cpuStream: [], cpuEvent: [], evs: [], reads: [], upstreamEvent: [] };
      const cpu = a.cpuUs - b.cpuUs;
      row.cpuStream.push(cpu / streams);
      row.cpuEvent.push(cpu / r.events);
      row.evs.push(r.events / r.seconds);
      row.reads.push(r.reads / streams);
      row.upstreamEvent.push((ua.cpuUs - ub.cpuUs) / r.events);
      rows.set(key, row);
    }
  }
}
const med = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
console.log(
  `${events} one-token events per stream (+ first, finish, usage, [DONE]), ${streams} streams per measurement, gap ${values['gap-ms']} ms, ` +
    `${values.rounds} rounds, medians (per-event = CPU / events the client got)${values.pii ? ', PII restore on' : ''}${values.cache ? ', cache recording' : ''}`,
);
console.log('build / conns          cpu/stream   cpu/event   events/s   reads/stream   upstream cpu/event   [cpu/event per round]');
for (const [key, r] of rows) {
  console.log(
    `${key.padEnd(20)} ${(med(r.cpuStream) / 1000).toFixed(2).padStart(9)} ms ${med(r.cpuEvent).toFixed(2).padStart(8)} us ${med(r.evs).toFixed(0).padStart(10)} ` +
      `${med(r.reads).toFixed(0).padStart(12)} ${med(r.upstreamEvent).toFixed(2).padStart(17)} us   [${r.cpuEvent.map((x) => x.toFixed(1)).join(' ')}]`,
  );
}
for (const [name, s] of servers) if (name !== 'direct') await stop(s);
await stop(upstream);
process.exit(0);
