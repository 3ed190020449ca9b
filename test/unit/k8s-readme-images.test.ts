// k8s/README.md "Step 0: build the images" followed on a copy of k8s/ (new-user pass, issue #3): its
// `kustomize edit set image NAME=IMAGE` lines applied as kustomize applies them (the images entry named
// NAME gets IMAGE's name and tag), then every overlay rendered. Each shape must then run the image the
// guide built for it from the registry: the CPU image in base, gateway and sidecar, the CUDA image in
// gpu. (Before: base's edit renamed the image before the gpu overlay's `images` entry for `semroute`
// could match it, so the GPU pods got the CPU image and, with `device: cuda`, failed at start.)
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { liteRenderer, realKustomize, type K8sObject } from './helpers/k8s-render.ts';

const K8S = fileURLToPath(new URL('../../k8s/', import.meta.url));
const GUIDE = readFileSync(join(K8S, 'README.md'), 'utf8');
const step0 = GUIDE.slice(GUIDE.indexOf('## Step 0'), GUIDE.indexOf('\n## ', GUIDE.indexOf('## Step 0') + 1));
const REGISTRY = 'registry.example.com/team';
const work = mkdtempSync(join(tmpdir(), 'k8s-step0-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The guide's `(cd k8s/DIR && kustomize edit set image NAME=IMAGE)` lines, with <registry> filled in. */
const edits = [...step0.matchAll(/\(cd k8s\/(\S+) && kustomize edit set image ([\w.-]+)=(\S+)\)/g)].map((m) => ({
  dir: m[1]!,
  name: m[2]!,
  image: m[3]!.replace('<registry>', REGISTRY),
}));

/** What `kustomize edit set image NAME=NEWNAME:TAG` writes: the entry named NAME gets newName and newTag. */
function setImage(dir: string, name: string, image: string): void {
  const file = join(dir, 'kustomization.yaml');
  const doc = parseDocument(readFileSync(file, 'utf8'));
  const colon = image.lastIndexOf(':');
  const entry = { name, newName: image.slice(0, colon), newTag: image.slice(colon + 1) };
  const images = (doc.get('images') as any)?.items ?? [];
  const at = images.findIndex((i: any) => i.get('name') === name);
  if (at < 0) doc.addIn(['images'], doc.createNode(entry));
  else for (const [k, v] of Object.entries(entry)) doc.setIn(['images', at, k], v);
  writeFileSync(file, doc.toString());
}

const renderer = realKustomize() ?? liteRenderer;
const appImage = (objs: K8sObject[]) =>
  objs.find((o) => o.kind === 'Deployment')!.spec.template.spec.containers.find((c: any) => c.name === 'semroute').image as string;

describe(`k8s/README.md Step 0 (rendered with ${renderer.name})`, () => {
  it("each overlay runs the image the guide builds for it, from the guide's registry", () => {
    const built = [...step0.matchAll(/docker build (?:-f (\S+) )?-t (\S+) \./g)].map((m) => ({ dockerfile: m[1] ?? 'Dockerfile', tag: m[2]!.replace('<registry>', REGISTRY) }));
    const cpu = built.find((b) => b.dockerfile === 'Dockerfile')!.tag;
    const cuda = built.find((b) => b.dockerfile === 'Dockerfile.cuda')!.tag;
    expect(edits.length, 'the kustomize edit lines').toBeGreaterThanOrEqual(2);
    cpSync(K8S, join(work, 'k8s'), { recursive: true });
    for (const e of edits) setImage(join(work, 'k8s', e.dir), e.name, e.image);
    const want: Record<string, string> = { base: cpu, 'overlays/gateway': cpu, 'overlays/sidecar': cpu, 'overlays/gpu': cuda };
    for (const [overlay, image] of Object.entries(want)) expect(appImage(renderer.render(join(work, 'k8s', overlay))), overlay).toBe(image);
  });

  it('the hand-edit the guide gives instead of kustomize edit names the same entries', () => {
    // "set newName: ... under images: in k8s/base/kustomization.yaml and k8s/overlays/gpu/kustomization.yaml"
    for (const e of edits) {
      const entries = (parseDocument(readFileSync(join(K8S, e.dir, 'kustomization.yaml'), 'utf8')).toJS().images ?? []) as Array<{ name: string }>;
      expect(entries.map((i) => i.name), `${e.dir} has an images entry named ${e.name}`).toContain(e.name);
      expect(step0).toContain(`k8s/${e.dir}/kustomization.yaml`);
    }
  });
});
