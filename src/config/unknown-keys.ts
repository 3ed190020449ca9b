// Lists keys a config has that the schema does not name, so a typo ("defualt_model") becomes a
// warning instead of being silently ignored. Walks zod schemas structurally.
import { z } from 'zod';

function unwrap(s: z.ZodTypeAny): z.ZodTypeAny {
  for (;;) {
    if (s instanceof z.ZodOptional || s instanceof z.ZodNullable) s = s.unwrap();
    else if (s instanceof z.ZodDefault) s = s._def.innerType;
    else if (s instanceof z.ZodEffects) s = s.innerType();
    else return s;
  }
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export function unknownKeys(schema: z.ZodTypeAny, value: unknown): string[] {
  return walk(schema, value, '', '').map((k) => k.path);
}

interface Found {
  path: string;
  /** The path with list indices as [] and map keys as *: the same key in every entry is one pattern. */
  pattern: string;
}

function walk(schema: z.ZodTypeAny, value: unknown, path: string, pattern: string): Found[] {
  const s = unwrap(schema);
  const out: Found[] = [];
  const join = (base: string, k: string) => (base ? `${base}.${k}` : k);
  if (s instanceof z.ZodObject && isPlainObject(value)) {
    const shape = s.shape as Record<string, z.ZodTypeAny>;
    // A section without declared keys (an owner's placeholder) accepts anything.
    if (Object.keys(shape).length === 0) return out;
    for (const [k, v] of Object.entries(value)) {
      const child = shape[k];
      if (!child) out.push({ path: join(path, k), pattern: join(pattern, k) });
      else out.push(...walk(child, v, join(path, k), join(pattern, k)));
    }
  } else if (s instanceof z.ZodArray && Array.isArray(value)) {
    value.forEach((v, i) => out.push(...walk(s.element, v, `${path}[${i}]`, `${pattern}[]`)));
  } else if (s instanceof z.ZodRecord && isPlainObject(value)) {
    for (const [k, v] of Object.entries(value)) out.push(...walk(s.valueSchema, v, `${path}.${k}`, `${pattern}.*`));
  }
  return out;
}

/**
 * The warnings for unknown keys: one per key, and one per key pattern when the same key is in several
 * entries of a list or a map (a per-category key in every category was one line per category, a
 * per-model key in every model_config entry one per model).
 */
export function unknownKeyWarnings(schema: z.ZodTypeAny, value: unknown): string[] {
  const groups = new Map<string, string[]>();
  for (const { path, pattern } of walk(schema, value, '', '')) groups.set(pattern, [...(groups.get(pattern) ?? []), path]);
  return [...groups].map(([pattern, paths]) => {
    if (paths.length === 1) return `${paths[0]}: unknown key (ignored)`;
    const key = pattern.slice(pattern.lastIndexOf('.') + 1);
    const entries = paths.map((p) => p.slice(0, -key.length - 1));
    const shown = entries.length > 3 ? [...entries.slice(0, 3), '...'] : entries;
    return `${pattern}: unknown key (ignored), in ${paths.length} entries (${shown.join(', ')})`;
  });
}
