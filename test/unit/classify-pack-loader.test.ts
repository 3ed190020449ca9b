// The loader refuses a broken pack with an error that names the pack, the file and the field.
import { cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeEngine } from '../../runtimes/node/ort-engine.ts';
import { createFileSource, findPackDirs, resolvePackPath } from '../../runtimes/node/file-source.ts';
import { loadPack } from '../../src/classify/pack-loader.ts';
import { PackError } from '../../src/classify/pack-error.ts';
import { parseLabels } from '../../src/classify/pack-manifest.ts';
import { writeTinyBertPack } from '../fixtures/tiny-bert/pack.ts';

const engine = createNodeEngine('cpu');
let root: string;
let n = 0;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'loader-'));
  writeTinyBertPack(join(root, 'good'), 'sequence-classification');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A copy of the good pack with one thing broken. */
function broken(mutate: (dir: string) => void): string {
  const name = `bad${n++}`;
  cpSync(join(root, 'good'), join(root, name), { recursive: true });
  mutate(join(root, name));
  return name;
}
const editJson = (file: string, f: (j: any) => void) => (dir: string) => {
  const p = join(dir, file);
  const j = JSON.parse(readFileSync(p, 'utf8'));
  f(j);
  writeFileSync(p, JSON.stringify(j));
};

async function refusal(dir: string): Promise<PackError> {
  const err = await loadPack(createFileSource(root), dir, engine).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PackError);
  const pe = err as PackError;
  expect(pe.message).toContain(join(root, dir)); // names the pack
  return pe;
}

describe('pack loader', () => {
  it('loads the good pack', async () => {
    const p = await loadPack(createFileSource(root), 'good', engine);
    expect(p.labels).toEqual(['math', 'code', 'other']);
    expect(p.info).toMatchObject({ name: 'tiny-bert-seq', task: 'sequence-classification', provider: 'cpu', engine: 'onnxruntime-node', featurizer: 'hf-tokenizer', maxLength: 24 });
    expect(p.info.sizeBytes).toBeGreaterThan(readFileSync(join(root, 'good', 'model.onnx')).length);
  });

  const cases: Array<[string, (dir: string) => void, string, string | undefined, RegExp]> = [
    ['missing manifest', (d) => unlinkSync(join(d, 'manifest.json')), 'manifest.json', undefined, /missing file/],
    ['manifest not JSON', (d) => writeFileSync(join(d, 'manifest.json'), '{"name": "x",'), 'manifest.json', undefined, /invalid JSON/],
    ['manifest not UTF-8', (d) => writeFileSync(join(d, 'manifest.json'), Buffer.from([0xff, 0xfe, 0x7b])), 'manifest.json', undefined, /invalid JSON/],
    ['missing task', editJson('manifest.json', (j) => delete j.task), 'manifest.json', 'task', /expected one of/],
    ['bad max_length', editJson('manifest.json', (j) => (j.max_length = 0)), 'manifest.json', 'max_length', /positive integer/],
    ['bad threshold', editJson('manifest.json', (j) => (j.threshold = 7)), 'manifest.json', 'threshold', /\[0, 1\]/],
    ['inputs not an array', editJson('manifest.json', (j) => (j.inputs = 'input_ids')), 'manifest.json', 'inputs', /array/],
    ['unknown featurizer', editJson('manifest.json', (j) => (j.featurizer.type = 'sentencepiece-magic')), 'manifest.json', 'featurizer.type', /unknown featurizer "sentencepiece-magic"/],
    ['bad padding param', editJson('manifest.json', (j) => (j.featurizer.padding = 'left')), 'manifest.json', 'featurizer.padding', /max_length/],
    ['file path escapes the pack', editJson('manifest.json', (j) => (j.files.model = '../good/model.onnx')), 'manifest.json', 'files.model', /inside the pack/],
    ['input the featurizer cannot make', editJson('manifest.json', (j) => (j.inputs[2] = 'segment_ids')), 'manifest.json', 'inputs', /"segment_ids"/],
    ['graph input not listed', editJson('manifest.json', (j) => j.inputs.pop()), 'manifest.json', 'inputs', /graph input "token_type_ids"/],
    ['output not in graph', editJson('manifest.json', (j) => (j.output = 'probs')), 'manifest.json', 'output', /"probs" is not an output/],
    ['task does not fit the output', editJson('manifest.json', (j) => (j.task = 'token-classification')), 'manifest.json', 'task', /rank 3/],
    ['missing labels', (d) => unlinkSync(join(d, 'labels.json')), 'labels.json', undefined, /missing file/],
    ['labels not JSON', (d) => writeFileSync(join(d, 'labels.json'), 'math,code,other'), 'labels.json', undefined, /invalid JSON/],
    ['labels of unknown shape', (d) => writeFileSync(join(d, 'labels.json'), '{"classes": ["a"]}'), 'labels.json', undefined, /idx_to_category/],
    ['labels with a gap', (d) => writeFileSync(join(d, 'labels.json'), '{"idx_to_category": {"0": "a", "1": "b", "5": "c"}}'), 'labels.json', 'idx_to_category.5', /without gaps/],
    ['label count vs output width', (d) => writeFileSync(join(d, 'labels.json'), '{"idx_to_category": {"0": "a", "1": "b", "2": "c", "3": "d"}}'), 'labels.json', 'idx_to_category', /4 labels, but model.onnx output "logits" has width 3/],
    ['missing model', (d) => unlinkSync(join(d, 'model.onnx')), 'model.onnx', undefined, /missing file/],
    ['empty model', (d) => writeFileSync(join(d, 'model.onnx'), ''), 'model.onnx', undefined, /empty file/],
    ['corrupt model', (d) => writeFileSync(join(d, 'model.onnx'), Buffer.from('this is not protobuf at all, just text')), 'model.onnx', undefined, /corrupt or unsupported ONNX/],
    ['truncated model', (d) => { const b = readFileSync(join(d, 'model.onnx')); writeFileSync(join(d, 'model.onnx'), b.subarray(0, b.length >> 1)); }, 'model.onnx', undefined, /corrupt or unsupported ONNX/],
    ['missing tokenizer', (d) => unlinkSync(join(d, 'tokenizer.json')), 'tokenizer.json', undefined, /missing file/],
    ['tokenizer not JSON', (d) => writeFileSync(join(d, 'tokenizer.json'), '{"model":'), 'tokenizer.json', undefined, /invalid JSON/],
    ['tokenizer without model', editJson('tokenizer.json', (j) => delete j.model), 'tokenizer.json', 'model', /missing tokenizer model/],
    ['max_length too small for the special tokens', editJson('manifest.json', (j) => (j.max_length = 2)), 'manifest.json', 'max_length', /special tokens/],
  ];

  for (const [what, mutate, file, field, detail] of cases) {
    it(`refuses: ${what} (${file}${field ? ` field ${field}` : ''})`, async () => {
      const e = await refusal(broken(mutate));
      expect(e.file).toBe(file);
      expect(e.field).toBe(field);
      expect(e.detail).toMatch(detail);
      expect(e.message).toContain(field ? `${file} field "${field}"` : `${file}:`);
    });
  }
});

describe('labels.json shapes', () => {
  const map = { '0': 'benign', '1': 'jailbreak' };
  it('accepts the vLLM Semantic Router shapes and a plain array', () => {
    for (const key of ['idx_to_category', 'idx_to_label', 'id_to_label']) {
      expect(parseLabels({ [key]: map, category_to_idx: { benign: 0 } })).toEqual({ labels: ['benign', 'jailbreak'], field: key });
    }
    expect(parseLabels(['benign', 'jailbreak']).labels).toEqual(['benign', 'jailbreak']);
    expect(parseLabels({ idx_to_category: { '1': 'b', '0': 'a' } }).labels).toEqual(['a', 'b']);
  });
  it('rejects duplicates, empty labels and non-numeric indices, naming the field', () => {
    expect(() => parseLabels(['a', 'a'])).toThrow(/labels.json field "\(array\)": duplicate label "a"/);
    expect(() => parseLabels(['a', ''])).toThrow(/field "\[1\]"/);
    expect(() => parseLabels({ id_to_label: { x: 'a' } })).toThrow(/field "id_to_label.x"/);
    expect(() => parseLabels({ idx_to_label: {} })).toThrow(/field "idx_to_label": expected at least one label/);
  });
});

describe('file model source', () => {
  it('reads inside its root only, and resolves configured pack paths', async () => {
    const src = createFileSource(join(root, 'good'));
    expect((await src.read('labels.json')).byteLength).toBeGreaterThan(0);
    writeFileSync(join(root, 'outside.txt'), 'secret');
    await expect(src.read('../outside.txt')).rejects.toThrow(/escapes the model root/);
    expect((await src.read('../good/labels.json')).byteLength).toBeGreaterThan(0); // still inside
    await expect(src.read('/etc/passwd')).rejects.toThrow(/escapes the model root/);
    await expect(src.read('nope.json')).rejects.toThrow();
    const { source, dir, path } = resolvePackPath('good', root);
    expect([dir, path]).toEqual(['good', join(root, 'good')]);
    expect((await loadPack(source, dir, engine)).info.path).toBe(join(root, 'good'));
    expect(await findPackDirs(root)).toContain('good');
    expect(await findPackDirs(join(root, 'does-not-exist'))).toEqual([]);
  });
});
