// Reading README.md the way a user does, for the tests that hold it to the product
// (readme-config.test.ts, readme-surface.test.ts, test/integration/readme-live.test.ts).
import { readFileSync } from 'node:fs';
import { z } from 'zod';

export const README = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

/** The text under a heading (any level), up to the next heading of the same or a higher level. */
export function section(title: string, text = README): string {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => /^#+ /.test(l) && l.replace(/^#+ /, '').trim() === title);
  if (start < 0) throw new Error(`README has no heading "${title}"`);
  const level = /^#+/.exec(lines[start]!)![0].length;
  const end = lines.findIndex((l, i) => i > start && /^#+ /.test(l) && /^#+/.exec(l)![0].length <= level);
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
}

/** Rows of the first Markdown table in `text` after its header and rule, as cells (`\|` stays in the cell). */
export function tableRows(text: string): string[][] {
  const rows = text.split('\n').filter((l) => l.startsWith('|'));
  return rows
    .slice(2)
    .map((l) => l.slice(1, l.endsWith('|') ? -1 : undefined).split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\\|/g, '|')));
}

/** Backticked spans of a text, in order. */
export function ticks(text: string): string[] {
  return [...text.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!);
}

/** `a/{b,c}` -> `a/b`, `a/c`; a brace without a comma is a path parameter (`/v1/models/{id}`) and stays. */
export function expand(t: string): string[] {
  const m = /\{([^},]*,[^}]*)\}/.exec(t);
  return m ? m[1]!.split(',').flatMap((x) => expand(t.slice(0, m.index) + x + t.slice(m.index + m[0].length))) : [t];
}

/** Every `METHOD /path` the README's HTTP surface table lists, as `METHOD /path` strings (unique, in order).
 *  A path without a method takes its cell's first method (`POST /v1/completions`, `/v1/embeddings`). */
export function documentedEndpoints(): string[] {
  const out = new Set<string>();
  for (const [cell] of tableRows(section('HTTP surface'))) {
    let method = '';
    for (const t of ticks(cell!)) {
      const m = /^(?:(GET|POST|PUT|DELETE) )?(\/\S*)$/.exec(t);
      if (!m) continue;
      method ||= m[1] ?? '';
      for (const p of expand(m[2]!)) out.add(`${m[1] ?? method} ${p}`);
    }
  }
  return [...out];
}

/** A schema with its optional / default / effects wrappers taken off. */
export function unwrap(s: z.ZodTypeAny): z.ZodTypeAny {
  for (;;) {
    if (s instanceof z.ZodOptional || s instanceof z.ZodNullable) s = s.unwrap();
    else if (s instanceof z.ZodDefault) s = s._def.innerType;
    else if (s instanceof z.ZodEffects) s = s._def.schema;
    else return s;
  }
}

/** The schema at a documented key path: `a.b`, `a[].b`, `a[0].b`, `model_config.<model>.pii_policy`. */
export function schemaAt(root: z.ZodTypeAny, path: string): z.ZodTypeAny | undefined {
  let s: z.ZodTypeAny | undefined = root;
  for (const part of path.replace(/\[\d*\]/g, '.[]').split('.').filter(Boolean)) {
    const u: z.ZodTypeAny = unwrap(s!);
    if (part === '[]') s = u instanceof z.ZodArray ? u.element : undefined;
    // `<m>`, or a name under a map (`model_config.deepseek-v3.preferred_endpoints` in a quoted warning).
    else if (/^<.*>$/.test(part) || u instanceof z.ZodRecord) s = u instanceof z.ZodRecord ? u._def.valueType : undefined;
    else s = u instanceof z.ZodObject ? (u.shape as Record<string, z.ZodTypeAny>)[part] : undefined;
    if (!s) return undefined;
  }
  return s;
}

/** Every key path the schema accepts (records as `<k>`, arrays as `[]`). */
export function schemaKeys(root: z.ZodTypeAny, path = ''): string[] {
  const u = unwrap(root);
  if (u instanceof z.ZodObject) {
    return Object.entries(u.shape as Record<string, z.ZodTypeAny>).flatMap(([k, v]) => {
      const p = path ? `${path}.${k}` : k;
      return [p, ...schemaKeys(v, p)];
    });
  }
  if (u instanceof z.ZodArray) return schemaKeys(u.element, `${path}[]`);
  if (u instanceof z.ZodRecord) return schemaKeys(u._def.valueType, `${path}.<k>`);
  return [];
}

/** The schema's default for a key (what parsing an absent value gives), or undefined. */
export function schemaDefault(s: z.ZodTypeAny): unknown {
  let cur: z.ZodTypeAny = s;
  for (;;) {
    if (cur instanceof z.ZodDefault) return cur._def.defaultValue();
    if (cur instanceof z.ZodOptional || cur instanceof z.ZodNullable) cur = cur.unwrap();
    else if (cur instanceof z.ZodEffects) cur = cur._def.schema;
    else return undefined;
  }
}
