// hf-tokenizer featurizer on bad and unusual input: a defined answer for everything, explicit
// truncation to the pack's max length, and character offsets that point into the caller's text.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createHfTokenizerFeaturizer } from '../../src/classify/featurizers/hf-tokenizer.ts';
import { sanitizeText, textBudget } from '../../src/classify/text.ts';
import type { Features, PackManifest } from '../../src/classify/types.ts';
import { TOKENIZER_PATH } from '../fixtures/tiny-bert/pack.ts';

const MAX = 16;
const bert = readFileSync(TOKENIZER_PATH);
const vocab: Record<string, number> = JSON.parse(bert.toString()).model.vocab;
const [CLS, SEP, UNK] = [vocab['[CLS]']!, vocab['[SEP]']!, vocab['[UNK]']!];

function manifest(over: Partial<PackManifest> = {}): PackManifest {
  return { name: 't', version: '1', task: 'token-classification', featurizer: { type: 'hf-tokenizer' }, inputs: ['input_ids', 'attention_mask', 'token_type_ids'], output: 'logits', max_length: MAX, ...over };
}
const make = (over: Partial<PackManifest> = {}, tok: Uint8Array = bert) => {
  const m = manifest(over);
  return createHfTokenizerFeaturizer(m.featurizer, m, { tokenizer: tok });
};
const ids = (f: Features) => Array.from(f.feeds.input_ids!.data as BigInt64Array, Number);
const mask = (f: Features) => Array.from(f.feeds.attention_mask!.data as BigInt64Array, Number);
/** The text of each content token (specials dropped). */
const pieces = (f: Features, text: string) => f.offsets!.slice(1, f.length - 1).map(([s, e]) => text.slice(s, e));

function checkOffsets(f: Features, text: string) {
  expect(f.offsets).toHaveLength(f.feeds.input_ids!.dims[1]!);
  let prev = 0;
  f.offsets!.forEach(([s, e], i) => {
    expect(s).toBeGreaterThanOrEqual(0);
    expect(e).toBeGreaterThanOrEqual(s);
    expect(e).toBeLessThanOrEqual(text.length);
    if (i > 0 && i < f.length - 1) {
      expect(s).toBeGreaterThanOrEqual(prev); // tokens run left to right
      expect(e).toBeGreaterThan(s); // every content token covers some text
      prev = s;
    }
  });
}

describe('hf-tokenizer featurizer: bad input', () => {
  const f = make();

  it('empty and whitespace-only text give just [CLS] [SEP]', () => {
    for (const t of ['', ' ', '\n\t  \r\n', '\u00a0\u2003']) {
      const r = f.encode(t);
      expect(ids(r)).toEqual([CLS, SEP]);
      expect(r).toMatchObject({ length: 2, truncated: false });
      expect(r.offsets).toEqual([[0, 0], [0, 0]]);
      expect(r.feeds.input_ids!.dims).toEqual([1, 2]);
    }
  });

  it('1 MB of text is cut to max_length, explicitly, with the same tokens as a short prefix', () => {
    const big = 'My name is John Smith and I live in Paris. '.repeat(24_000);
    expect(big.length).toBeGreaterThan(1_000_000);
    const r = f.encode(big);
    expect(r.length).toBe(MAX);
    expect(r.truncated).toBe(true);
    expect(ids(r)[MAX - 1]).toBe(SEP);
    expect(ids(r)).toEqual(ids(f.encode(big.slice(0, 200))));
    checkOffsets(r, big);
    // One 1 MB "word" (or 1 MB of spaces before a word): only the first textBudget() characters
    // are looked at, and the result says it was cut.
    const word = f.encode('x'.repeat(1_000_000));
    expect(ids(word)).toEqual([CLS, UNK, SEP]);
    expect(word.truncated).toBe(true);
    expect(word.offsets![1]).toEqual([0, textBudget(MAX)]);
    const spaces = f.encode(' '.repeat(1_000_000) + 'hello');
    expect(spaces).toMatchObject({ length: 2, truncated: true });
    const short = f.encode('hello');
    expect(short).toMatchObject({ length: 3, truncated: false });
  });

  it('truncation is exact at the boundary', () => {
    const words = (n: number) => Array.from({ length: n }, () => 'hello').join(' ');
    const fits = f.encode(words(MAX - 2));
    expect(fits).toMatchObject({ length: MAX, truncated: false });
    const over = f.encode(words(MAX - 1));
    expect(over).toMatchObject({ length: MAX, truncated: true });
    expect(ids(over)).toEqual(ids(fits));
  });

  it('lone surrogates and control characters do not break tokenisation or offsets', () => {
    const text = 'hello\u0000world\u0007 \ud800 is \udfff my\u001b name \u0085 end\ud83d';
    expect(sanitizeText(text)).toHaveLength(text.length);
    const r = f.encode(text);
    expect(pieces(r, text)).toEqual(['hello', 'world', 'is', 'my', 'name', 'end']);
    checkOffsets(r, text);
  });

  it('non-Latin scripts and emoji become [UNK] or per-character CJK tokens with exact spans', () => {
    const text = 'Привет 東京 مرحبا 😀 café';
    const r = f.encode(text);
    expect(pieces(r, text)).toEqual(['Привет', '東', '京', 'مرحبا', '😀', 'café']);
    expect(ids(r)).toEqual([CLS, UNK, vocab['東'], vocab['京'], UNK, UNK, vocab.cafe, SEP]);
    checkOffsets(r, text);
  });

  it('word pieces get their own spans; unknown words take the gap between known tokens', () => {
    const text = 'Jailbreaking xyzzy, plugh JOHN';
    const r = f.encode(text);
    expect(pieces(r, text)).toEqual(['Jail', 'break', 'ing', 'xyzzy', ',', 'plugh', 'JOHN']);
  });

  it('non-string input is treated as text, never thrown on', () => {
    expect(ids(f.encode(undefined as unknown as string))).toEqual([CLS, SEP]);
    expect(ids(f.encode(12 as unknown as string))).toEqual([CLS, UNK, SEP]);
  });

  it('padding to max_length pads ids and zeroes the mask', () => {
    const p = make({ featurizer: { type: 'hf-tokenizer', padding: 'max_length' } });
    const r = p.encode('hello world');
    expect(r.feeds.input_ids!.dims).toEqual([1, MAX]);
    expect(r.length).toBe(4);
    expect(mask(r)).toEqual([1, 1, 1, 1, ...new Array(MAX - 4).fill(0)]);
    expect(ids(r).slice(4)).toEqual(new Array(MAX - 4).fill(vocab['[PAD]']));
  });

  it('emits only the inputs the manifest lists, in any order', () => {
    const r = make({ inputs: ['attention_mask', 'input_ids'] }).encode('hello');
    expect(Object.keys(r.feeds)).toEqual(['attention_mask', 'input_ids']);
  });

  it('sequence packs skip the offset work', () => {
    expect(make({ task: 'sequence-classification' }).encode('hello').offsets).toBeUndefined();
  });
});

describe('hf-tokenizer featurizer: byte-level BPE offsets', () => {
  // A tiny RoBERTa-style tokenizer: byte-level pre-tokenizer, BPE over the 256 byte symbols.
  const byteChars: string[] = (() => {
    const bs: number[] = [];
    for (let b = 0x21; b <= 0x7e; b++) bs.push(b);
    for (let b = 0xa1; b <= 0xac; b++) bs.push(b);
    for (let b = 0xae; b <= 0xff; b++) bs.push(b);
    const cs = bs.slice();
    let n = 0;
    for (let b = 0; b < 256; b++) if (!bs.includes(b)) (bs.push(b), cs.push(256 + n++));
    const out: string[] = [];
    bs.forEach((b, i) => (out[b] = String.fromCharCode(cs[i]!)));
    return out;
  })();
  const bpeVocab: Record<string, number> = { '<s>': 0, '</s>': 1, '<pad>': 2 };
  for (const c of byteChars) bpeVocab[c] = Object.keys(bpeVocab).length;
  const merges = ['h e', 'l l', 'he ll', 'hell o', 'Ġ w', 'o r', 'Ġw or', 'l d', 'Ġwor ld', 'Ã ©'];
  for (const m of merges) bpeVocab[m.replace(' ', '')] = Object.keys(bpeVocab).length;
  const special = (id: number, content: string) => ({ id, content, special: true, normalized: false, lstrip: false, rstrip: false, single_word: false });
  const json = {
    version: '1.0',
    added_tokens: [special(0, '<s>'), special(1, '</s>'), special(2, '<pad>')],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: { type: 'RobertaProcessing', sep: ['</s>', 1], cls: ['<s>', 0], trim_offsets: true, add_prefix_space: false },
    decoder: { type: 'ByteLevel' },
    model: { type: 'BPE', unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, vocab: bpeVocab, merges },
  };
  const f = make({ max_length: 64 }, new TextEncoder().encode(JSON.stringify(json)));

  it('maps byte tokens back to the characters they encode, multi-byte characters included', () => {
    const text = 'hello world héllo 😀 東京';
    const r = f.encode(text);
    expect(ids(r)[0]).toBe(0);
    expect(ids(r)[r.length - 1]).toBe(1);
    const got = pieces(r, text).filter((p) => p.trim().length > 0);
    // Tokens that are a bare space (Ġ) trim to nothing and are dropped above; each byte of a
    // multi-byte character maps to that whole character.
    expect(got).toEqual(['hello', 'world', 'h', 'é', 'll', 'o', '😀', '😀', '😀', '😀', '東', '東', '東', '京', '京', '京']);
  });
});

describe('hf-tokenizer featurizer: Unigram / Metaspace offsets', () => {
  // A tiny SentencePiece-style tokenizer whose normaliser is context-dependent (a Replace of a
  // two-character pattern), so the per-character offset map needs its fallback walk.
  const special = (id: number, content: string) => ({ id, content, special: true, normalized: false, lstrip: false, rstrip: false, single_word: false });
  const pieces = ['<unk>', '<s>', '</s>', '▁', '▁hello', '▁world', '▁wor', 'ld', 'h', 'e', 'l', 'o', 'w', 'r', 'd', 'é', '▁h', 'llo'];
  const json = {
    version: '1.0',
    added_tokens: [special(0, '<unk>'), special(1, '<s>'), special(2, '</s>')],
    normalizer: { type: 'Sequence', normalizers: [{ type: 'NFKC' }, { type: 'Replace', pattern: { String: '  ' }, content: ' ' }] },
    pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }],
      pair: [],
      special_tokens: { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] }, '</s>': { id: '</s>', ids: [2], tokens: ['</s>'] } },
    },
    decoder: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
    model: { type: 'Unigram', unk_id: 0, vocab: pieces.map((p, i) => [p, i < 3 ? 0 : -2 - p.length / 10]), byte_fallback: false },
  };
  const f = make({ max_length: 32, inputs: ['input_ids', 'attention_mask'] }, new TextEncoder().encode(JSON.stringify(json)));

  it('spans survive a normaliser that drops characters, full-width forms and unknown pieces', () => {
    const cases: Array<[string, string[]]> = [
      ['hello world', ['hello', 'world']],
      ['héllo  wörld 😀', ['h', 'é', 'llo', '', 'w', 'ö', 'r', 'ld', '', '😀']],
      ['ＨＥＬＬＯ world', ['', 'ＨＥＬＬＯ', 'world']],
      ['  hello', ['hello']],
    ];
    for (const [text, want] of cases) {
      const r = f.encode(text);
      expect(Object.keys(r.feeds)).toEqual(['input_ids', 'attention_mask']);
      expect(pieces_(r, text), text).toEqual(want);
    }
  });
  const pieces_ = (r: Features, text: string) => r.offsets!.slice(1, r.length - 1).map(([s, e]) => text.slice(s, e));
});
