// Renders a kustomization with the real kustomize when the machine has one (`kustomize build`, or
// `kubectl kustomize`), else with the kustomize-lite subset; says which.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { renderLite, type K8sObject } from './kustomize-lite.ts';

export type { K8sObject };

export interface Renderer {
  name: string;
  render(dir: string): K8sObject[];
}

function tool(cmd: string, args: string[]): Renderer | undefined {
  const probe = spawnSync(cmd, [...args.slice(0, -1), '--help'], { encoding: 'utf8', timeout: 10_000 });
  if (probe.error || probe.status !== 0) return undefined;
  return {
    name: [cmd, ...args.slice(0, -1)].join(' '),
    render(dir) {
      const r = spawnSync(cmd, [...args.slice(0, -1), dir], { encoding: 'utf8', timeout: 30_000, maxBuffer: 32 << 20 });
      if (r.status !== 0) throw new Error(`${cmd} failed on ${dir}: ${r.stderr || r.error}`);
      return parseAllDocuments(r.stdout).map((d) => d.toJS() as K8sObject).filter(Boolean);
    },
  };
}

/** KUSTOMIZE=/path/to/kustomize overrides (KUSTOMIZE=lite forces the fallback); then kustomize, then kubectl kustomize. */
export function realKustomize(): Renderer | undefined {
  const env = process.env.KUSTOMIZE;
  if (env === 'lite') return undefined;
  return (env ? tool(env, ['build', 'DIR']) : undefined) ?? tool('kustomize', ['build', 'DIR']) ?? tool('kubectl', ['kustomize', 'DIR']);
}

export const liteRenderer: Renderer = { name: 'kustomize-lite (test/unit/helpers)', render: renderLite };

/** Renders `resources` plus `components` through a throwaway kustomization (kustomize forbids absolute paths). */
export function renderComposed(renderer: Renderer, resources: string[], components: string[]): K8sObject[] {
  const dir = mkdtempSync(join(tmpdir(), 'semroute-k8s-'));
  try {
    const rel = (p: string) => relative(dir, p);
    writeFileSync(
      join(dir, 'kustomization.yaml'),
      `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n${resources.map((r) => `  - ${rel(r)}\n`).join('')}components:\n${components.map((c) => `  - ${rel(c)}\n`).join('')}`,
    );
    return renderer.render(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
