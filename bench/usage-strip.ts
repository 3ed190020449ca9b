// Per-read CPU of the usage strip (src/upstream/usage-strip.ts): what a streamed answer whose client did
// not ask for usage pays per event since the gateway asks for it. Reads as bench/sse-upstream.ts writes
// them (one vLLM token event per read), and, for comparison, the same event with `"usage":null` (an
// OpenAI-style upstream: every read then loses those bytes) and the end of an answer (finish, usage
// chunk, [DONE] in one read: cut into events and parsed). Interleaved rounds, median ns per read.
//   npx tsx bench/usage-strip.ts [--reads 200000] [--rounds 7]
import { parseArgs } from 'node:util';
import { UsageStripper } from '../src/upstream/usage-strip.ts';

const { values } = parseArgs({ options: { reads: { type: 'string', default: '200000' }, rounds: { type: 'string', default: '7' } } });
const reads = Number(values.reads);
const head = '{"id":"chatcmpl-sse","object":"chat.completion.chunk","created":1700000000,"model":"bench-model","choices":[';
const enc = new TextEncoder();
const TOKEN = enc.encode(`data: ${head}{"index":0,"delta":{"content":"tok"},"logprobs":null,"finish_reason":null}]}\n\n`);
const TOKEN_NULL = enc.encode(`data: ${head}{"index":0,"delta":{"content":"tok"},"logprobs":null,"finish_reason":null}],"usage":null}\n\n`);
const END = enc.encode(
  `data: ${head}{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop","stop_reason":null}]}\n\n` +
    `data: ${head}],"usage":{"prompt_tokens":20,"total_tokens":1020,"completion_tokens":1000}}\n\n` +
    'data: [DONE]\n\n',
);

let sink = 0;
function run(value: Uint8Array, n: number): number {
  const s = new UsageStripper();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) sink += s.push(value).byteLength;
  return Number(process.hrtime.bigint() - t0) / n;
}

const cases: Array<[string, Uint8Array, number]> = [
  ['vLLM token event (fast path)', TOKEN, reads],
  ['token event with "usage":null (bytes cut out)', TOKEN_NULL, reads / 10],
  ['answer end: finish + usage chunk + [DONE]', END, reads / 10],
];
const out = new Map<string, number[]>();
for (let round = 0; round < Number(values.rounds); round++) {
  for (const [name, v, n] of round % 2 ? [...cases].reverse() : cases) (out.get(name) ?? out.set(name, []).get(name)!).push(run(v, n));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const [name, xs] of out) console.log(`${name.padEnd(48)} ${median(xs).toFixed(0).padStart(6)} ns/read  (rounds: ${xs.map((x) => x.toFixed(0)).join(' ')})`);
if (sink < 0) console.log(sink);
