// Semantic cache: close questions that ask something else, hunted by hand (negation, units, entities,
// numbers, comparison direction, time, "without", the subject), each embedding at or over the threshold,
// so only the question checks (src/cache/word-order.ts and the files it calls) can keep the stored answer
// from being served. Found served wrongly, and fixed here: a negating prefix ("unsafe" / "safe",
// "non-toxic"), a single capital letter ("vitamin D" / "vitamin C"), "apply for" / "cancel", "buy" /
// "rent", "too much" / "too little", "closest" / "farthest", "empty" / "full", one colour for another
// ("the sky blue" / "red"), "the best way" / "the fastest way", the subject after an auxiliary that opens
// the question ("does running burn" / "does walking burn", "how far is mars" / "venus"); the modifiers
// ("a used car" / "a new car") and "the population density of Texas" in cache-added-words.test.ts.
// Still served wrongly (it.fails): a time span for another, a verb for a verb that is no listed opposite.
// Real gateway (memory backend), real embedding pack, the openai SDK as client.
import { describe, it } from 'vitest';
import { startMockServer } from '../../runtimes/node/mock-server.ts';
import { packsAvailable } from './gateway-harness.ts';
import { questionAsker, useCacheGateway } from './helpers/cache-gateway.ts';

const gw = useCacheGateway(() => startMockServer());

const { notServedFor } = questionAsker(gw);

describe.skipIf(!packsAvailable())('close questions that ask something else', () => {
  it.each([
    ['Is it safe to drink coffee while pregnant?', 'Is it unsafe to drink coffee while pregnant?'],
    ['Is this plant toxic to cats?', 'Is this plant non-toxic to cats?'],
    ['How do I make bread without yeast?', 'How do I make bread with yeast?'],
    ['Is it legal to own a gun in Texas?', 'Is it illegal to own a gun in Texas?'],
    ['Why is my code not compiling?', 'Why is my code compiling?'],
    ['How do I write a cover letter without experience?', 'How do I write a cover letter with experience?'],
    ['Is it legal to drive without insurance?', 'Is it legal to drive with insurance?'],
    ['How do I make a cake with no sugar?', 'How do I make a cake with sugar?'],
    ['Is non-alcoholic beer healthy?', 'Is beer healthy?'],
  ])('%s is not served for: %s (negation, "without")', (q, other) => notServedFor(q, other));

  it.each([
    ['How many grams are in a cup of flour?', 'How many ounces are in a cup of flour?'],
    ['Convert 100 Fahrenheit to Celsius', 'Convert 100 Celsius to Fahrenheit'],
    ['How many miles is a marathon?', 'How many kilometers is a marathon?'],
    ['How far is the moon from the earth in miles?', 'How far is the moon from the earth in kilometers?'],
    ['How many ounces in a pound?', 'How many ounces in a kilogram?'],
    ['How many teaspoons in a tablespoon?', 'How many tablespoons in a teaspoon?'],
    ['What is the boiling point of water in Fahrenheit?', 'What is the boiling point of water in Celsius?'],
  ])('%s is not served for: %s (units)', (q, other) => notServedFor(q, other));

  it.each([
    ['Should I take vitamin D in the morning or at night?', 'Should I take vitamin C in the morning or at night?'],
    ['What is the price of gold per ounce?', 'What is the price of silver per ounce?'],
    ['How do I remove a virus from my computer?', 'How do I remove a virus from my phone?'],
    ['What are the symptoms of a heart attack in women?', 'What are the symptoms of a heart attack in men?'],
    ['How much protein does a man need per day?', 'How much protein does a woman need per day?'],
    ['Is it safe to eat raw chicken?', 'Is it safe to eat chicken?'],
    ['How long should I boil eggs for hard boiled eggs?', 'How long should I boil eggs for soft boiled eggs?'],
    ['Is 17 a prime number?', 'Is 19 a prime number?'],
    ['What is the fastest land animal?', 'What is the fastest sea animal?'],
    ['How many grams of sugar per day for women?', 'How many grams of sugar per day for kids?'],
    ['Does drinking water help with weight loss?', 'Does drinking coffee help with weight loss?'],
    ['How many calories should a man eat per day?', 'How many calories should a woman eat per day?'],
    ['What are good books for kids?', 'What are good books for adults?'],
    ['Is it normal to have a fever after a vaccine?', 'Is it normal to have a headache after a vaccine?'],
    ['How do I get a refund on Amazon?', 'How do I get a discount on Amazon?'],
    ['Can I drink alcohol while taking antibiotics?', 'Can I drink coffee while taking antibiotics?'],
    ['What is the tallest building in the world?', 'What is the tallest building in Europe?'],
    ['What does a project manager do?', 'What does a product manager do?'],
    ['How do I fix a flat tire on a bike?', 'How do I fix a flat tire on a car?'],
    ['How long do I bake chicken breast at 400?', 'How long do I bake chicken thighs at 400?'],
    ['What are the symptoms of covid in children?', 'What are the symptoms of covid in adults?'],
    ['How much caffeine is in a cup of coffee?', 'How much caffeine is in a cup of tea?'],
    ['Why is my cat sneezing?', 'Why is my dog sneezing?'],
    ['How many ounces of water should I drink a day?', 'How many cups of water should I drink a day?'],
    ["What's the capital of North Dakota?", "What's the capital of South Dakota?"],
  ])('%s is not served for: %s (entities)', (q, other) => notServedFor(q, other));

  it.each([
    ['How many calories does running burn?', 'How many calories does walking burn?'],
    ['Does coffee raise blood pressure?', 'Does tea raise blood pressure?'],
    ['How much sleep do adults need?', 'How much sleep do teenagers need?'],
    ['How far is mars from earth?', 'How far is venus from earth?'],
  ])('%s is not served for: %s (the subject after an auxiliary that opens the question)', (q, other) => notServedFor(q, other));

  it.each([
    ['What is the interest rate on a 30 year mortgage?', 'What is the interest rate on a 15 year mortgage?'],
    ['What is 20 percent of 80?', 'What is 80 percent of 20?'],
    ['Is twice a week enough exercise?', 'Is three times a week enough exercise?'],
    ['Who wrote the first Harry Potter book?', 'Who wrote the last Harry Potter book?'],
    ['How many people died in world war two?', 'How many people died in world war one?'],
    ['What is the half life of carbon 14?', 'What is the half life of carbon 12?'],
    ["What's a good gift for a 5 year old?", "What's a good gift for a 10 year old?"],
    ['Best laptop under 500 dollars', 'Best laptop under 1000 dollars'],
    ['Who was the first man on the moon?', 'Who was the second man on the moon?'],
  ])('%s is not served for: %s (numbers)', (q, other) => notServedFor(q, other));

  it.each([
    ['Is a cheetah faster than a lion?', 'Is a lion faster than a cheetah?'],
    ['Is gold heavier than silver?', 'Is gold lighter than silver?'],
    ['Can I use baking soda instead of baking powder?', 'Can I use baking powder instead of baking soda?'],
    ['How do I convert a string to an int in Python?', 'How do I convert an int to a string in Python?'],
    ['What foods are high in iron?', 'What foods are low in iron?'],
    ['How do I apply for a credit card?', 'How do I cancel a credit card?'],
    ['How much does it cost to buy a house?', 'How much does it cost to rent a house?'],
    ['What time does the store open?', 'What time does the store close?'],
    ['Who is older, Obama or Biden?', 'Who is younger, Obama or Biden?'],
    ['What is the best time to visit Japan?', 'What is the worst time to visit Japan?'],
    ['What is the largest country in Africa?', 'What is the smallest country in Africa?'],
    ['What is a good credit score?', 'What is a bad credit score?'],
    ['How long is a flight from New York to London?', 'How long is a flight from London to New York?'],
    ['What is the side effect of taking too much vitamin C?', 'What is the side effect of taking too little vitamin C?'],
    ['Which planet is closest to the sun?', 'Which planet is farthest from the sun?'],
    ['Why is the sky blue during the day?', 'Why is the sky red at sunset?'],
    ['How much is 100 dollars in euros?', 'How much is 100 euros in dollars?'],
    ['What is the minimum age to drive in the US?', 'What is the maximum age to drive in the US?'],
    ['How do I turn left at a roundabout?', 'How do I turn right at a roundabout?'],
    ['What year did World War 1 end?', 'What year did World War 1 begin?'],
    ['What is the most spoken language in the world?', 'What is the least spoken language in the world?'],
    ['Is it safe to take ibuprofen on an empty stomach?', 'Is it safe to take ibuprofen on a full stomach?'],
    ['What is the best way to learn Spanish?', 'What is the fastest way to learn Spanish?'],
    ['How do I import a csv file in pandas?', 'How do I export a csv file in pandas?'],
    ['Should I stretch before or after running?', 'Should I stretch after running?'],
  ])('%s is not served for: %s (direction, opposites)', (q, other) => notServedFor(q, other));

  it.each([
    ['Who won the world cup last year?', 'Who will win the world cup next year?'],
    ['What was the inflation rate last year?', 'What will the inflation rate be next year?'],
    ['What was the unemployment rate last year?', 'What is the unemployment rate this year?'],
    ['What is the average rent per month in Boston?', 'What is the average rent per year in Boston?'],
    ['Is it better to run in the morning or in the evening?', 'Is it better to run in the morning?'],
    ['What is the weather in Paris in June?', 'What is the weather in Paris in December?'],
    ['Who was the president in 2008?', 'Who is the president now?'],
    ['How do I stop my dog from barking at night?', 'How do I stop my dog from barking at strangers?'],
  ])('%s is not served for: %s (time)', (q, other) => notServedFor(q, other));

  it.fails.each([
    ['What was the highest grossing movie last year?', 'What was the highest grossing movie of all time?'],
    ['How long does it take to get a passport?', 'How long does it take to renew a passport?'],
    ['Is it safe to fly during pregnancy?', 'Is it safe to drive during pregnancy?'],
    ['When should I plant tomatoes?', 'When should I harvest tomatoes?'],
    ['How long does it take to drive from LA to San Francisco?', 'How long does it take to fly from LA to San Francisco?'],
    ['How long does it take to walk a mile?', 'How long does it take to run a mile?'],
  ])('%s is still served for: %s (left: a span for a time, a verb for a verb)', (q, other) => notServedFor(q, other));
});
