// The cache's word-swap check (src/cache/word-swaps.ts): a question that is another with one noun or
// one pronoun swapped is another question; inflections, listed synonyms, function words, the asking,
// words added or dropped, and entries stored before the check are not refused.
import { describe, expect, it } from 'vitest';
import { stem, wordSwapped } from '../../src/cache/word-swaps.ts';
import { conflicts, questionSignature } from '../../src/cache/word-order.ts';

const swapped = (a: string, b: string) => wordSwapped(questionSignature(a).stems, questionSignature(b).stems);
/** Both ways: either question may be the stored one. */
const expectSwapped = (pairs: string[][], want: boolean) => {
  for (const [a, b] of pairs) {
    expect(swapped(a!, b!), `${a} / ${b}`).toBe(want);
    expect(swapped(b!, a!), `${b} / ${a}`).toBe(want);
  }
};

describe('wordSwapped', () => {
  it('refuses one noun swapped for another', () => {
    expectSwapped([
      ['how do I grow tomatoes', 'how do I grow cucumbers'],
      ['How do I grow tomatoes?', 'How can I grow cucumbers?'],
      ['What should I tell my wife?', 'What should I tell my husband?'],
      ['How do I train my dog to sit?', 'How do I train my cat to sit?'],
      ['What is the difference between a list and a tuple?', 'What is the difference between a list and a set?'],
      ['Python: sorting a dictionary of dictionaries', 'Python: sorting a dictionary of lists'],
      ['what is photosynthesis', 'what is respiration'],
    ], true);
  });

  it('refuses a pronoun of another person', () => {
    expectSwapped([
      ['What did he say about the project?', 'What did she say about the project?'],
      ['What is his favorite food?', 'What is her favorite food?'],
      ['how tall are you', 'how tall am I'],
      ['how old are you', 'how old am i'],
      ['what is my name', 'what is your name'],
      ['what are our options', 'what are your options'],
    ], true);
  });

  it('refuses two swaps, not three words for one', () => {
    expectSwapped([['what should I buy my mom for her birthday', 'what should I buy my dad for his birthday']], true);
    expectSwapped([['how do I grow tomatoes', 'how do I grow big red juicy tomatoes']], false);
  });

  it('keeps inflections, listed synonyms and changed function words', () => {
    expectSwapped([
      ['How do I grow tomatoes?', 'How do I grow a tomato?'],
      ['How do I grow tomatoes?', 'How can I grow tomatoes?'],
      ['baking bread at home', 'bake breads at home'],
      ['What did he say about the project?', 'What did he say about the projects?'],
      ['thanks for the help', 'thanks for the answer'],
      ['what is the meaning of life', 'what is the purpose of life'],
      ['what kind of pets do you have', 'what type of pets do you have'],
      ['hi, how are you', 'hello, how are you'],
      ['what is the capital of France', 'what is the capital of france?'],
    ], false);
  });

  it('keeps swaps where a verb or a modifier stands, and the pronouns of the asking', () => {
    expectSwapped([
      ['How can I raise my savings rate?', 'How can I increase my savings rate?'],
      ['i wish to know your name', 'i would like to know your name'],
      ['tell me a funny joke', 'tell me a good joke'],
      ['what company created you', 'what company designed you'],
      ['do you know when you were born', 'let me know when you were born'],
      ['do you think you are a bot', 'i think you are a bot'],
      ['can you tell me my name', 'what is my name'],
    ], false);
  });

  it('keeps the generic subject of a how-to or advice question', () => {
    expectSwapped([
      ['How do I grow tomatoes?', 'How do you grow tomatoes?'],
      ['how can I fix a leaking tap', 'how can we fix a leaking tap'],
      ['how should I store basil', 'how would you store basil'],
      ['how does one cook rice', 'how do you cook rice'],
      ['what should I pack for a beach holiday', 'what should you pack for a beach holiday'],
    ], false);
  });

  it('keeps a possessive, an object or a reflexive that shifts with the generic subject', () => {
    expectSwapped([
      ['How do I reset my password?', 'How do you reset your password?'],
      ['how do we file our taxes', 'how do you file your taxes'],
      ['how can I motivate myself to exercise', 'how can you motivate yourself to exercise'],
      ['how do I know if my boss likes me', 'how do you know if your boss likes you'],
      ['what should I tell my wife', 'what should you tell your wife'],
    ], false);
  });

  it('refuses a shift that does not follow the generic subject', () => {
    expectSwapped([
      ['How do I reset your password?', 'How do you reset your password?'],
      ['How do you reset my password?', 'How do I reset my password?'],
      ['how do I reset my password', 'how do you reset my password'],
      ['what should I tell my wife', 'what should you tell my wife'],
      ['how do we file our taxes', 'how do you file our taxes'],
      ['What should I tell my wife?', 'What should you tell your husband?'],
      ['how can I motivate myself', 'how can you motivate myself'],
    ], true);
  });

  it('refuses an object or a possessive swapped, after a generic subject too, and the subject of other questions', () => {
    expectSwapped([
      ['can you help me', 'can I help you'],
      ['how can you help me', 'how can I help you'],
      ['What should I tell my wife?', 'What should you tell my husband?'],
      ['what should I buy my wife', 'what should I buy your wife'],
      ['what can you do', 'what can I do'],
      ['what do you like', 'what do I like'],
      ['where do you live', 'where do I live'],
    ], true);
  });

  it('keeps questions that add or drop words', () => {
    expectSwapped([
      ['what is the capital of France', 'what is the capital city of France'],
      ['tell me your full name', 'tell me your name'],
      ['can you help me', 'can you help'],
    ], false);
  });

  it('refuses a modifier added before a noun both have', () => {
    expectSwapped([
      ['How do I cook rice?', 'How do I cook brown rice?'],
      ['What is the capital of France?', 'What is the old capital of France?'],
      ['How long does it take to boil an egg?', 'How long does it take to boil a duck egg?'],
      ['What does a lawyer earn?', 'What does a junior lawyer earn?'],
      ['find the surface area of a cylinder', 'find the lateral surface area of a cylinder'],
      // A measure after the noun
      ['What is the population of Texas?', 'What is the population density of Texas?'],
      ['What is the GDP of China?', 'What is the GDP growth of China?'],
    ], true);
  });

  it('refuses a modifier swapped before a noun both have', () => {
    expectSwapped([
      ['How much does a used car cost?', 'How much does a new car cost?'],
      ['Is it bad to sleep with wet hair?', 'Is it bad to sleep with dry hair?'],
      ['What is the tax rate for single filers?', 'What is the tax rate for married filers?'],
      ['What is the average salary of a nurse?', 'What is the minimum salary of a nurse?'],
      ['What is the melting point of iron?', 'What is the boiling point of iron?'],
      // A plain modifier for one that is not
      ['What is the best way to learn Spanish?', 'What is the fastest way to learn Spanish?'],
    ], true);
  });

  it('keeps a word that does not narrow the noun, a verb or an adverb, and a word before a verb', () => {
    expectSwapped([
      ['What are the symptoms of the flu?', 'What are the common symptoms of the flu?'],
      ['what are your hobbies', 'what are your favorite hobbies'],
      ['what pets do you have', 'what different pets do you have'],
      ['tell me a joke', 'tell me a funny joke'],
      ['how do I cook rice', 'how do I quickly cook rice'],
      ['what created you', 'what company created you'],
      ['tell me something funny', 'let me hear something funny'],
      ['talk to you later', 'great chat, talk to you later'],
      ['What is the unemployment in Spain?', 'What is the unemployment rate in Spain?'],
    ], false);
  });

  it('refuses the subject swapped right after an auxiliary that opens the question', () => {
    expectSwapped([
      ['How many calories does running burn?', 'How many calories does walking burn?'],
      ['Does coffee raise blood pressure?', 'Does tea raise blood pressure?'],
      ['How much sleep do adults need?', 'How much sleep do teenagers need?'],
      ['why do cats purr', 'why do lions purr'],
      ['How far is mars from earth?', 'How far is venus from earth?'],
    ], true);
    // Not a word that names no thing of its own, nor a verb after a subject
    expectSwapped([['how is everything', 'how are things'], ['so I wish to know', 'so I would like to know']], false);
  });

  it('never refuses without both stem lists, nor on a list cut at its length', () => {
    const s = questionSignature('how do I grow tomatoes').stems;
    expect(wordSwapped(undefined, s)).toBe(false);
    expect(wordSwapped(s, undefined)).toBe(false);
    expect(wordSwapped([], s)).toBe(false);
    const long = (w: string) => `${'please explain this in detail '.repeat(10)}how do I grow ${w}`;
    expect(swapped(long('tomatoes'), long('cucumbers'))).toBe(false);
  });

  it('reads a number word as its digits, as the numbers check does', () => {
    expectSwapped([['how many days are in three weeks', 'how many days are in 3 weeks']], false);
  });
});

describe('stem', () => {
  it('gives a word and its inflections one stem', () => {
    for (const [a, b] of [['tomatoes', 'tomato'], ['shoes', 'shoe'], ['baked', 'baking'], ['stopped', 'stop'], ['cities', 'city'], ['boxes', 'box'], ['classes', 'class']]) {
      expect(stem(a!), `${a} / ${b}`).toBe(stem(b!));
    }
    expect(stem('class')).toBe('class');
    expect(stem('analysis')).toBe('analysis');
  });
});

describe('conflicts', () => {
  it('refuses a swapped twin through the stored signature, and an entry stored before stems were kept is served', () => {
    const stored = questionSignature('What should I tell my wife?');
    expect(conflicts(stored, questionSignature('What should I tell my husband?'))).toBe(true);
    expect(conflicts({ ...stored, stems: undefined }, questionSignature('What should I tell my husband?'))).toBe(false);
    expect(conflicts(stored, questionSignature('what should i tell my wife'))).toBe(false);
  });
});
