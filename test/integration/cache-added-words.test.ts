// Semantic cache and questions that add a modifier, or swap one, before a noun both have: the
// embedding weighs one such word lightly, so "How do I cook brown rice?" scored 0.91 against "How do
// I cook rice?", "What is the old capital of France?" 0.94 against "What is the capital of France?",
// "How much does a used car cost?" 0.93 against "... a new car ...", and each was served the other's
// answer. The word-swap check (src/cache/word-swaps.ts) now reads one word added, or one swapped, where
// a modifier stands as a change of what is asked, unless it is a word that does not narrow the noun
// ("common symptoms", "full name", "a funny joke" / "a good joke"); and a measure added after the noun
// ("the population density of Texas" 0.93 against "the population of Texas"; not "the capital city", "the
// unemployment rate"). Real gateway (memory backend), real embedding pack, the openai SDK as client.
import { describe, it } from 'vitest';
import { startMockServer } from '../../runtimes/node/mock-server.ts';
import { packsAvailable } from './gateway-harness.ts';
import { questionAsker, useCacheGateway } from './helpers/cache-gateway.ts';

const gw = useCacheGateway(() => startMockServer());

const { notServedFor, servedFor } = questionAsker(gw);

describe.skipIf(!packsAvailable())('a question that adds or swaps a modifier', () => {
  it.each([
    ['How do I cook rice?', 'How do I cook brown rice?'],
    ['What is the capital of Germany?', 'What is the old capital of Germany?'],
    ['How long does it take to boil an egg?', 'How long does it take to boil a duck egg?'],
    ['What does a lawyer earn?', 'What does a junior lawyer earn?'],
  ])('%s is not served for: %s (a modifier added)', (q, other) => notServedFor(q, other));

  it.each([
    ['What is the population of Texas?', 'What is the population density of Texas?'],
    ['What is the GDP of China?', 'What is the GDP growth of China?'],
  ])('%s is not served for: %s (a measure added after the noun)', (q, other) => notServedFor(q, other));

  it.each([
    ['How much does a used car cost?', 'How much does a new car cost?'],
    ['Is it bad to sleep with wet hair?', 'Is it bad to sleep with dry hair?'],
    ['What is the tax rate for single filers?', 'What is the tax rate for married filers?'],
    ['What is the average salary of a nurse?', 'What is the minimum salary of a nurse?'],
    ['What is the melting point of iron?', 'What is the boiling point of iron?'],
    ['How much water should a dog drink?', 'How much water should a cat drink?'],
    ['How many hours of sleep does a baby need?', 'How many hours of sleep does a teenager need?'],
  ])('%s is not served for: %s (a modifier swapped)', (q, other) => notServedFor(q, other));

  it.each([
    ['What is the capital of France?', 'What is the capital city of France?'],
    ['What are the symptoms of the flu?', 'What are the common symptoms of the flu?'],
    ['What is your full name?', 'What is your name?'],
    ['Tell me a funny joke about cats', 'Tell me a good joke about cats'],
    ['What is the unemployment in Spain?', 'What is the unemployment rate in Spain?'],
  ])('%s is served for: %s (a word that does not narrow the noun)', (q, other) => servedFor(q, other));
});
