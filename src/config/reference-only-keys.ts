// Keys of the reference's config.yaml (vsr.md 1.1) that semroute accepts, so such a file loads as
// written, but does not act on: the models come from packs.*, the device from `device`, the cache
// index is exact, the batch metrics are always on. Setting one changes nothing, so loading says so,
// once, by name (a `classifier.category_model.model_id` pointing at another model would otherwise look
// obeyed). Also: values written as `${NAME}`, which neither the reference nor semroute expand.

const obj = (v: unknown): Record<string, unknown> | undefined =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

const MODEL_KEYS = ['model_id', 'use_modernbert', 'use_cpu'];

/** Section path -> its keys with no effect, and whether an `enabled: false` section is skipped (nothing runs there). */
const NO_EFFECT: Array<{ section: string[]; keys: string[]; skipWhenOff?: boolean }> = [
  { section: ['bert_model'], keys: ['model_id', 'use_cpu'] },
  { section: ['classifier', 'category_model'], keys: [...MODEL_KEYS, 'category_mapping_path'] },
  { section: ['classifier', 'pii_model'], keys: [...MODEL_KEYS, 'pii_mapping_path'] },
  { section: ['prompt_guard'], keys: [...MODEL_KEYS, 'jailbreak_mapping_path'], skipWhenOff: true },
  {
    section: ['semantic_cache'],
    keys: ['backend_config_path', 'use_hnsw', 'hnsw_m', 'hnsw_ef_construction', 'max_memory_entries', 'embedding_model'],
    skipWhenOff: true,
  },
  { section: ['api', 'batch_classification'], keys: ['concurrency_threshold', 'max_concurrency'] },
  { section: ['api', 'batch_classification', 'metrics'], keys: ['enabled', 'detailed_goroutine_tracking', 'high_resolution_timing', 'sample_rate'] },
];

const OFF = [false, 'false', 'no', 'off', 'n'];

export function referenceOnlyKeys(raw: Record<string, unknown>): string[] {
  const found: string[] = [];
  for (const { section, keys, skipWhenOff } of NO_EFFECT) {
    let node: Record<string, unknown> | undefined = raw;
    for (const k of section) node = obj(node?.[k]);
    if (!node || (skipWhenOff && OFF.includes(node.enabled as never))) continue;
    for (const k of keys) if (node[k] !== undefined && node[k] !== null) found.push([...section, k].join('.'));
  }
  return found;
}

const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?:[:-][^}]*)?\}/;

/** Key paths whose string value holds `${NAME}`, with the first NAME (never the value: a URL may hold a password). */
export function envReferences(value: unknown, path = ''): Array<{ path: string; name: string }> {
  if (typeof value === 'string') {
    const m = ENV_REF.exec(value);
    return m ? [{ path: path || '(root)', name: m[1]! }] : [];
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => envReferences(v, `${path}[${i}]`));
  const o = obj(value);
  return o ? Object.entries(o).flatMap(([k, v]) => envReferences(v, path ? `${path}.${k}` : k)) : [];
}

export function referenceOnlyWarnings(raw: Record<string, unknown>): string[] {
  const warnings: string[] = [];
  const unused = referenceOnlyKeys(raw);
  if (unused.length) {
    warnings.push(
      `${unused.join(', ')}: accepted from the reference's config and not used (semroute's models are the packs.* packs, ` +
        `its device is \`device\`; README "Config reference")`,
    );
  }
  for (const { path, name } of envReferences(raw)) {
    const hint = path === 'semantic_cache.redis.url' ? ' (semantic_cache.redis.url_env names a variable holding the whole URL)' : '';
    warnings.push(`${path}: \${${name}} is used as written: environment variables are not substituted in the config file${hint}`);
  }
  return warnings;
}
