// The word lists of word-swaps.ts's modifier rules ("how do I cook brown rice" is not "how do I cook
// rice", "the population density of Texas" not "the population of Texas"), as space-separated words;
// word-swaps.ts reads them as the stems of their words. Kept short: each word here is a rewording the
// check lets through, each word missing a question it refuses.

/**
 * Modifiers that do not narrow what the noun names: "the common symptoms of the flu" asks what "the
 * symptoms of the flu" does, "your favorite hobbies" "your hobbies". Chosen as word-swaps.ts's SYNONYMS
 * were, from the words the training split's close same-intent pairs add (bench/cache-question-checks.ts
 * --split train).
 */
export const PLAIN_WORDS = `favorite favourite real actual true exact current different core main basic general particular
specific given certain whole entire full complete sincere funny fun good nice great best little quick simple few several many
various usual typical common major top popular interesting own most`;

/**
 * Words that stand for a noun and take no modifier before them ("something funny"), nor name a thing of
 * their own as a subject ("how is everything" / "how are things").
 */
export const PRONOUN_LIKE_WORDS = 'something anything everything nothing someone anyone everyone thing things stuff';

/**
 * Nouns that, put after a noun, ask a measure of it rather than it: "the GDP growth of China" is not "the
 * GDP of China". Not "rate" ("the unemployment rate" is "unemployment"), nor "city" ("the capital city").
 * Reading every word added after a noun refused 58 more same-intent training pairs ("are you a real
 * person" / "are you real"); these refuse none there, nor on the dev split.
 */
export const MEASURE_WORDS = `density growth ratio percentage share capita rank ranking index average median size length weight
height depth volume speed temperature pressure`;
