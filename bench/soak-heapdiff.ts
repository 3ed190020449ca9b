// What grew between two heap snapshots (bench/soak.ts --snapshots writes one after the warm-up and one
// at the end, each after a full GC): objects by constructor / kind, count and self size, largest growth
// first; and, for the top growers, who holds a sample of the new objects (retainer edges).
//   npx tsx bench/soak-heapdiff.ts A.heapsnapshot B.heapsnapshot [--top 25]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { positionals, values } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' }, retainers: { type: 'string' } } });

interface Snap { nodeFields: string[]; byKey: Map<string, { count: number; size: number }>; strings: string[]; nodes: number[]; edges: number[]; nf: number; ef: number; types: string[]; edgeTypes: string[]; ids: Set<number> }

function load(file: string): Snap {
  const j = JSON.parse(readFileSync(file, 'utf8')) as { snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] } }; nodes: number[]; edges: number[]; strings: string[] };
  const m = j.snapshot.meta;
  const nf = m.node_fields.length;
  const ef = m.edge_fields.length;
  const [ti, ni, si, ii] = ['type', 'name', 'self_size', 'id'].map((f) => m.node_fields.indexOf(f)) as [number, number, number, number];
  const types = m.node_types[0];
  const byKey = new Map<string, { count: number; size: number }>();
  const ids = new Set<number>();
  for (let i = 0; i < j.nodes.length; i += nf) {
    const type = types[j.nodes[i + ti]!]!;
    const name = type === 'object' || type === 'closure' ? j.strings[j.nodes[i + ni]!]! : `(${type})`;
    const k = `${name}`;
    const e = byKey.get(k) ?? { count: 0, size: 0 };
    e.count++;
    e.size += j.nodes[i + si]!;
    byKey.set(k, e);
    ids.add(j.nodes[i + ii]!);
  }
  return { nodeFields: m.node_fields, byKey, strings: j.strings, nodes: j.nodes, edges: j.edges, nf, ef, types, edgeTypes: m.edge_types[0], ids };
}

const [a, b] = positionals.map(load) as [Snap, Snap];
const rows = [...b.byKey].map(([k, e]) => {
  const o = a.byKey.get(k) ?? { count: 0, size: 0 };
  return { k, dCount: e.count - o.count, dSize: e.size - o.size, count: e.count };
});
rows.sort((x, y) => y.dSize - x.dSize);
console.log('| constructor / kind | count at B | new objects | new bytes |\n|---|---:|---:|---:|');
for (const r of rows.slice(0, Number(values.top))) console.log(`| ${r.k.slice(0, 60)} | ${r.count} | ${r.dCount} | ${r.dSize} |`);
const total = (s: Snap) => [...s.byKey.values()].reduce((t, e) => t + e.size, 0);
console.log(`\ntotal self size ${(total(a) / 1048576).toFixed(1)} -> ${(total(b) / 1048576).toFixed(1)} MB`);

// --retainers NAME: for up to 5 objects named NAME that are new in B, the chain of who holds them (3 hops).
if (values.retainers) {
  const f = (x: string) => b.nodeFields.indexOf(x);
  const [ti, ni, ii, ec] = [f('type'), f('name'), f('id'), f('edge_count')] as [number, number, number, number];
  const count = b.nodes.length / b.nf;
  const firstEdge = new Int32Array(count + 1);
  for (let n = 0; n < count; n++) firstEdge[n + 1] = firstEdge[n]! + b.nodes[n * b.nf + ec]! * b.ef;
  const rev = new Map<number, Array<[number, string]>>();
  for (let n = 0; n < count; n++) {
    for (let e = firstEdge[n]!; e < firstEdge[n + 1]!; e += b.ef) {
      const type = b.edgeTypes[b.edges[e]!]!;
      if (type === 'weak') continue;
      const to = b.edges[e + 2]! / b.nf;
      const label = type === 'element' || type === 'hidden' ? `[${b.edges[e + 1]}]` : b.strings[b.edges[e + 1]!]!;
      (rev.get(to) ?? rev.set(to, []).get(to)!).push([n, label]);
    }
  }
  const name = (n: number) => `${b.types[b.nodes[n * b.nf + ti]!]}:${b.strings[b.nodes[n * b.nf + ni]!]!.slice(0, 50)}`;
  let shown = 0;
  for (let n = 0; n < count && shown < 5; n++) {
    if (b.strings[b.nodes[n * b.nf + ni]!] !== values.retainers || a.ids.has(b.nodes[n * b.nf + ii]!)) continue;
    shown++;
    console.log(`\n${name(n)} id ${b.nodes[n * b.nf + ii]}`);
    const walk = (m: number, depth: number, pad: string) => {
      for (const [from, label] of (rev.get(m) ?? []).slice(0, 3)) {
        console.log(`${pad}<- .${label} of ${name(from)}`);
        if (depth < 5) walk(from, depth + 1, pad + '  ');
      }
    };
    walk(n, 0, '  ');
  }
}
