// A small, honest subset of kustomize, used only when no kustomize/kubectl binary is on the machine:
// resources (files and folders), components, patches (strategic merge, target = the patch's kind and
// name), configMapGenerator (files; behavior create|replace|merge; kustomize's name hash and its
// rewrite in pod volumes) and images (newName/newTag). It is not kustomize: when a real binary is
// present, test/unit/k8s-manifests.test.ts renders with both and checks that they agree.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseAllDocuments, parse as parseYaml } from 'yaml';

export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; [k: string]: any }; [k: string]: any };

interface Kustomization {
  resources?: string[];
  components?: string[];
  patches?: Array<{ path: string }>;
  configMapGenerator?: Array<{ name: string; behavior?: 'create' | 'replace' | 'merge'; files?: string[] }>;
  images?: Array<{ name: string; newName?: string; newTag?: string }>;
  [unsupported: string]: unknown;
}

const SUPPORTED = new Set(['apiVersion', 'kind', 'resources', 'components', 'patches', 'configMapGenerator', 'images']);

interface Generated {
  name: string;
  data: Record<string, string>;
}

interface Acc {
  objects: K8sObject[];
  generated: Generated[];
}

export function renderLite(dir: string): K8sObject[] {
  const acc = build(resolve(dir));
  const hashed = new Map<string, string>();
  const configMaps = acc.generated.map((g) => {
    const name = `${g.name}-${configMapHash(g.data)}`;
    hashed.set(g.name, name);
    return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: g.data } as K8sObject;
  });
  for (const o of acc.objects) {
    for (const v of o.spec?.template?.spec?.volumes ?? []) {
      if (v.configMap?.name && hashed.has(v.configMap.name)) v.configMap.name = hashed.get(v.configMap.name);
    }
  }
  return [...configMaps, ...acc.objects];
}

function readKustomization(dir: string): Kustomization {
  const k = parseYaml(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as Kustomization;
  const extra = Object.keys(k).filter((key) => !SUPPORTED.has(key));
  if (extra.length) throw new Error(`kustomize-lite: ${dir}: unsupported fields ${extra.join(', ')}`);
  return k;
}

function build(dir: string, into?: Acc): Acc {
  const k = readKustomization(dir);
  const acc: Acc = into ?? { objects: [], generated: [] };
  for (const r of k.resources ?? []) {
    const p = resolve(dir, r);
    if (statSync(p).isDirectory()) build(p, acc);
    else acc.objects.push(...readObjects(p));
  }
  // Components apply on top of what this kustomization accumulated so far, like kustomize does.
  for (const c of k.components ?? []) build(resolve(dir, c), acc);
  for (const g of k.configMapGenerator ?? []) {
    const data: Record<string, string> = {};
    for (const f of g.files ?? []) data[basename(f)] = readFileSync(resolve(dir, f), 'utf8');
    const existing = acc.generated.find((x) => x.name === g.name);
    const behavior = g.behavior ?? 'create';
    if (behavior === 'create') {
      if (existing) throw new Error(`kustomize-lite: ConfigMap ${g.name} already exists`);
      acc.generated.push({ name: g.name, data });
    } else {
      if (!existing) throw new Error(`kustomize-lite: no ConfigMap ${g.name} to ${behavior}`);
      existing.data = behavior === 'replace' ? data : { ...existing.data, ...data };
    }
  }
  for (const p of k.patches ?? []) {
    const path = resolve(dir, p.path);
    for (const patch of readObjects(path)) {
      const target = acc.objects.find((o) => o.kind === patch.kind && o.metadata.name === patch.metadata.name);
      if (!target) throw new Error(`kustomize-lite: patch ${p.path} matches no ${patch.kind}/${patch.metadata.name}`);
      Object.assign(target, strategicMerge(target, patch, ''));
    }
  }
  for (const img of k.images ?? []) for (const o of acc.objects) setImages(o, img);
  return acc;
}

function readObjects(path: string): K8sObject[] {
  if (!existsSync(path)) throw new Error(`kustomize-lite: missing ${path}`);
  return parseAllDocuments(readFileSync(path, 'utf8'))
    .map((d) => d.toJS() as K8sObject)
    .filter(Boolean);
}

// patchMergeKey of the Kubernetes lists these manifests patch; any other list is replaced whole.
function mergeKey(field: string, items: any[]): string | undefined {
  if (field === 'containers' || field === 'initContainers' || field === 'volumes' || field === 'env') return 'name';
  if (field === 'volumeMounts') return 'mountPath';
  if (field === 'ports') return items.some((i) => i && 'containerPort' in i) ? 'containerPort' : 'port';
  return undefined;
}

function strategicMerge(base: any, patch: any, field: string): any {
  if (patch === null) return undefined;
  if (Array.isArray(patch)) {
    const key = mergeKey(field, [...(Array.isArray(base) ? base : []), ...patch]);
    if (!key || !Array.isArray(base)) return structuredClone(patch);
    // kustomize (kyaml) lists the patch's items first, in patch order (merged where the base had
    // them), then the base items the patch does not name.
    const fromPatch = patch.map((item) => {
      const old = base.find((b) => b?.[key] === item?.[key]);
      return old ? strategicMerge(old, item, '') : structuredClone(item);
    });
    const rest = base.filter((b) => !patch.some((item) => item?.[key] === b?.[key])).map((b) => structuredClone(b));
    return [...fromPatch, ...rest];
  }
  if (typeof patch === 'object' && typeof base === 'object' && base && !Array.isArray(base)) {
    const out: Record<string, any> = { ...base };
    for (const [k, v] of Object.entries(patch)) {
      const merged = strategicMerge(base[k], v, k);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
    }
    return out;
  }
  return structuredClone(patch);
}

function setImages(o: K8sObject, img: { name: string; newName?: string; newTag?: string }): void {
  const spec = o.spec?.template?.spec;
  for (const c of [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])]) {
    const [name, tag] = splitImage(c.image);
    if (name !== img.name) continue;
    c.image = `${img.newName ?? name}${img.newTag ? `:${img.newTag}` : tag ? `:${tag}` : ''}`;
  }
}

function splitImage(image: string): [string, string | undefined] {
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  return colon > slash ? [image.slice(0, colon), image.slice(colon + 1)] : [image, undefined];
}

/**
 * kustomize's ConfigMap name suffix: sha256 of Go's JSON of {data, kind, name}, first 10 hex chars with
 * some digits/vowels swapped. kustomize v5 hashes with an empty name (checked against kubectl 1.32).
 */
export function configMapHash(data: Record<string, string>): string {
  const name = '';
  const sorted = Object.fromEntries(Object.entries(data).sort(([a], [b]) => (a < b ? -1 : 1)));
  // Go's encoding/json escapes <, > and & (and U+2028/9) where JSON.stringify does not.
  const json = JSON.stringify({ data: sorted, kind: 'ConfigMap', name }).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  const hex = createHash('sha256').update(json).digest('hex').slice(0, 10);
  const swap: Record<string, string> = { '0': 'g', '1': 'h', '3': 'k', a: 'm', e: 't' };
  return [...hex].map((c) => swap[c] ?? c).join('');
}
