// Code-point classes shared by the word tokenizers: 1 = word, 2 = separator, 3 = symbol,
// 4 = ideograph / kana (scripts written without spaces: each character is a word token of its own).
// Each tokenizer passes its own notion of a word character (the n-gram featurizer counts '_' as one,
// GloVe-style word-vector tokens do not); BMP classes are cached per classer on first sight.
const SEP_RE = /^[\s\p{Cc}\p{Cf}\p{Z}\p{Cn}]$/u;
const IDEO_RE = /^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]$/u;

export type CodePointClasser = (cp: number) => number;

export function codePointClasser(wordRe: RegExp): CodePointClasser {
  const bmp = new Uint8Array(65536); // 0 = not classified yet
  const classify = (cp: number): number => {
    if (cp >= 0xd800 && cp <= 0xdfff) return 3; // lone surrogate: a symbol of its own
    const ch = String.fromCodePoint(cp);
    if (IDEO_RE.test(ch)) return 4;
    return wordRe.test(ch) ? 1 : SEP_RE.test(ch) ? 2 : 3;
  };
  return (cp) => {
    if (cp < 65536) {
      let c = bmp[cp]!;
      if (c === 0) c = bmp[cp] = classify(cp);
      return c;
    }
    return classify(cp);
  };
}
