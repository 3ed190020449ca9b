// Technology names are no person, organisation or place (src/classify/pii/tech-names.ts): the token
// model read "Python" as GPE 0.89, so a pii_policy denying names blocked "How do I write a for loop in
// Python?". A span of listed words (and lower-case words beside them) is dropped and a name is not grown
// over one; real names next to them, and words off the list ("Julia", a name in the PII training rows), stay.
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tokenize } from '../../src/classify/featurizers/token-features.ts';
import { createPiiDetector } from '../../src/classify/pii/detector.ts';
import type { TokenClassifier, TokenPrediction } from '../../src/classify/types.ts';
import { loadPiiDetector } from '../../models/train/pii/pack-eval.ts';

/** A token model that tags the given words (label, confidence 0.9), everything else O. */
function fakeModel(tags: Record<string, string>): TokenClassifier {
  return {
    name: 'fake',
    labels: ['O', 'B-PERSON', 'I-PERSON', 'B-ORGANIZATION', 'I-ORGANIZATION', 'B-GPE', 'I-GPE', 'B-NRP'],
    threshold: 0.5,
    async predict(text: string): Promise<TokenPrediction[]> {
      return tokenize(text, 512).tokens.map((t) => ({ start: t.start, end: t.end, label: tags[t.text] ?? 'O', confidence: tags[t.text] ? 0.9 : 0.99 }));
    },
  };
}

async function spans(tags: Record<string, string>, text: string): Promise<Array<[string, string]>> {
  const det = createPiiDetector(fakeModel(tags), { name: 'pii', threshold: 0.5 });
  return (await det.detect(text)).map((e) => [e.type, text.slice(e.start, e.end)]);
}

describe('technology names read as names (fake token model)', () => {
  it.each([
    [{ Python: 'B-GPE' }, 'How do I write a for loop in Python?'],
    [{ python: 'B-PERSON' }, 'sort a dict by value in python'],
    [{ Python: 'B-PERSON', Pandas: 'I-PERSON' }, 'Merge two frames with Python Pandas on a key'],
    [{ Python: 'B-GPE' }, "What is Python's GIL?"],
    [{ SQLAlchemy: 'B-PERSON' }, 'Query a view with SQLAlchemy'],
    [{ Django: 'B-GPE' }, 'Add a field to a Django model'],
    [{ Python: 'B-PERSON', script: 'I-PERSON' }, 'Review this Python script'],
  ])('%o in %s: no span', async (tags, text) => {
    expect(await spans(tags, text)).toEqual([]);
  });

  it('a name is not grown over a technology word beside it', async () => {
    expect(await spans({ Emily: 'B-PERSON' }, 'ask Emily Python questions')).toEqual([['PERSON', 'Emily']]);
  });

  it('names off the list and names with a technology word stay', async () => {
    expect(await spans({ Julia: 'B-PERSON', Vizirov: 'I-PERSON' }, 'Julia Vizirov wrote back')).toEqual([['PERSON', 'Julia Vizirov']]);
    expect(await spans({ Guido: 'B-PERSON', van: 'I-PERSON', Rossum: 'I-PERSON' }, 'Guido van Rossum wrote Python')).toEqual([['PERSON', 'Guido van Rossum']]);
    expect(await spans({ Paris: 'B-GPE' }, 'a Python meetup in Paris')).toEqual([['GPE', 'Paris']]);
  });
});

describe('technology names with the committed pii pack', () => {
  const NAMES = ['PERSON', 'ORGANIZATION', 'GPE', 'NRP'];
  it.each([
    'How do I write a for loop in Python?',
    'How do I read a CSV file with Python Pandas?',
    'What is the difference between a list and a tuple in python?',
  ])('%s: no name', async (text) => {
    const det = await loadPiiDetector(resolve(import.meta.dirname, '../../models/pii'));
    expect((await det.detect(text)).filter((e) => NAMES.includes(e.type)).map((e) => text.slice(e.start, e.end))).toEqual([]);
  });

  it.each([
    // 'Python script' was PERSON 0.71 beside her.
    ['My colleague Maria Gonzalez wrote this Python script, can you review it?', 'Maria Gonzalez'],
    ['Send the Python notebook to Daniel Okafor before Friday.', 'Daniel Okafor'],
  ])('a person beside Python is still found: %s', async (text, name) => {
    const det = await loadPiiDetector(resolve(import.meta.dirname, '../../models/pii'));
    expect((await det.detect(text)).filter((e) => NAMES.includes(e.type)).map((e) => text.slice(e.start, e.end))).toEqual([name]);
  });
});
