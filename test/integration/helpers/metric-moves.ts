// What one request moved in a metrics registry, for tests that compare two doors (the HTTP gateway and
// ext_proc) over one registry: the series of the named families that changed, by how much.

interface Rendered {
  render(): string;
}

/** Every series of `families` in the registry's text, keyed `name{labels}`. */
function snapshot(registry: Rendered, families: readonly string[]): Map<string, number> {
  const line = new RegExp(`^(${families.join('|')})(\\{[^}]*\\}) (\\S+)$`);
  const out = new Map<string, number>();
  for (const text of registry.render().split('\n')) {
    const m = line.exec(text);
    if (m) out.set(m[1] + m[2], Number(m[3]));
  }
  return out;
}

/** Runs `send` and answers what it returned and what it added to each series it moved. */
export async function metricMoves<T>(registry: Rendered, families: readonly string[], send: () => Promise<T>): Promise<{ moved: Record<string, number>; answer: T }> {
  const before = snapshot(registry, families);
  const answer = await send();
  const moved: Record<string, number> = {};
  for (const [k, v] of snapshot(registry, families)) if (v !== (before.get(k) ?? 0)) moved[k] = v - (before.get(k) ?? 0);
  return { moved, answer };
}
