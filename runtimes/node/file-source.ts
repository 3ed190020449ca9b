// ModelSource over a folder on disk, and helpers that turn configured pack paths into (source, dir).
import { readFile, readdir, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ModelSource } from '../../src/classify/types.ts';
import type { Config } from '../../src/config/schema.ts';

export function createFileSource(root: string): ModelSource {
  const base = resolve(root);
  const full = (path: string) => {
    const p = resolve(base, path);
    // A pack path from config must not read outside the models root.
    const rel = relative(base, p);
    if (rel.startsWith('..') || isAbsolute(rel)) throw new Error(`path escapes the model root: ${path}`);
    return p;
  };
  return {
    async read(path) {
      const buf = await readFile(full(path));
      return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    },
    describe(path) {
      try {
        return full(path);
      } catch {
        return join(base, path);
      }
    },
  };
}

/** The repository's bundled models/ folder. */
export function defaultModelsDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'models');
}

/**
 * A configured pack path (absolute, or relative to `modelsRoot`) as a source rooted at its parent
 * plus the pack's folder name, the shape loadPack takes.
 */
export function resolvePackPath(packPath: string, modelsRoot = defaultModelsDir()): { source: ModelSource; dir: string; path: string } {
  const path = resolve(modelsRoot, packPath);
  return { source: createFileSource(dirname(path)), dir: basename(path), path };
}

/** Names of the sub-folders of `root` that hold a manifest.json (i.e. look like packs). */
export async function findPackDirs(root = defaultModelsDir()): Promise<string[]> {
  if (!existsSync(root)) return [];
  const names = await readdir(root);
  const out: string[] = [];
  for (const name of names.sort()) {
    const p = join(root, name);
    if ((await stat(p)).isDirectory() && existsSync(join(p, 'manifest.json'))) out.push(name);
  }
  return out;
}

/**
 * Where packs live: packs.dir as given when absolute; a relative one is resolved against the working
 * directory, and the default "models" falls back to the repository's bundled folder (tests, tsx).
 */
export function modelsRoot(config: Config, baseDir = process.cwd()): string {
  const dir = config.packs.dir;
  if (isAbsolute(dir)) return dir;
  const here = resolve(baseDir, dir);
  if (existsSync(here) || dir !== 'models') return here;
  // From the source tree the bundled packs are two folders up; from the bundle (dist/semroute.mjs and
  // its chunks beside it), one.
  const fromBundle = fileURLToPath(new URL('../models', import.meta.url));
  return [defaultModelsDir(), fromBundle].find((d) => existsSync(join(d, config.packs.category))) ?? defaultModelsDir();
}
