// A reasoning family's `parameter` may be a dotted path (the reference's newer configs:
// `parameter: reasoning.effort` is the request field {"reasoning": {"effort": ...}}, the shape of
// OpenAI's Responses-style reasoning object). These read and write such a path in a JSON object.

type Obj = Record<string, unknown>;

const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** "reasoning.effort" -> ["reasoning", "effort"]; a plain name is a path of one. */
export function paramPath(parameter: string): string[] {
  return parameter.split('.');
}

/** The value at `path`, or undefined when a step is missing or not an object. */
export function getPath(obj: unknown, path: readonly string[]): unknown {
  let cur: unknown = obj;
  for (const key of path) {
    if (!isObject(cur)) return undefined;
    cur = cur[key];
  }
  return cur;
}

/**
 * Set `value` at `path` in `obj` (changed in place). Objects on the way are copied before they are
 * written, so an object the client sent is never shared with the forwarded body; a step that is
 * missing or not an object (a string, an array) becomes a new object.
 */
export function setPath(obj: Obj, path: readonly string[], value: unknown): void {
  let cur = obj;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i]!;
    const next = cur[key];
    const copy: Obj = isObject(next) ? { ...next } : {};
    cur[key] = copy;
    cur = copy;
  }
  cur[path[path.length - 1]!] = value;
}
