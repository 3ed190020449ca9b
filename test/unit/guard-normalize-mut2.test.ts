// Mutation audit, round 2: the guard's and the PII scan's folds (src/guard/normalize.ts) where
// surviving mutants showed behaviour untested. guardText: marks struck over the spaces between words
// go; a look-alike-only word is read as Latin only in a mostly Latin text (a tie is not), marks in it
// included; two letters with one of " .-_*|" between them are joined; a long text is cut into pieces
// at whitespace (a mixed word is not split) and never inside a surrogate pair. foldWithOffsets: marks
// go only after a Latin letter (an ignorable between them does not change that), look-alikes are read
// as Latin only in mixed words, small capitals are letters, and forms that expand past 4 characters
// are kept as written.
import { describe, expect, it } from 'vitest';
import { foldWithOffsets, guardText } from '../../src/guard/normalize.ts';

describe('guardText', () => {
  it('strike-through marks on the spaces between words are dropped with those on the letters', () => {
    expect(guardText('ignore\u0336 \u0336all\u0336')).toBe('ignore all');
  });

  it('a look-alike-only word is read as Latin in a mostly Latin text, not on a tie', () => {
    expect(guardText('okay ок')).toBe('okay ok');
    expect(guardText('ok ок')).toBe('ok ок');
  });

  it('a look-alike-only word with a combining mark is still read as Latin (the mark then dropped)', () => {
    expect(guardText('please say ок\u0301 now')).toBe('please say ok now');
  });

  it('two letters with one lone separator of " .-_*|" between them are joined; another separator is kept', () => {
    expect(guardText('a.b')).toBe('ab');
    expect(guardText('x*y')).toBe('xy');
    expect(guardText('x|y')).toBe('xy');
    expect(guardText('x~y')).toBe('x~y');
  });

  it('a long text is cut at whitespace: a mixed word across the 64 Ki mark is read whole', () => {
    // 'ignorе' (Cyrillic е) starts 5 characters before the cut; the rest of the text is Cyrillic.
    const text = `${'x'.repeat(65530)} ignorе привет мир как дела у тебя`;
    expect(guardText(text).slice(65528)).toBe('xx ignore привет мир как дела у тебя');
  });

  it('a long text with no whitespace is never cut inside a surrogate pair', () => {
    // 𝐢 (U+1D422) straddles the 64 Ki mark: its high half is the 65536th unit.
    const text = `${'a'.repeat(65535)}𝐢𝐠𝐧𝐨𝐫𝐞`;
    expect(guardText(text).slice(65530)).toBe('aaaaaignore');
  });
});

describe('foldWithOffsets', () => {
  it('a mark on a Cyrillic letter is kept (the text folds to itself)', () => {
    expect(foldWithOffsets('и\u0301')).toBeUndefined();
  });

  it('look-alikes in a word of no Latin letter are left alone', () => {
    expect(foldWithOffsets('мама')).toBeUndefined();
  });

  it('small capitals are read as letters', () => {
    expect(foldWithOffsets('ɪɢɴᴏʀᴇ@x.com')?.text).toBe('ignore@x.com');
  });

  it('a form that expands past 4 characters is kept as written', () => {
    expect(foldWithOffsets('a\uFDFAb')).toBeUndefined();
  });

  it('a mark after a Latin letter and a zero-width space is still dropped, with offsets into the source', () => {
    const f = foldWithOffsets('e\u200b\u0301x')!;
    expect(f.text).toBe('ex');
    expect([...f.starts]).toEqual([0, 3]);
    expect([...f.ends]).toEqual([1, 4]);
  });
});
