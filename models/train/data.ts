// Training data from ../shared/data and the deterministic dev split every trainer and `npm run eval`
// share. A row is dev iff its cluster key hashes below the dev share; clusters keep near-duplicates
// (same normalised text, and for jailbreak also the same long template prefix or suffix) together,
// so templated attack families never straddle train and dev.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Row {
  text: string;
  label: string;
  source: string;
  id: string;
  attack_type?: string | null;
  orig_label?: string;
  orig_src?: string;
}

/** Finer training label: the category plus its source subject (MMLU subject, or the MMLU-Pro source family). */
export function fineLabel(r: Row): string {
  const subject = (r.orig_src ?? '').replace(/^ori_mmlu-/, '').replace(/^(stemez|theoremQA|scibench)-.*$/, '$1');
  return `${r.label}|${subject}`;
}

export type Task = 'domain' | 'intent' | 'jailbreak';

const HERE = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(HERE, '../..');

export function dataDir(): string {
  const candidates = [process.env.SEMROUTE_DATA, resolve(REPO_ROOT, '../shared/data'), '/work/shared/data'].filter(Boolean) as string[];
  for (const c of candidates) if (existsSync(join(c, 'category'))) return c;
  throw new Error(`training data not found; looked in ${candidates.join(', ')} (set SEMROUTE_DATA)`);
}

export function readJsonl(path: string): Row[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Row);
}

const FILES: Record<Task, string[]> = {
  domain: ['category/mmlu_pro_train.jsonl', 'category/mmlu_extra_train.jsonl'],
  intent: ['intent/train-00.jsonl', 'intent/train-01.jsonl'],
  jailbreak: ['jailbreak/train-00.jsonl', 'jailbreak/train-01.jsonl'],
};

export function loadTask(task: Task): Row[] {
  const dir = dataDir();
  return FILES[task].flatMap((f) => readJsonl(join(dir, f)));
}

export function normalise(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

export const DEV_SALT = 'semroute-dev-v1';
export const DEV_PERCENT = 15;

function bucketOf(key: string, salt = DEV_SALT): number {
  return createHash('sha256').update(`${salt}|${key}`).digest().readUInt32BE(0) % 100;
}

/** Union-find clusters; returns each row's cluster key (smallest normalised text in it). */
function clusterKeys(rows: Row[], templateKeys: boolean): string[] {
  const parent = rows.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]];
    return i;
  };
  const union = (a: number, b: number) => {
    const ra = find(a), rb = find(b);
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
  };
  const norms = rows.map((r) => normalise(r.text));
  const seen = new Map<string, number>();
  const link = (key: string, i: number) => {
    const j = seen.get(key);
    if (j === undefined) seen.set(key, i);
    else union(i, j);
  };
  norms.forEach((n, i) => {
    link(`=${n}`, i);
    if (!templateKeys) return;
    const words = n.split(' ');
    if (words.length >= 25) {
      link(`<${words.slice(0, 12).join(' ')}`, i);
      link(`>${words.slice(-12).join(' ')}`, i);
    }
  });
  const key = new Map<number, string>();
  norms.forEach((n, i) => {
    const r = find(i);
    const k = key.get(r);
    if (k === undefined || n < k) key.set(r, n);
  });
  return rows.map((_, i) => key.get(find(i))!);
}

export interface Split {
  train: Row[];
  dev: Row[];
}

/** Dev split by default; other salts/percentages give further cluster-respecting splits (calibration). */
export function split(task: Task, rows: Row[], salt = DEV_SALT, percent = DEV_PERCENT): Split {
  const keys = clusterKeys(rows, task === 'jailbreak');
  const train: Row[] = [];
  const dev: Row[] = [];
  rows.forEach((r, i) => (bucketOf(`${task}|${keys[i]}`, salt) < percent ? dev : train).push(r));
  return { train, dev };
}

/** Membership mask of a cluster-respecting split of `rows` (true = held-out side). */
export function heldOutMask(task: Task, rows: Row[], salt: string, percent: number): boolean[] {
  const keys = clusterKeys(rows, task === 'jailbreak');
  return rows.map((_, i) => bucketOf(`${task}|${keys[i]}`, salt) < percent);
}

export function shuffleInPlace<T>(a: T[] | Int32Array, rand: () => number): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = a[i];
    a[i] = a[j];
    a[j] = t as never;
  }
}
