// Semantic cache and questions that swap one word (issue #3): the embedding weighs one changed noun
// or pronoun lightly, so "What should I tell my wife?" (0.91 against "... my husband?"), "What is his
// favorite food?" (0.90 against "... her ...") and "how tall are you" (0.85 against "how tall am I")
// were served the other question's answer. A stored answer keeps its words' stems in order
// (src/cache/word-swaps.ts) and a lookup refuses an entry whose question is this one with a noun or a
// pronoun swapped, but not the generic subject of a how-to question ("how do I" / "how do you" /
// "how can we", "what should I" / "what should you") nor a pronoun that shifts with it ("how do I reset
// my password" / "how do you reset your password"; "... reset your password" after "how do I" is
// another question). Real gateway (memory backend), real embedding
// pack, the openai SDK as client; the Redis backend: cache-word-swaps-redis.test.ts; the Worker's
// Durable Object cache: test/worker/cache-word-swaps.test.ts.
import { describe, expect, it } from 'vitest';
import { startMockServer } from '../../runtimes/node/mock-server.ts';
import { packsAvailable } from './gateway-harness.ts';
import { questionAsker, useCacheGateway } from './helpers/cache-gateway.ts';

const gw = useCacheGateway(() => startMockServer());

const { hit, store, notServedFor, servedFor } = questionAsker(gw);

describe.skipIf(!packsAvailable())('a question with one word swapped', () => {
  it.each([
    ['What should I tell my wife?', 'What should I tell my husband?'],
    ['What are good gifts for my wife?', 'What are good gifts for my husband?'],
    ['How do I grow tomatoes in my garden?', 'How do I grow cucumbers in my garden?'],
    ['How do I train my dog to sit?', 'How do I train my cat to sit?'],
  ])('%s is not served for: %s (a noun)', (q, other) => notServedFor(q, other));

  it.each([
    ['What did he say about the project?', 'What did she say about the project?'],
    ['What is his favorite food?', 'What is her favorite food?'],
    ['When is his birthday?', 'When is her birthday?'],
    ['How tall are you?', 'How tall am I?'],
    ['What should I buy my mom for her birthday?', 'What should I buy my dad for his birthday?'],
  ])('%s is not served for: %s (a pronoun)', (q, other) => notServedFor(q, other));

  it.each([
    ['How do I grow orchids indoors?', 'How do you grow orchids indoors?'],
    ['How can I fix a leaking tap?', 'How can you fix a leaking tap?'],
    ['How should I store fresh basil?', 'How should we store fresh basil?'],
    ['What should I pack for a beach holiday?', 'What should you pack for a beach holiday?'],
    // A possessive, an object or a reflexive that shifts with the generic subject (C3).
    ['How do I reset my password?', 'How do you reset your password?'],
    ['How do we file our taxes?', 'How do you file your taxes?'],
    ['How can I motivate myself to exercise?', 'How can you motivate yourself to exercise?'],
  ])('%s is served for: %s (the generic subject of a how-to question)', (q, other) => servedFor(q, other));

  it.each([
    ['Can you help me plan a trip?', 'Can I help you plan a trip?'],
    ['Can I help you plan a party?', 'Can you help me plan a party?'],
    ['How can you help me with my essay?', 'How can I help you with my essay?'],
    ['What should I get my boss for Christmas?', 'What should I get your boss for Christmas?'],
    ['What should I tell him about the job?', 'What should I tell her about the job?'],
    ['What can you do?', 'What can I do?'],
    // A shift that does not follow the generic subject (C3).
    ['How do I change your email address?', 'How do you change your email address?'],
    ['How do you update my shipping address?', 'How do I update my shipping address?'],
  ])('%s is not served for: %s (an object, a possessive, another question\'s subject)', (q, other) => notServedFor(q, other));

  it('a rewording, an inflection or a synonym is still a hit', async () => {
    await store('How do I grow tomatoes on a balcony?');
    expect(await hit('How can I grow tomatoes on a balcony?')).toBe('true');
    expect(await hit('how do I grow a tomato on a balcony')).toBe('true');
    await store('what kind of pets do you have');
    expect(await hit('what type of pets do you have')).toBe('true');
    await store('do you know when you were born');
    expect(await hit('let me know when you were born')).toBe('true');
  });
});
