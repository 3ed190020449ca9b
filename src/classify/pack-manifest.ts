// Validation of manifest.json and labels.json. Every refusal names the file and the field.
import type { PackManifest, PackTask } from './types.ts';
import { PackError, errorText } from './pack-error.ts';

const TASKS: readonly PackTask[] = ['sequence-classification', 'token-classification', 'embedding'];
const OUTPUT_KINDS = ['probabilities', 'logits', 'embedding'] as const;
/** The label-map keys the vLLM Semantic Router and Hugging Face configs use. */
const LABEL_KEYS = ['idx_to_category', 'idx_to_label', 'id_to_label', 'id2label'] as const;

export function parseJsonBytes(bytes: Uint8Array, file: string): unknown {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new PackError(file, undefined, 'invalid JSON (not UTF-8 text)');
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new PackError(file, undefined, `invalid JSON (${errorText(err)})`);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
const describe = (v: unknown) => (v === undefined ? 'missing' : `got ${JSON.stringify(v)?.slice(0, 60)}`);

/** A safe relative file name inside the pack folder. */
function isSafeRelative(p: string): boolean {
  return p.length > 0 && !p.startsWith('/') && !p.includes('\\') && !p.split('/').includes('..') && !/^[a-zA-Z]:/.test(p);
}

export function validateManifest(raw: unknown, file = 'manifest.json'): PackManifest {
  if (!isObject(raw)) throw new PackError(file, undefined, 'expected a JSON object');
  const bad = (field: string, want: string) => new PackError(file, field, `${want}, ${describe(raw[field.split('.')[0]!])}`);
  const str = (field: string) => {
    const v = raw[field];
    if (typeof v !== 'string' || v.trim() === '') throw bad(field, 'expected a non-empty string');
    return v;
  };
  str('name');
  if (typeof raw.version === 'number') raw.version = String(raw.version);
  str('version');
  if (!TASKS.includes(raw.task as PackTask)) throw bad('task', `expected one of ${TASKS.join(', ')}`);
  const f = raw.featurizer;
  if (!isObject(f)) throw bad('featurizer', 'expected an object with a "type"');
  if (typeof f.type !== 'string' || f.type === '') {
    throw new PackError(file, 'featurizer.type', `expected a non-empty string, ${describe(f.type)}`);
  }
  const inputs = raw.inputs;
  if (!Array.isArray(inputs) || inputs.length === 0 || !inputs.every((x) => typeof x === 'string' && x !== '')) {
    throw bad('inputs', 'expected a non-empty array of input names');
  }
  if (new Set(inputs).size !== inputs.length) throw bad('inputs', 'expected unique input names');
  str('output');
  if (raw.output_kind !== undefined && !OUTPUT_KINDS.includes(raw.output_kind as never)) {
    throw bad('output_kind', `expected one of ${OUTPUT_KINDS.join(', ')}`);
  }
  const ml = raw.max_length;
  if (typeof ml !== 'number' || !Number.isInteger(ml) || ml < 1 || ml > 1_000_000) {
    throw bad('max_length', 'expected a positive integer');
  }
  const th = raw.threshold;
  if (th !== undefined && (typeof th !== 'number' || !Number.isFinite(th) || th < 0 || th > 1)) {
    throw bad('threshold', 'expected a number in [0, 1]');
  }
  if (raw.files !== undefined) {
    if (!isObject(raw.files)) throw bad('files', 'expected an object of file names');
    for (const [k, v] of Object.entries(raw.files)) {
      if (v === undefined) continue;
      if (typeof v !== 'string' || !isSafeRelative(v)) {
        throw new PackError(file, `files.${k}`, `expected a relative file name inside the pack, ${describe(v)}`);
      }
    }
  }
  return raw as unknown as PackManifest;
}

export interface ParsedLabels {
  labels: string[];
  /** The key the labels came from ("idx_to_category", ...) or "(array)": named in count errors. */
  field: string;
}

/** labels.json in any of the accepted shapes -> labels by index. */
export function parseLabels(raw: unknown, file = 'labels.json'): ParsedLabels {
  if (Array.isArray(raw)) {
    raw.forEach((l, i) => {
      if (typeof l !== 'string' || l === '') throw new PackError(file, `[${i}]`, `expected a non-empty string, ${describe(l)}`);
    });
    return { labels: checkUnique(raw as string[], file, '(array)'), field: '(array)' };
  }
  if (!isObject(raw)) throw new PackError(file, undefined, 'expected an array of labels or an object with idx_to_category');
  const key = LABEL_KEYS.find((k) => raw[k] !== undefined);
  if (!key) {
    throw new PackError(file, undefined, `expected an array of labels or an object with one of ${LABEL_KEYS.join(', ')}`);
  }
  const map = raw[key];
  if (!isObject(map)) throw new PackError(file, key, 'expected an object of index -> label');
  const entries = Object.entries(map);
  if (entries.length === 0) throw new PackError(file, key, 'expected at least one label');
  const labels: string[] = new Array(entries.length);
  for (const [idx, label] of entries) {
    const i = Number(idx);
    if (!/^\d+$/.test(idx) || i >= entries.length) {
      throw new PackError(file, `${key}.${idx}`, `expected indices 0..${entries.length - 1} without gaps`);
    }
    if (typeof label !== 'string' || label === '') throw new PackError(file, `${key}.${idx}`, `expected a non-empty string, ${describe(label)}`);
    labels[i] = label;
  }
  return { labels: checkUnique(labels, file, key), field: key };
}

function checkUnique(labels: string[], file: string, field: string): string[] {
  const seen = new Set<string>();
  for (const l of labels) {
    if (seen.has(l)) throw new PackError(file, field, `duplicate label "${l}"`);
    seen.add(l);
  }
  return labels;
}
