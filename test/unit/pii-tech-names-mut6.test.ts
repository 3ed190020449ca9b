// Mutation audit 6 of 943cf20 (technology names are no names, src/classify/pii/tech-names.ts). Two of
// techOnly's rules had no test that failed without them, each a person the detector would lose or keep:
// - a capitalised word off the list keeps the span: a model span holding a person and "Python" ("Maria
//   Python") is a name, not a technology span (without the rule it was dropped: a name let through a
//   policy denying names);
// - a possessive is read as its word: "Python's" tagged whole is still the technology;
// - words are split at a slash and read without the punctuation around them: "Python/Django",
//   "(Python)" tagged whole are technology spans (a coding question blocked by deny-all names).
import { describe, expect, it } from 'vitest';
import { tokenize } from '../../src/classify/featurizers/token-features.ts';
import { createPiiDetector } from '../../src/classify/pii/detector.ts';
import type { TokenClassifier } from '../../src/classify/types.ts';

/** A token model tagging the tokens of `text` from `from` to `to` (character offsets) as one `type` span. */
function spanModel(type: string, from: number, to: number): TokenClassifier {
  return {
    name: 'fake',
    labels: ['O', `B-${type}`, `I-${type}`],
    threshold: 0.5,
    async predict(text: string) {
      return tokenize(text, 512).tokens.map((t) => {
        const inside = t.start >= from && t.end <= to;
        return { start: t.start, end: t.end, label: inside ? `${t.start === from ? 'B' : 'I'}-${type}` : 'O', confidence: inside ? 0.9 : 0.99 };
      });
    },
  };
}

async function spans(text: string, type: string, words: string): Promise<string[]> {
  const from = text.indexOf(words);
  const det = createPiiDetector(spanModel(type, from, from + words.length), { name: 'pii', threshold: 0.5 });
  return (await det.detect(text)).map((e) => text.slice(e.start, e.end));
}

describe('technology spans, mutation audit 6 (fake token model)', () => {
  it('a person and a technology word in one span: the span stays', async () => {
    expect(await spans('Please ask Maria Python questions', 'PERSON', 'Maria Python')).toEqual(['Maria Python']);
    expect(await spans('Please ask Maria Pandas questions', 'PERSON', 'Maria Pandas')).toEqual(['Maria Pandas']);
  });

  it("a possessive technology word tagged whole: no span", async () => {
    expect(await spans("What is Python's GIL?", 'GPE', "Python's")).toEqual([]);
    expect(await spans('What is Django’s ORM?', 'ORGANIZATION', 'Django’s')).toEqual([]);
  });

  it('a slash between technology words, and brackets around one: no span', async () => {
    expect(await spans('Is Python/Django good for a blog?', 'GPE', 'Python/Django')).toEqual([]);
    expect(await spans('Should I learn a language (Python) first?', 'GPE', '(Python)')).toEqual([]);
  });
});
