// Hugging Face tokenizer.json featurizer for BERT-family packs (WordPiece, BPE, Unigram) through
// @huggingface/tokenizers. That library ignores the truncation and padding blocks of tokenizer.json
// and returns no offsets, so we do all three here: tokens are cut to max_length (special tokens kept),
// optionally padded, and mapped back to character spans for token classification.
import { Tokenizer } from '@huggingface/tokenizers';
import type { Features, Featurizer, PackManifest, Tensor } from '../types.ts';
import { PackError, errorText } from '../pack-error.ts';
import { prefixForBudget, sanitizeText, textBudget } from '../text.ts';
import { alignTokens, type AlignOptions, type Span } from './hf-offsets.ts';
import type { PackFiles } from './index.ts';

type Json = Record<string, any>;
type Role = 'ids' | 'mask' | 'types';

const MARK = '\u0001semroute-sequence\u0001';

function parseJsonFile(files: PackFiles, key: string, fileName: string, required: boolean): Json | undefined {
  const bytes = files[key];
  if (!bytes) {
    if (required) throw new PackError(fileName, undefined, 'missing file');
    return undefined;
  }
  try {
    const v = JSON.parse(new TextDecoder().decode(bytes));
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('not a JSON object');
    return v as Json;
  } catch (err) {
    throw new PackError(fileName, undefined, `invalid JSON (${errorText(err)})`);
  }
}

function roleOf(name: string): Role | undefined {
  if (/input_ids$/.test(name)) return 'ids';
  if (/attention_mask$/.test(name)) return 'mask';
  if (/token_type_ids$/.test(name)) return 'types';
  return undefined;
}

function hasType(node: Json | null | undefined, type: string): boolean {
  if (!node || typeof node !== 'object') return false;
  if (node.type === type) return true;
  const kids = node.pretokenizers ?? node.decoders ?? node.normalizers ?? node.processors;
  return Array.isArray(kids) && kids.some((k: Json) => hasType(k, type));
}

function findOfType(node: Json | null | undefined, type: string): Json | undefined {
  if (!node || typeof node !== 'object') return undefined;
  if (node.type === type) return node;
  const kids = node.pretokenizers ?? node.decoders;
  return Array.isArray(kids) ? kids.map((k: Json) => findOfType(k, type)).find(Boolean) : undefined;
}

export function createHfTokenizerFeaturizer(
  params: Record<string, unknown>,
  manifest: PackManifest,
  files: PackFiles = {},
): Featurizer {
  const tokFile = manifest.files?.tokenizer ?? 'tokenizer.json';
  const json =
    (params.tokenizer && typeof params.tokenizer === 'object' ? (params.tokenizer as Json) : undefined) ??
    parseJsonFile(files, 'tokenizer', tokFile, true)!;
  const config = parseJsonFile(files, 'tokenizer_config', manifest.files?.tokenizer_config ?? 'tokenizer_config.json', false) ?? {};
  if (!json.model || typeof json.model !== 'object') throw new PackError(tokFile, 'model', 'missing tokenizer model');
  let tok: Tokenizer;
  try {
    tok = new Tokenizer(json, config);
  } catch (err) {
    throw new PackError(tokFile, 'model.type', `unsupported tokenizer (${errorText(err)})`);
  }

  const padding = params.padding ?? 'none';
  if (padding !== 'none' && padding !== 'max_length') {
    throw new PackError('manifest.json', 'featurizer.padding', `expected "none" or "max_length", got ${JSON.stringify(padding)}`);
  }
  const roles = manifest.inputs.map((name) => {
    const r = roleOf(name);
    if (!r) throw new PackError('manifest.json', 'inputs', `"${name}" is not an input the hf-tokenizer featurizer produces (input_ids, attention_mask, token_type_ids)`);
    return r;
  });

  const vocab = tok.get_vocab(true);
  const unkToken: string | undefined = json.model.unk_token ?? undefined;
  const unkId = (unkToken !== undefined ? vocab.get(unkToken) : undefined) ?? 0;
  const idOf = (t: string) => vocab.get(t) ?? unkId;
  const padId: number = json.padding?.pad_id ?? vocab.get('[PAD]') ?? vocab.get('<pad>') ?? 0;

  // Special tokens around one sequence, read from the post-processor with a marker sequence.
  let prefix: string[] = [];
  let suffix: string[] = [];
  let prefixTypes: number[] = [];
  let suffixTypes: number[] = [];
  let seqType = 0;
  if (tok.post_processor && params.add_special_tokens !== false) {
    const out = tok.post_processor([MARK], null, true);
    const at = out.tokens.indexOf(MARK);
    if (at >= 0) {
      prefix = out.tokens.slice(0, at);
      suffix = out.tokens.slice(at + 1);
      const types = out.token_type_ids ?? [];
      prefixTypes = prefix.map((_, i) => types[i] ?? 0);
      suffixTypes = suffix.map((_, i) => types[at + 1 + i] ?? 0);
      seqType = types[at] ?? 0;
    }
  }
  const maxLength = manifest.max_length;
  const contentMax = maxLength - prefix.length - suffix.length;
  if (!Number.isInteger(maxLength) || contentMax < 1) {
    throw new PackError('manifest.json', 'max_length', `must leave room for at least one token besides ${prefix.length + suffix.length} special tokens`);
  }

  const wantOffsets = manifest.task === 'token-classification' || params.offsets === true;
  const model = json.model as Json;
  const align: AlignOptions = {
    normalize: tok.normalizer ? (s: string) => tok.normalizer!(s) : null,
    byteLevel: hasType(json.pre_tokenizer, 'ByteLevel') || hasType(json.decoder, 'ByteLevel'),
    subwordPrefix: model.type === 'WordPiece' ? (model.continuing_subword_prefix ?? '##') : (model.continuing_subword_prefix ?? undefined),
    endOfWordSuffix: model.end_of_word_suffix ?? undefined,
    metaspace: (findOfType(json.pre_tokenizer, 'Metaspace') ?? findOfType(json.decoder, 'Metaspace'))?.replacement ?? undefined,
    unknown: new Set(unkToken !== undefined ? [unkToken] : []),
  };

  /** Content tokens (no specials) of the first contentMax tokens, tokenising a bounded prefix. */
  // Past this many characters the rest of the text is not looked at (and the cut is reported), so
  // 1 MB of whitespace or one 1 MB "word" costs no more than a long message.
  const cap = textBudget(maxLength);
  function contentTokens(text: string): { tokens: string[]; part: string; truncated: boolean } {
    let budget = Math.min(cap, contentMax * 8 + 16);
    for (;;) {
      const part = prefixForBudget(text, budget);
      const tokens = tok.tokenize(part, { add_special_tokens: false });
      if (tokens.length > contentMax) return { tokens: tokens.slice(0, contentMax), part, truncated: true };
      if (part.length === text.length || budget >= cap) return { tokens, part, truncated: part.length < text.length };
      budget = Math.min(cap, budget * 4);
    }
  }

  return {
    type: 'hf-tokenizer',
    encode(text: string): Features {
      const clean = sanitizeText(typeof text === 'string' ? text : String(text ?? ''));
      const { tokens, part, truncated } = contentTokens(clean);
      const all = [...prefix, ...tokens, ...suffix];
      const length = all.length;
      const seqLen = padding === 'max_length' ? maxLength : length;
      const ids = new BigInt64Array(seqLen).fill(BigInt(padId));
      const mask = new BigInt64Array(seqLen);
      const types = new BigInt64Array(seqLen);
      for (let i = 0; i < length; i++) {
        ids[i] = BigInt(idOf(all[i]!));
        mask[i] = 1n;
        const t = i < prefix.length ? prefixTypes[i]! : i < prefix.length + tokens.length ? seqType : suffixTypes[i - prefix.length - tokens.length]!;
        types[i] = BigInt(t);
      }
      const dims = [1, seqLen] as const;
      const byRole: Record<Role, Tensor> = {
        ids: { type: 'int64', data: ids, dims },
        mask: { type: 'int64', data: mask, dims },
        types: { type: 'int64', data: types, dims },
      };
      const feeds: Record<string, Tensor> = {};
      manifest.inputs.forEach((name, i) => (feeds[name] = byRole[roles[i]!]));
      const features: Features = { feeds, length, truncated };
      if (wantOffsets) {
        const spans = alignTokens(part, tokens, align);
        const none: Span = [0, 0];
        const offsets: Span[] = [];
        for (let i = 0; i < seqLen; i++) {
          const c = i - prefix.length;
          offsets.push(c >= 0 && c < spans.length ? spans[c]! : none);
        }
        features.offsets = offsets;
      }
      return features;
    },
  };
}
