// The int8 bag summed by MatMulInteger over three 7-bit levels of the coefficients
// (models/train/integer-bag.ts) against a float64 reference, on onnxruntime-node and onnxruntime-web
// (WASM, in Node): coefficient spreads where 8 bits would not do, the largest sums (saturation), an
// empty text, a batch. And the committed embedding pack: its lexical bag is summed that way and the
// whole pack matches a float64 forward pass of its own weights.
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { initF32, initI8, onnx, serializeModel, valueInfo } from '../../models/train/onnx-builder.ts';
import { integerBag } from '../../models/train/integer-bag.ts';
import { resolvePackPath } from '../../runtimes/node/file-source.ts';
import { createNodeEngine } from '../../runtimes/node/ort-engine.ts';
import { loadPack } from '../../src/classify/pack-loader.ts';

function lcg(seed: number) {
  let s = seed;
  return () => (s = (Math.imul(s, 48271) >>> 0) % 2147483647) / 2147483647;
}

const R = 512, D = 40;
const rnd = lcg(7);
// Every value of int8 but -128 (the packs' tables stay in [-127, 127]), extremes included.
const table = Int8Array.from({ length: R * D }, (_, i) => (i % 97 === 0 ? 127 : i % 89 === 0 ? -127 : Math.round(rnd() * 254) - 127));
const scale = Float32Array.from({ length: D }, () => 1e-3 + rnd() * 0.02);
const model = (() => {
  const bag = integerBag('b', 'table', 'idx', 'coef', 'scale', 'out');
  return serializeModel({
    name: 'integer_bag',
    nodes: bag.nodes,
    inputs: [valueInfo('idx', 'int64', ['batch', 'n']), valueInfo('coef', 'float32', ['batch', 'n'])],
    outputs: [valueInfo('out', 'float32', ['batch', D])],
    initializers: [initI8('table', [R, D], table), initF32('scale', [D], scale), ...bag.inits],
  });
})();

/**
 * float64 bag per batch row, and the error allowed: each coefficient is taken to within
 * max(coef) / (2 * 127^3) (integer-bag.ts), plus float32 rounding of the terms' magnitude.
 */
function reference(idx: number[][], coef: number[][]) {
  return idx.map((ids, b) => {
    const want = new Float64Array(D), tol = new Float64Array(D);
    const step = Math.max(...coef[b]!) / (2 * 127 ** 3);
    ids.forEach((id, l) => {
      for (let d = 0; d < D; d++) {
        const v = coef[b]![l]! * table[id * D + d]! * scale[d]!;
        want[d] += v;
        tol[d] += (step * Math.abs(table[id * D + d]!) + 1e-6 * Math.abs(coef[b]![l]! * table[id * D + d]!)) * scale[d]!;
      }
    });
    return { want, tol };
  });
}

const cases: Record<string, { idx: number[][]; coef: number[][] }> = {
  'random weights': { idx: [Array.from({ length: 300 }, (_, i) => (i * 37) % R)], coef: [Array.from({ length: 300 }, () => rnd())] },
  // One coefficient 10^6 times the rest: 8 bits of the largest would round every other one to 0.
  'one large, many tiny': { idx: [Array.from({ length: 200 }, (_, i) => i)], coef: [Array.from({ length: 200 }, (_, i) => (i === 3 ? 1 : 1e-6 * (1 + rnd())))] },
  // Every level at its largest over the longest bag: int16 pair sums or int32 totals would overflow here.
  saturation: { idx: [Array.from({ length: 2048 }, () => 0)], coef: [Array.from({ length: 2048 }, () => 0.5)] },
  'empty text (one zero weight)': { idx: [[0]], coef: [[0]] },
  'batch, different maxima': { idx: [[1, 2, 3, 4], [5, 6, 7, 8]], coef: [[0.9, 0.1, 0.01, 0.5], [1e-4, 3e-5, 2e-4, 1e-4]] },
};

describe('integer bag (MatMulInteger over 7-bit coefficient levels)', () => {
  for (const [rt, make] of [
    ['onnxruntime-node', () => ort.InferenceSession.create(model, { intraOpNumThreads: 1 })],
    ['onnxruntime-web', () => ortWeb.InferenceSession.create(model, { executionProviders: ['wasm'] })],
  ] as const) {
    it(`${rt}: within the levels' step of the float64 bag`, async () => {
      const Tensor = (rt === 'onnxruntime-node' ? ort.Tensor : ortWeb.Tensor) as typeof ort.Tensor;
      const session = (await make()) as ort.InferenceSession;
      for (const [name, c] of Object.entries(cases)) {
        const L = c.idx[0]!.length;
        const feeds = {
          idx: new Tensor('int64', BigInt64Array.from(c.idx.flat(), BigInt), [c.idx.length, L]),
          coef: new Tensor('float32', Float32Array.from(c.coef.flat()), [c.idx.length, L]),
        };
        const got = (await session.run(feeds)).out!.data as Float32Array;
        reference(c.idx, c.coef).forEach(({ want, tol }, b) => {
          for (let d = 0; d < D; d++) {
            const err = Math.abs(got[b * D + d]! - want[d]!);
            expect(err, `${name} [${b}, ${d}]: ${got[b * D + d]} vs ${want[d]}`).toBeLessThanOrEqual(tol[d]! + 1e-30);
          }
        });
      }
    });
  }
});

describe('embedding pack', () => {
  const { source, dir, path } = resolvePackPath('embedding');
  const bytes = readFileSync(join(path, 'model.onnx'));
  const graph = onnx.ModelProto.decode(new Uint8Array(bytes)).graph!;

  it('sums its lexical bag with MatMulInteger: the gathered int8 rows are never cast to float', () => {
    const gathered = graph.node!.find((n) => n.opType === 'Gather' && n.input![0] === 'lex_table')!.output![0]!;
    const readers = graph.node!.filter((n) => n.input!.includes(gathered)).map((n) => n.opType);
    expect(readers).toEqual(['MatMulInteger']);
  });

  it('matches a float64 forward pass of its own weights', async () => {
    const init = new Map(graph.initializer!.map((t) => [t.name!, t]));
    const f32 = (n: string) => new Float32Array(init.get(n)!.rawData!.slice().buffer);
    const i8 = (n: string) => new Int8Array(init.get(n)!.rawData!.slice().buffer);
    const [idf, lexQ, lexS, wvQ, wvS, b1, w2] = [f32('idf'), i8('lex_table'), f32('lex_scale'), i8('wv_table'), f32('wv_scale'), f32('lex_b1'), f32('lex_w2')];
    const [lexShare, wvShare, rows] = [f32('lex_share')[0]!, f32('wv_share')[0]!, f32('table_rows')[0]!];
    const lexD = lexS.length, wvD = wvS.length;
    const l2 = (v: Float64Array) => { const n = Math.sqrt(Math.max(v.reduce((a, x) => a + x * x, 0), 1e-12)); return v.map((x) => x / n); };
    const pack = await loadPack(source, dir, createNodeEngine('cpu'));
    const texts = ['What is cognitive dissonance?', 'How do I make a good cup of coffee? '.repeat(20), 'Ünïcödé 日本語 😀 x 42', 'a', ''];
    for (const text of texts) {
      const f = pack.featurizer.encode(text);
      const got = (await pack.session.run(f.feeds))[pack.manifest.output]!.data as Float32Array;
      const ids = Array.from(f.feeds.ids!.data as BigInt64Array, Number), w = f.feeds.weights!.data as Float32Array;
      const x = ids.map((id, i) => w[i]! * idf[id]!);
      const ss = x.reduce((a, v) => a + v * v, 0), xn = x.map((v) => v / Math.sqrt(Math.max(ss, 1e-12)));
      const bag = new Float64Array(lexD);
      ids.forEach((id, i) => { for (let d = 0; d < lexD; d++) bag[d] += xn[i]! * lexQ[(id % rows) * lexD + d]! * lexS[d]!; });
      const h = bag.map((v, d) => Math.tanh(v + b1[d]!));
      const lex = new Float64Array(lexD).map((_, j) => h.reduce((a, v, k) => a + v * w2[k * lexD + j]!, 0) * Math.min(ss * 1e12, 1));
      const wvIds = Array.from(f.feeds.wv_ids!.data as BigInt64Array, Number), wvW = f.feeds.wv_weights!.data as Float32Array;
      const wv = new Float64Array(wvD);
      wvIds.forEach((id, i) => { for (let d = 0; d < wvD; d++) wv[d] += wvW[i]! * wvQ[id * wvD + d]! * wvS[d]!; });
      const want = l2(Float64Array.from([...l2(lex).map((v) => v * lexShare), ...l2(wv).map((v) => v * wvShare)]));
      for (let d = 0; d < want.length; d++) expect(Math.abs(got[d]! - want[d]!), `${JSON.stringify(text.slice(0, 20))} [${d}]`).toBeLessThan(1e-6);
    }
    await pack.session.release?.();
  });
});
