// A small OpenAPI 3.0 schema checker for the keywords /openapi.json uses (type, nullable, enum,
// required, properties, additionalProperties, items, oneOf, anyOf, $ref, minItems, minLength, minimum,
// maximum), and a lookup of an operation by method and concrete path (templated segments match any).
type Schema = Record<string, any>;

export interface Spec {
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: Schema }> }>; requestBody?: { content: Record<string, { schema: Schema }> } }>>;
  components: { schemas: Record<string, Schema> };
}

/** Every way `value` departs from `schema`, as "path: what" lines (empty when it conforms). */
export function check(spec: Spec, schema: Schema, value: unknown, at = '$'): string[] {
  if (schema.$ref) return check(spec, spec.components.schemas[String(schema.$ref).split('/').pop()!]!, value, at);
  if (value === null) return schema.nullable ? [] : [`${at}: null, not nullable`];
  if (schema.oneOf) {
    const fits = (schema.oneOf as Schema[]).filter((s) => check(spec, s, value, at).length === 0).length;
    return fits === 1 ? [] : [`${at}: ${JSON.stringify(value)} fits ${fits} of oneOf`];
  }
  const errs: string[] = [];
  if (schema.anyOf && !(schema.anyOf as Schema[]).some((s) => check(spec, s, value, at).length === 0)) errs.push(`${at}: fits none of anyOf`);
  const t = schema.type as string | undefined;
  const kind = Array.isArray(value) ? 'array' : Number.isInteger(value) ? 'integer' : typeof value;
  if (t && !(t === kind || (t === 'number' && kind === 'integer') || (t === 'object' && kind === 'object'))) return [`${at}: ${kind}, want ${t}`];
  if (schema.enum && !schema.enum.includes(value)) errs.push(`${at}: ${JSON.stringify(value)} not in ${JSON.stringify(schema.enum)}`);
  if (typeof value === 'string' && schema.minLength !== undefined && value.length < schema.minLength) errs.push(`${at}: shorter than ${schema.minLength}`);
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) errs.push(`${at}: ${value} < ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) errs.push(`${at}: ${value} > ${schema.maximum}`);
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) errs.push(`${at}: fewer than ${schema.minItems} items`);
    if (schema.items) value.forEach((v, i) => errs.push(...check(spec, schema.items, v, `${at}[${i}]`)));
  } else if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    for (const r of (schema.required as string[] | undefined) ?? []) if (!(r in o)) errs.push(`${at}.${r}: missing`);
    const props = (schema.properties ?? {}) as Record<string, Schema>;
    for (const [k, v] of Object.entries(o)) {
      if (props[k]) errs.push(...check(spec, props[k], v, `${at}.${k}`));
      else if (schema.additionalProperties === false) errs.push(`${at}.${k}: not in the schema`);
      else if (schema.additionalProperties && typeof schema.additionalProperties === 'object') errs.push(...check(spec, schema.additionalProperties, v, `${at}.${k}`));
    }
  }
  return errs;
}

/** The spec's path template serving `path` ("/v1/models/{id}" for "/v1/models/MoM"), exact paths first. */
export function templateFor(spec: Spec, path: string): string | undefined {
  if (spec.paths[path]) return path;
  const segs = path.split('/');
  return Object.keys(spec.paths).find((p) => {
    const t = p.split('/');
    // A trailing parameter takes the rest (an id may hold a slash).
    const last = t.length - 1;
    if (t[last]!.startsWith('{') && segs.length >= t.length) return t.slice(0, last).every((x, i) => x === segs[i]);
    return t.length === segs.length && t.every((x, i) => x.startsWith('{') || x === segs[i]);
  });
}
