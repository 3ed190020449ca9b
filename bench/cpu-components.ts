// Where a bundled server's CPU goes, by component (self + children): each sample of a V8 .cpuprofile
// goes to the innermost frame on its stack whose source module (the bundle's `// path` markers, or a
// node_modules package) belongs to a component, so e.g. undici's work under the forwarder counts as the
// upstream client and the pipeline's calls into onnxruntime count as classification. Kernel writes
// (writev/writeBuffer samples) are shown apart: they are the loopback sockets' cost, not JavaScript.
//   npx tsx bench/profile.ts semroute --seconds 10 -- --cpu-prof --cpu-prof-dir=/tmp/prof --cpu-prof-interval 200
//   npx tsx bench/cpu-components.ts /tmp/prof/CPU.*.cpuprofile dist/bench/semroute-server.mjs [component ...]
// The bundle must be the one that was profiled (bench/profile.ts rebuilds it on each run). Naming a
// component also lists its hottest leaf functions.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

interface Frame { functionName: string; url: string; lineNumber: number }
interface ProfileNode { id: number; callFrame: Frame; children?: number[] }
interface Profile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }

const [profilePath, bundlePath, ...wanted] = process.argv.slice(2);
if (!profilePath || !bundlePath) {
  console.error('usage: cpu-components.ts PROFILE.cpuprofile BUNDLE.mjs [component ...]');
  process.exit(2);
}

/** First match wins, so the more specific components come first. */
const COMPONENTS: Array<[string, RegExp]> = [
  ['classification (featurization, onnxruntime)', /src\/classify\/|onnxruntime|ort-engine|ort-adapter|src\/load-classifiers/],
  ['request log (pino, logger)', /\/pino\/|logger\.ts|request-log\.ts|sonic-boom/],
  ['metrics', /src\/observability\/(registry|metrics|usage|catalog)\.ts/],
  ['tracing hooks', /src\/observability\/(tracing|trace-context)\.ts|@opentelemetry/],
  ['upstream client (undici)', /\/undici\/|runtimes\/node\/upstream-(client|exchange)\.ts/],
  ['guard (jailbreak windows, PII policy)', /src\/guard\//],
  ['forwarder (headers, idle watch, SSE)', /src\/upstream\//],
  ['pipeline stages (parse, route, rewrite)', /src\/pipeline\//],
  ['OpenAI surface (body read, request id)', /src\/api\/|src\/app\.ts/],
  ['Hono router', /\/node_modules\/hono\//],
  ['HTTP server (@hono/node-server, serve.ts)', /@hono\/node-server|runtimes\/node\/(serve|stream-body|client-signal|listen)\.ts/],
];
const KERNEL_WRITES = new Set(['writev', 'writeBuffer', 'writeUtf8String', 'writeLatin1String']);

const profile = JSON.parse(readFileSync(profilePath, 'utf8')) as Profile;
const bundleName = basename(bundlePath);
const markers: Array<[number, string]> = [];
readFileSync(bundlePath, 'utf8')
  .split('\n')
  .forEach((line, i) => {
    const m = /^\/\/ (\S+\.(?:ts|js|mjs|cjs))$/.exec(line);
    if (m) markers.push([i, m[1]!]);
  });
/** The bundled module a (0-based) line of the bundle belongs to: the last marker at or above it. */
function moduleAt(line: number): string {
  let lo = 0, hi = markers.length - 1, found = '?';
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (markers[mid]![0] <= line) {
      found = markers[mid]![1];
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const moduleOf = (f: Frame) => (f.url.endsWith(bundleName) ? moduleAt(f.lineNumber) : f.url || `(${f.functionName})`);
const componentOf = (f: Frame) => COMPONENTS.find(([, re]) => re.test(moduleOf(f)))?.[0];

const byComponent = new Map<string, number>();
const leaves = new Map<string, Map<string, number>>();
const add = <K>(m: Map<K, number>, k: K, v: number) => m.set(k, (m.get(k) ?? 0) + v);
let total = 0;
for (let i = 0; i < profile.samples.length; i++) {
  const dt = profile.timeDeltas[i] ?? 0;
  total += dt;
  const leaf = nodes.get(profile.samples[i]!)!;
  let component: string | undefined;
  for (let id: number | undefined = leaf.id; id !== undefined && !component; id = parent.get(id)) component = componentOf(nodes.get(id)!.callFrame);
  const fn = leaf.callFrame.functionName;
  if (!component) component = ['(idle)', '(garbage collector)', '(program)'].includes(fn) ? fn : 'other Node internals (streams, events, timers, microtasks)';
  if (KERNEL_WRITES.has(fn)) component += ' [kernel write]';
  add(byComponent, component, dt);
  const m = leaves.get(component) ?? new Map<string, number>();
  leaves.set(component, m);
  add(m, `${fn || '(anonymous)'} ${moduleOf(leaf.callFrame).replace(/.*node_modules\//, '')}`, dt);
}

const pct = (v: number) => `${((100 * v) / total).toFixed(1).padStart(5)} %`;
const busy = total - (byComponent.get('(idle)') ?? 0);
console.log(`${(total / 1e6).toFixed(1)} s sampled, ${((100 * busy) / total).toFixed(1)} % busy; self + children by component:`);
for (const [name, v] of [...byComponent].sort((a, b) => b[1] - a[1])) console.log(`${pct(v)}  ${name}`);
for (const w of wanted) {
  for (const [name, m] of leaves) {
    if (!name.startsWith(w)) continue;
    console.log(`\n${name}: hottest leaves`);
    for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`${pct(v)}  ${k}`);
  }
}
