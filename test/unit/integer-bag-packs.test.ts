// The committed domain and PII packs sum their int8 bags with MatMulInteger (models/train/integer-bag.ts)
// and still compute what their weights say: a float64 forward pass of each pack's own initializers,
// fed by the pack's own featurizer (the embedding pack: integer-bag.test.ts).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { onnx } from '../../models/train/onnx-builder.ts';
import { resolvePackPath } from '../../runtimes/node/file-source.ts';
import { createNodeEngine } from '../../runtimes/node/ort-engine.ts';
import { loadPack, type LoadedPack } from '../../src/classify/pack-loader.ts';

function packGraph(name: string) {
  const { source, dir, path } = resolvePackPath(name);
  const graph = onnx.ModelProto.decode(new Uint8Array(readFileSync(join(path, 'model.onnx')))).graph!;
  const init = new Map(graph.initializer!.map((t) => [t.name!, t]));
  const f32 = (n: string) => new Float32Array(init.get(n)!.rawData!.slice().buffer);
  const i8 = (n: string) => new Int8Array(init.get(n)!.rawData!.slice().buffer);
  const dims = (n: string) => init.get(n)!.dims!.map(Number);
  /** The op types reading the rows gathered from an int8 table. */
  const readersOfRows = (table: string) => {
    const rows = graph.node!.find((n) => n.opType === 'Gather' && n.input![0] === table)!.output![0]!;
    return graph.node!.filter((n) => n.input!.includes(rows)).map((n) => n.opType);
  };
  return { graph, init, f32, i8, dims, readersOfRows, load: () => loadPack(source, dir, createNodeEngine('cpu')) };
}

async function run(pack: LoadedPack, text: string) {
  const f = pack.featurizer.encode(text);
  return { f, out: (await pack.session.run(f.feeds))[pack.manifest.output]!.data as Float32Array };
}

const softmax = (z: Float64Array) => { const m = Math.max(...z), e = z.map((v) => Math.exp(v - m)), s = e.reduce((a, v) => a + v, 0); return e.map((v) => v / s); };
const TEXTS = ['What is the derivative of x^2 sin(x)?', 'Explain the doctrine of consideration in contract law. '.repeat(15), 'Ünïcödé 日本語 😀 x 42', 'a'];

describe('domain pack', () => {
  const g = packGraph('domain');
  const members = [...g.init.keys()].filter((n) => /^m\d+_table$/.test(n)).map((n) => n.slice(0, -'table'.length));

  it('sums every ensemble member bag with MatMulInteger: the gathered int8 rows are never cast to float', () => {
    expect(members.length).toBe(2);
    for (const m of members) expect(g.readersOfRows(`${m}table`), m).toEqual(['MatMulInteger']);
  });

  it('matches a float64 forward pass of its own weights (mean of the members\' softmax)', async () => {
    const pack = await g.load();
    const idf = g.f32('idf');
    for (const text of TEXTS) {
      const { f, out } = await run(pack, text);
      const ids = Array.from(f.feeds.ids!.data as BigInt64Array, Number), w = f.feeds.weights!.data as Float32Array;
      const x = ids.map((id, i) => w[i]! * idf[id]!);
      const norm = Math.sqrt(Math.max(x.reduce((a, v) => a + v * v, 0), 1e-12)), xn = x.map((v) => v / norm);
      const probs = new Float64Array(pack.labels.length);
      for (const m of members) {
        const [rows, K] = g.dims(`${m}table`) as [number, number];
        const [q, cs, b] = [g.i8(`${m}table`), g.f32(`${m}cs`), g.f32(`${m}b`)];
        const z = Float64Array.from(b);
        ids.forEach((id, i) => { for (let k = 0; k < K; k++) z[k] += xn[i]! * q[(id % rows) * K + k]! * cs[k]!; });
        const p = softmax(z), marg = g.init.has(`${m}marg`) ? g.f32(`${m}marg`) : undefined;
        for (let k = 0; k < K; k++) for (let c = 0; c < probs.length; c++) probs[c] += (marg ? p[k]! * marg[k * probs.length + c]! : k === c ? p[k]! : 0) / members.length;
      }
      for (let c = 0; c < probs.length; c++) expect(Math.abs(out[c]! - probs[c]!), `${JSON.stringify(text.slice(0, 20))} [${c}]`).toBeLessThan(2e-6);
    }
    await pack.session.release?.();
  });
});

describe('PII pack', () => {
  const g = packGraph('pii');

  it('sums each token\'s feature rows with MatMulInteger: the gathered int8 rows are never cast to float', () => {
    expect(g.readersOfRows('table')).toEqual(['MatMulInteger']);
  });

  it('matches a float64 forward pass of its own weights', async () => {
    const pack = await g.load();
    const [V, D] = g.dims('table') as [number, number];
    const [G, L] = g.dims('wo') as [number, number];
    const [q, cs, b1, wc, bc, wo, bo] = [g.i8('table'), g.f32('col_scale'), g.f32('b1'), g.f32('wc'), g.f32('bc'), g.f32('wo'), g.f32('bo')];
    for (const text of ['Call Emily Johnson at 555-123-4567 or mail emily.j@example.com', ...TEXTS]) {
      const { f, out } = await run(pack, text);
      const [, T, K] = f.feeds.feature_ids!.dims as number[];
      const ids = f.feeds.feature_ids!.data as Int32Array;
      const h = Array.from({ length: T! }, (_, t) => {
        const v = Float64Array.from(b1);
        for (let k = 0; k < K!; k++) { const id = ids[t * K! + k]!; expect(id).toBeLessThan(V); for (let d = 0; d < D; d++) v[d] += q[id * D + d]! * cs[d]!; }
        return v.map((x) => Math.max(x, 0));
      });
      for (let t = 0; t < T!; t++) {
        const ctx = [t - 1, t, t + 1].flatMap((s) => (s >= 0 && s < T! ? [...h[s]!] : new Array<number>(D).fill(0)));
        const gh = Float64Array.from(bc).map((v, j) => Math.max(ctx.reduce((a, x, i) => a + x * wc[i * G + j]!, v), 0));
        const p = softmax(Float64Array.from(bo).map((v, l) => gh.reduce((a, x, j) => a + x * wo[j * L + l]!, v)));
        for (let l = 0; l < L; l++) expect(Math.abs(out[t * L + l]! - p[l]!), `${JSON.stringify(text.slice(0, 20))} token ${t} [${l}]`).toBeLessThan(1e-5);
      }
    }
    await pack.session.release?.();
  });
});
