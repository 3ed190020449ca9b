// The embedding pack's own sentence vectors (models/embedding: the distilled USE-lite student plus
// GloVe half, 304-d, computed on every request for the semantic cache) for every domain row, cached in
// /tmp/d1/emb-dom.{f32,json}: does the student carry the teacher's domain knowledge, which
// _dom-stack-exp.ts found worth +0.008 dev when the teacher itself is averaged with the pack?
// Experiment only: `DOM_FEAT=emb npx tsx models/train/_dom-stack-exp.ts 0 1 quick` reads these
// vectors in place of the teacher's.
//   nice -n 10 npx tsx models/train/_dom-embfeat.ts
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolvePackPath } from '../../runtimes/node/file-source.ts';
import { createNodeEngine } from '../../runtimes/node/ort-engine.ts';
import { loadPack } from '../../src/classify/pack-loader.ts';
import { createEmbedder } from '../../src/classify/embedder.ts';
import { loadTask } from './data.ts';

export const EMB_DIM = 304;
const th = (t: string) => createHash('sha1').update(t).digest('hex').slice(0, 16);
const F = '/tmp/d1/emb-dom.f32', J = '/tmp/d1/emb-dom.json';

export function embCache(): Map<string, Float32Array> {
  const m = new Map<string, Float32Array>();
  if (!existsSync(F)) return m;
  const hs: string[] = JSON.parse(readFileSync(J, 'utf8'));
  const b = readFileSync(F);
  const V = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
  hs.forEach((h, i) => m.set(h, V.subarray(i * EMB_DIM, (i + 1) * EMB_DIM)));
  return m;
}
export const embOf = (m: Map<string, Float32Array>, text: string) => m.get(th(text));

if (process.argv[1]?.endsWith('_dom-embfeat.ts')) {
  const { source, dir } = resolvePackPath('embedding');
  const e = createEmbedder(await loadPack(source, dir, createNodeEngine('cpu')));
  if (e.dimensions !== EMB_DIM) throw new Error(`embedding pack has ${e.dimensions} dims`);
  const texts = [...new Set(loadTask('domain').map((r) => r.text))];
  const V = new Float32Array(texts.length * EMB_DIM);
  const t0 = Date.now();
  for (let i = 0; i < texts.length; i++) V.set(await e.embed(texts[i]!), i * EMB_DIM);
  mkdirSync('/tmp/d1', { recursive: true });
  writeFileSync(F, Buffer.from(V.buffer));
  writeFileSync(J, JSON.stringify(texts.map(th)));
  console.log(`${texts.length} texts in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}
