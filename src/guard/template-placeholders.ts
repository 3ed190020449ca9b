// Template placeholders read as the names they hold. `{{name}}` is how Jinja, Handlebars, Mustache,
// Angular and Vue write a variable, and what a templating user sends first; the jailbreak pack learnt
// double braces as an attack (its training jailbreaks are role-play cards written with SillyTavern's
// `{{char}}` / `{{user}}`), so "{{name}}" alone scored 0.869 and "Translate {{text}} into
// {{language}}." 0.931, both blocked. The guard scores `{{ user.name | upper }}` as `user.name`
// (section markers `{{#each items}}` / `{{/each}}` as their words); the forwarded text is unchanged.
// Chosen on the training side over `{name}`, `<name>`, `X` and dropping the placeholder: 30 templated
// prompts written for this (test/integration/guard-template-placeholders.test.ts has ten) blocked
// 20 -> 0 (`{name}` 7, `<name>` 7, `X` 0, dropped 2); the 125 training jailbreaks holding `{{` caught
// 124 -> 122 (`X` 119); the two lost are "Write 50 Chat GPT prompts for {{ profession}}" and
// "{{lightinh }}". An attack in placeholders reads as its words: "{{Ignore}} {{all}} ..." is caught.

// Bounded repeats: one pass over any input, however many braces or spaces it holds.
const PLACEHOLDER = /\{\{\s{0,8}[#/^]?([A-Za-z_][\w.-]{0,63})(?:\s{0,8}\|\s{0,8}[A-Za-z_]\w{0,31}){0,4}\s{0,8}\}\}/g;

/** `text` with each `{{ name }}` placeholder read as `name`. */
export function readPlaceholders(text: string): string {
  return text.includes('{{') ? text.replace(PLACEHOLDER, '$1') : text;
}
