// What ext_proc's STREAMED response-body mode costs per SSE chunk. In STREAMED mode Envoy holds each
// body chunk until ext_proc answers it, so every token chunk of an answer pays one gRPC round trip
// plus our processing. This plays Envoy (test/integration/helpers/envoy-client.ts: a real gRPC
// socket, one message at a time, as Envoy sends them) against the real ext_proc server with the
// bundled packs, in a child process (bench/extproc-stream-server.ts), and times each body chunk's
// round trip and the server's CPU per chunk for:
//   cache   - STREAMED with only the semantic cache's store tap (a miss: recorded, answered CONTINUE);
//   restore - STREAMED with the PII restore tap (each chunk answered with the events it completed);
//   echo    - a bare grpc-js server on the same proto answering each chunk with itself (the floor).
// The request is sent with x-vsr-cache-control: no-cache so every answer is a miss with a store
// pending. The last chunk (end_of_stream: the cache store starts then) is not timed; after each answer
// the bench waits so that store does not overlap the next one. Modes are interleaved per round and the
// medians over rounds are printed. Client and server share the core(s) they run on:
//   taskset -c 0 npx tsx bench/extproc-stream.ts [--chunks 200] [--chars 20] [--answers 5] [--rounds 7]
import { setTimeout as sleep } from 'node:timers/promises';
import { EnvoyClient, requestBody, requestHeaders, responseHeaders, type Msg } from '../test/integration/helpers/envoy-client.ts';
import { start, type Child } from './servers.ts';
import { cliArg, REQUEST } from './timing.ts';

const args = process.argv.slice(2);
const CHUNKS = Number(cliArg(args, 'chunks', '200'));
const CHARS = Number(cliArg(args, 'chars', '20'));
const ANSWERS = Number(cliArg(args, 'answers', '5'));
const ROUNDS = Number(cliArg(args, 'rounds', '7'));
const MODES = cliArg(args, 'modes', 'echo,cache,restore').split(',');

const CHAT = { ':method': 'POST', ':path': '/v1/chat/completions', ':authority': 'semroute', 'content-type': 'application/json', 'x-vsr-cache-control': 'no-cache' };
const SSE = { ':status': '200', 'content-type': 'text/event-stream' };
const WORDS = 'the quick answer streams token by token while the router keeps every chunk moving toward the client'.split(' ');

/** vLLM-shaped SSE chunks: one event each, about CHARS characters of content; one quotes `placeholder`. */
function answerEvents(placeholder: string): string[] {
  const ev = (delta: object, finish: string | null = null) =>
    `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1700000000, model: 'qwen3', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  const out: string[] = [];
  let w = 0;
  for (let i = 0; i < CHUNKS - 1; i++) {
    let text = i === Math.floor(CHUNKS / 2) ? ` ${placeholder}` : '';
    while (text.length < CHARS) text += ` ${WORDS[w++ % WORDS.length]}`;
    out.push(ev({ content: text }));
  }
  out.push(ev({}, 'stop') + 'data: [DONE]\n\n');
  return out;
}

interface Sample {
  rttUs: number[];
  cpuUs: number;
  chunks: number;
  rewritten: number;
}

async function oneAnswer(client: EnvoyClient, child: Child, mode: string, question: string): Promise<Sample> {
  const s = client.open();
  await s.send(requestHeaders(CHAT));
  const rb: Msg = await s.send(requestBody(JSON.stringify({ model: 'MoM', stream: true, messages: [{ role: 'user', content: question }] })));
  const sentBody = rb.request_body?.response?.body_mutation?.body;
  const placeholder = (sentBody && /<[A-Z_]+_\d+>/.exec(Buffer.from(sentBody).toString())?.[0]) ?? '<EMAIL_ADDRESS_1>';
  if (mode === 'restore' && !sentBody?.length) throw new Error('restore: the request was not redacted');
  const rh: Msg = await s.send(responseHeaders(SSE));
  if (mode !== 'echo' && rh.mode_override?.response_body_mode !== 'STREAMED') throw new Error(`${mode}: answer body not asked for in STREAMED mode`);
  // Encoded before the clock starts: Envoy's own encoding is not ours to measure.
  const frames = answerEvents(placeholder).map((e, i) => client.encode({ response_body: { body: Buffer.from(e), end_of_stream: i === CHUNKS - 1 } }));
  const rttUs: number[] = [];
  let rewritten = 0;
  let out = '';
  const before = await child.usage();
  for (let i = 0; i < CHUNKS - 1; i++) {
    const t0 = process.hrtime.bigint();
    const r: Msg = await s.send(frames[i]!);
    rttUs.push(Number(process.hrtime.bigint() - t0) / 1e3);
    const m = r.response_body?.response;
    if (m?.body_mutation) rewritten++;
    if (m?.body_mutation?.body?.length) out += Buffer.from(m.body_mutation.body).toString();
  }
  // The restore tap must have done its work (the placeholder put back), else the numbers mean nothing.
  if (mode === 'restore' && (out.includes(placeholder) || !out.includes(' the '))) throw new Error('restore: placeholder not restored');
  const after = await child.usage();
  await s.send(frames[CHUNKS - 1]!);
  s.end();
  await s.closed;
  return { rttUs, cpuUs: after.cpuUs - before.cpuUs, chunks: CHUNKS - 1, rewritten };
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const median = (xs: number[]) => pct([...xs].sort((a, b) => a - b), 50);

const children = new Map<string, Child>();
const clients = new Map<string, EnvoyClient>();
for (const mode of MODES) {
  const child = await start(`extproc-${mode}`, 'extproc-stream-server.ts', [mode]);
  children.set(mode, child);
  clients.set(mode, new EnvoyClient(`127.0.0.1:${child.port}`));
}

const perRound = new Map<string, Array<{ p50: number; p99: number; cpu: number; rewritten: number }>>(MODES.map((m) => [m, []]));
let q = 0;
try {
  // One untimed answer per server first: JIT, connections, first-use allocations.
  for (let w = 0; w < 3; w++) for (const mode of MODES) await oneAnswer(clients.get(mode)!, children.get(mode)!, mode, `${REQUEST} Warm-up ${q++}.`);
  for (let r = 0; r < ROUNDS; r++) {
    // Rotate the order each round so no mode always runs right after another.
    const order = MODES.map((_, i) => MODES[(i + r) % MODES.length]!);
    for (const mode of order) {
      const samples: Sample[] = [];
      for (let a = 0; a < ANSWERS; a++) {
        samples.push(await oneAnswer(clients.get(mode)!, children.get(mode)!, mode, `${REQUEST} Case ${(q++ * 7919).toString(36)}.`));
        // Let the cache store (embedding + insert) started by end_of_stream finish outside the clock.
        await sleep(100);
      }
      const rtt = samples.flatMap((s) => s.rttUs).sort((a, b) => a - b);
      const chunks = samples.reduce((n, s) => n + s.chunks, 0);
      perRound.get(mode)!.push({
        p50: pct(rtt, 50),
        p99: pct(rtt, 99),
        cpu: samples.reduce((n, s) => n + s.cpuUs, 0) / chunks,
        rewritten: samples.reduce((n, s) => n + s.rewritten, 0) / samples.length,
      });
    }
    process.stderr.write(`round ${r + 1}/${ROUNDS} done\n`);
  }
} finally {
  for (const c of clients.values()) c.close();
  for (const c of children.values()) c.proc.kill('SIGINT');
}

console.log(`\n${CHUNKS} SSE chunks per answer (~${CHARS} content characters each, ${answerEvents('<EMAIL_ADDRESS_1>')[1]!.length} bytes per event), ${ANSWERS} answers per mode per round, ${ROUNDS} rounds; medians over rounds`);
console.log('| mode | round trip p50 (us) | round trip p99 (us) | ext_proc CPU per chunk (us) | chunks answered with a body mutation |');
console.log('|---|---:|---:|---:|---:|');
for (const mode of MODES) {
  const rs = perRound.get(mode)!;
  const f = (k: 'p50' | 'p99' | 'cpu') => `${median(rs.map((x) => x[k])).toFixed(0)} (${Math.min(...rs.map((x) => x[k])).toFixed(0)}-${Math.max(...rs.map((x) => x[k])).toFixed(0)})`;
  console.log(`| ${mode} | ${f('p50')} | ${f('p99')} | ${f('cpu')} | ${median(rs.map((x) => x.rewritten)).toFixed(0)} of ${CHUNKS - 1} |`);
}
