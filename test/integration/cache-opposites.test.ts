// Semantic cache and questions that ask the opposite (issue #3): the embedding all but ignores which
// way a question points, so "How do I increase my credit score?" scored 0.97 against "... decrease
// ...", "What should I eat before a workout?" 0.99 against "... after ...", "turn on" 0.98 against
// "turn off", and each was served the other's answer. A stored answer keeps its question's poles
// (src/cache/opposites.ts) and a lookup refuses an entry that names the other end of a pair.
// Real gateway, real embedding pack, the openai SDK as client.
import { describe, expect, it } from 'vitest';
import { startMockServer } from '../../runtimes/node/mock-server.ts';
import { packsAvailable } from './gateway-harness.ts';
import { questionAsker, useCacheGateway } from './helpers/cache-gateway.ts';

const gw = useCacheGateway(() => startMockServer());

const { hit, store, notServedFor } = questionAsker(gw);

describe.skipIf(!packsAvailable())('a question that asks the opposite', () => {
  it.each([
    ['How do I increase my credit score?', 'How do I decrease my credit score?'],
    ['Should I raise the temperature of my fridge?', 'Should I lower the temperature of my fridge?'],
    ['What should I eat before a workout?', 'What should I eat after a workout?'],
    ['When is the best time to buy a car?', 'When is the best time to sell a car?'],
    ['How do I turn on dark mode in Chrome?', 'How do I turn off dark mode in Chrome?'],
    ['How do I enable dark mode in Firefox?', 'How do I disable dark mode in Firefox?'],
    ['Write a function to find the maximum of a list', 'Write a function to find the minimum of a list'],
    ['How do I add a column to a pandas dataframe?', 'How do I remove a column from a pandas dataframe?'],
    ['Why is my room so hot?', 'Why is my room so cold?'],
    ['How do I lose weight fast?', 'How do I gain weight fast?'],
    ['What causes high blood pressure?', 'What causes low blood pressure?'],
    ['How to convert a string to upper case in python', 'How to convert a string to lower case in python'],
    ['Get the first element of a list', 'Get the last element of a list'],
    ['What are the pros of remote work?', 'What are the cons of remote work?'],
    ['What are the advantages of nuclear energy?', 'What are the disadvantages of nuclear energy?'],
    ['How do I enable dark mode on my iPhone?', 'How do I enable light mode on my iPhone?'],
    ['What should I wear in summer in Chicago?', 'What should I wear in winter in Chicago?'],
    ['popular boy names starting with a', 'popular girl names starting with a'],
    ['How do I make a public method in Java?', 'How do I make a private method in Java?'],
    ['What are the symptoms of hyperthyroidism?', 'What are the symptoms of hypothyroidism?'],
    ['best foods to eat in the morning', 'best foods to eat at night'],
    ['is coffee good for you', 'is coffee bad for you'],
    ["what's the weather like today", "what's the weather like tomorrow"],
    ['what is on my calendar this week', 'what is on my calendar next week'],
    ['what did i spend last month', 'what did i spend this month'],
    ['set an alarm for 7 am', 'set an alarm for 7 pm'],
    ['when was the eiffel tower built', 'where was the eiffel tower built'],
    ['when did world war 2 start', 'why did world war 2 start'],
    ['who invented the telephone', 'when was the telephone invented'],
    ['how far is the moon', 'how big is the moon'],
    ['what is my name', 'what is your name'],
    ['what is my favorite color', 'what is your favorite color'],
  ])('%s is not served for: %s', (q, other) => notServedFor(q, other));

  it('the same direction in other words is still a hit', async () => {
    await store('How can I raise my savings rate?');
    // "increase" and "raise" stand at the same end: a rewording, not the opposite
    expect(await hit('How can I increase my savings rate?')).toBe('true');
  });
});
