// Dev probabilities of the shipped domain pack (models/domain/model.onnx, onnxruntime-node), and
// from them its fine member's: the graph averages two members, so p1 = 2 * probs - p0 with p0 from
// _dom-members-exp.ts (member 0 alone is cheap to retrain; member 1 is the slow L-BFGS one). Experiment only.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadTask, split, REPO_ROOT } from './data.ts';
import { openPack } from './ort-check.ts';

const dir = join(REPO_ROOT, 'models/domain');
const { dev } = split('domain', loadTask('domain'));
const pack = await openPack(readFileSync(join(dir, 'model.onnx')), JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')));
const C = 14;
const P = new Float32Array(dev.length * C);
for (let i = 0; i < dev.length; i++) P.set((await pack.run(dev[i]!.text)).out, i * C);
const b = readFileSync('/tmp/d1/dev-m0.f32');
const P0 = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
const P1 = P.map((v, q) => Math.max(0, 2 * v - P0[q]!));
writeFileSync('/tmp/d1/dev-pack.f32', Buffer.from(P.buffer));
writeFileSync('/tmp/d1/dev-m1.f32', Buffer.from(P1.buffer));
let ok = 0, ok1 = 0;
const am = (Q: Float32Array, r: number) => { let m = 0; for (let k = 1; k < C; k++) if (Q[r * C + k]! > Q[r * C + m]!) m = k; return m; };
dev.forEach((r, i) => { const g = ['biology', 'business', 'chemistry', 'computer science', 'economics', 'engineering', 'health', 'history', 'law', 'math', 'other', 'philosophy', 'physics', 'psychology'].indexOf(r.label); if (am(P, i) === g) ok++; if (am(P1, i) === g) ok1++; });
console.log('pack dev acc', (ok / dev.length).toFixed(4), 'fine member alone', (ok1 / dev.length).toFixed(4));
